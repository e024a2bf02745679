# Defaults for every environment. Override per environment in config/<HCP_ENV>.py and per
# deployment with HCP_* environment variables (HCP_DATABASE_URL, HCP_SECRET_KEY, HCP_DATA_KEYS …).

# Empty: an SQLite file under instance/ (SQLITE_FILENAME). Production: postgresql+psycopg://user:pw@host/db
DATABASE_URL = ""
SQLITE_FILENAME = "haochaping.sqlite3"
SQL_ECHO = False

SECRET_KEY = "insecure-development-key"
# Fernet keys (comma separated) encrypting evaluator phone and certificate numbers; the first one
# encrypts, all decrypt. Generate: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
DATA_KEYS = "ZGV2ZWxvcG1lbnQtb25seS1pbnNlY3VyZS1rZXktMDA="

# Working-day calendar: YAML files per year (empty: the repository's calendars/). The calendar package owns
# the defaults of CALENDAR_CUTOFF (24:00, the local time a deadline ends on its last day) and TIMEZONE
# (Asia/Shanghai): app/calendar/deadline.py DEFAULT_CUTOFF, DEFAULT_TIMEZONE; set them here to override.
CALENDAR_DIR = ""

# Evaluation intake
COMMENT_MAX_LENGTH = 1000
REASON_MAX_COUNT = 10
BATCH_MAX_ITEMS = 1000
# Tolerated clock skew of evaluation devices before an evaluation counts as "in the future".
EVALUATION_FUTURE_SKEW_SECONDS = 300

# Request bodies: the largest accepted per route family (413 beyond it, decided from Content-Length before the
# body is read; chunked bodies are cut off at the limit). Paths not listed: MAX_CONTENT_LENGTH.
MAX_CONTENT_LENGTH = 1024 * 1024  # pages' forms and single API calls
MAX_CONTENT_LENGTH_BATCH = 8 * 1024 * 1024  # a batch of BATCH_MAX_ITEMS evaluations with full comments
MAX_CONTENT_LENGTH_UPLOAD = 4 * 1024 * 1024  # BPMN models with their forms and tests, calendar years
CONTENT_LENGTH_FAMILIES = {
    "/api/v1/evaluations/batch": "MAX_CONTENT_LENGTH_BATCH",
    "/api/v1/models": "MAX_CONTENT_LENGTH_UPLOAD",
    "/models": "MAX_CONTENT_LENGTH_UPLOAD",
}
# JSON bodies nested deeper than this are refused (400) before they are parsed.
JSON_MAX_DEPTH = 32

API_PAGE_SIZE = 50
API_PAGE_SIZE_MAX = 500

# REST layer / OpenAPI (flask-smorest)
API_TITLE = "好差评差评工单管理 API"
API_VERSION = "v1"
OPENAPI_VERSION = "3.0.3"
OPENAPI_URL_PREFIX = "/api/v1"
OPENAPI_JSON_PATH = "openapi.json"
API_SPEC_OPTIONS = {"info": {"description": (
    "错误统一为 {\"error\": {\"code\", \"message\", \"fields\"}}。路径中的编号须在 1–2147483647 之间：超出此范围或路径段含 NUL "
    "字符时答 404（不存在）。请求体与查询参数中的编号、页码越界，文本含 NUL 或不成对的代理字符时答 422 并指明字段；"
    "请求体超过该类路由的上限答 413，JSON 嵌套过深答 400。")}}
JSON_SORT_KEYS = False

SCHEDULER_ENABLED = False
# Backup and restore on PostgreSQL: where pg_dump and pg_restore are (empty: PATH, then /usr/lib/postgresql/*/bin).
PG_BIN_DIR = ""

# Empty: scheduler.lock in the instance folder. The one process per machine holding this lock runs the jobs.
SCHEDULER_LOCK_FILE = ""
SCHEDULER_LOCK_RETRY_SECONDS = 15  # how soon another process takes over when the scheduler's process ends
CLOCK_OFFSET_SECONDS = 0

# HTTP server (haochaping serve). WORKERS > 1 runs gunicorn's arbiter with that many processes (Linux/Unix), each
# serving with waitress; WORKERS = 1 is one waitress process (any platform). Every process has THREADS request threads.
HOST = "127.0.0.1"
PORT = 5000
WORKERS = 1
THREADS = 8
# Open connections per process, idle ones included, before it stops accepting (kept below the open-files limit).
SERVER_CONNECTION_LIMIT = 4000
SERVER_CHANNEL_TIMEOUT = 60  # seconds a connection may stay silent before it is closed
SERVER_BACKLOG = 2048  # connections the kernel queues before the processes accept them
# Bytes: a larger body is refused (413, plain text) before it is read. Keep it above the app's own per-route limits,
# whose 413 answers carry the JSON error body.
SERVER_MAX_REQUEST_BODY_SIZE = 16 * 1024 * 1024
SERVER_GRACEFUL_TIMEOUT = 30  # seconds a stopping worker has to answer the requests it has received
SERVER_WORKER_TIMEOUT = 60  # a worker whose event loop has not reported for this long is replaced

