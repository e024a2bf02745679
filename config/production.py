# Production: every secret must come from the environment (HCP_SECRET_KEY, HCP_DATA_KEYS,
# HCP_DATABASE_URL=postgresql+psycopg://…); start-up refuses the development defaults.
SECRET_KEY = ""
DATA_KEYS = ""
SCHEDULER_ENABLED = True
SESSION_COOKIE_SECURE = True
# Several processes on the machine's cores (see README "生产部署"); HCP_WORKERS overrides.
WORKERS = 4
