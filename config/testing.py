# The test suite: database URL comes from the fixtures (HCP_TEST_DATABASE_URL for PostgreSQL).
TESTING = True
SCHEDULER_ENABLED = False
