"""Evaluation life around the service: reminders, the supplementary window, default ratings, fraud signals,
evaluator points and the monthly return-visit sample."""
