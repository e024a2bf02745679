"""Evaluations (评价) of service cases, and their intake from every channel."""
