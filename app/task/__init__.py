"""The task inbox: open human tasks of bad-review cases, claimed and completed by departments and supervisors."""
