"""Bulk loading of service cases and evaluations from files (CSV, JSON Lines, XLSX): a department's monthly
upload or a historical backfill. Rows are checked with the API's schemas and rules, written in chunks,
reported row by row, and the load can be repeated or resumed without adding anything twice."""
