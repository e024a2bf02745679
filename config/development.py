# Local development: SQLite under instance/, demo keys.
SCHEDULER_ENABLED = True
