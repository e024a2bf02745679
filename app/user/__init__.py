"""Staff accounts, integration clients, roles, passwords and API tokens."""
