# The test suite: database URL comes from the fixtures (HCP_TEST_DATABASE_URL for PostgreSQL).
TESTING = True
SCHEDULER_ENABLED = False
# argon2's cheapest profile: hashing strength is not under test, speed of the suite is.
PASSWORD_HASH_PROFILE = "CHEAPEST"