# argon2id parameters: a profile name from argon2.profiles (RFC_9106_LOW_MEMORY: 64 MiB, 3 passes).
PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"

# Web sign-in
PERMANENT_SESSION_LIFETIME = 1800  # seconds of inactivity before a new sign-in is needed
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = False  # production behind HTTPS: True
LOGIN_MAX_FAILURES = 5
LOGIN_LOCK_MINUTES = 15
LOGIN_RATE_LIMIT = "20 per minute"
# Reverse proxies in front of the service whose X-Forwarded-For/-Proto are trusted (0: none, the service is
# reached directly). Rate limits, sign-in audit and fraud signals use the client address this yields.
TRUSTED_PROXIES = 0
WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

# Evaluators' public pages: signed links (rating per service case, feedback per bad-review case)
RATING_LINK_MAX_AGE_DAYS = 7
FEEDBACK_LINK_MAX_AGE_DAYS = 60
RATING_RATE_LIMIT = "10 per minute; 100 per day"  # per client address
PUBLIC_RATING_ACCOUNT = "public_rating"  # integration account that records public ratings
PUBLIC_BASE_URL = ""  # e.g. https://hcp.example.gov.cn for links sent by SMS; empty: the request's host

# Policy profile: the province's numbers passed into every new case (config/policy/<profile>.yaml)
POLICY_PROFILE = "jiangsu"
POLICY_DIR = ""  # empty: config/policy/

# Evaluation outreach (profile values take precedence where the active policy profile sets them)
OUTREACH_WINDOW_WORKING_DAYS = 5
OUTREACH_REMINDER_AFTER_HOURS = 24
OUTREACH_DEFAULT_AFTER_DAYS = 7
OUTREACH_DEFAULT_LEVEL = 4
OUTREACH_RECTIFICATION_SAMPLE_SHARE = 0.2
OUTREACH_MONTHLY_SAMPLE_MIN = 50
OUTREACH_SAMPLE_PER_LEVEL = 8
OUTREACH_SAMPLE_DUE_WORKING_DAYS = 10
OUTREACH_SAMPLE_DAY = 5
OUTREACH_SENDER = "logging"  # or "http_sms"
OUTREACH_SMS_GATEWAY_URL = ""
OUTREACH_SMS_GATEWAY_TOKEN = ""
OUTREACH_SMS_GATEWAY_TIMEOUT = 10
OUTREACH_MAX_ATTEMPTS = 5
OUTREACH_BACKOFF_SECONDS = 60
OUTREACH_BACKOFF_MAX_SECONDS = 3600
OUTREACH_FRAUD_EVALUATOR_COUNT = 5
OUTREACH_FRAUD_EVALUATOR_MINUTES = 60
OUTREACH_FRAUD_ORIGIN_COUNT = 5
OUTREACH_FRAUD_ORIGIN_HOURS = 24
OUTREACH_FRAUD_BAD_COUNT = 3
OUTREACH_FRAUD_BAD_HOURS = 24
OUTREACH_POINTS_EVERY_EVALUATIONS = 3
OUTREACH_POINTS_FOR_PARTICIPATION = 10
OUTREACH_POINTS_FOR_ADOPTED_SUGGESTION = 20

# Statistics
STATS_RANKING_MIN_EVALUATIONS = 10
STATS_SATISFIED_LEVELS = (3, 4, 5)  # levels counted by 满意率 (DOMAIN: the top three; some provinces use (4, 5))
STATS_LOW_RANK_MONTHS = 2
STATS_LOW_RANK_COUNT = 3
STATS_CLOSE_DAY = 10

# Audit chain: writers queue events; the sequencer seals them into the hash chain in batches, each with a
# checkpoint (Merkle root, chain head), every few seconds. An event waiting longer than the alert time is shown
# as an alert on /admin/operations. With a checkpoint key (HCP_AUDIT_CHECKPOINT_KEY, a long random secret kept
# out of the database) every checkpoint is signed with HMAC-SHA256.
AUDIT_SEAL_INTERVAL_SECONDS = 5
AUDIT_SEAL_BATCH = 5000
AUDIT_SEAL_ALERT_SECONDS = 120
AUDIT_CHECKPOINT_KEY = ""
