"""Running the service over HTTP: one waitress process, or a gunicorn arbiter with several waitress-front worker
processes, and the one process per machine that runs the scheduler."""
