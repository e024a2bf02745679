"""Evaluation life around the service: reminders, the supplementary window, default ratings, the
notification outbox, fraud signals, evaluator points and the monthly return-visit sample."""
