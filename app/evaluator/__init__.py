"""The public side: evaluators rate a service from a signed link and answer the return visit."""
