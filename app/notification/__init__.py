"""Notifications (reminders, overdue notices, rating invitations) and their delivery: the outbox claims, sends
through the configured sender, retries with backoff and never sends twice (outbox.py, senders.py, jobs.py)."""
