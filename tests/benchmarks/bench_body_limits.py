"""Time and memory to refuse oversized bodies: `python tests/benchmarks/bench_body_limits.py [--megabytes N]`.

Sends an N MB body (default 50) through the WSGI app (no network) to the evaluation batch, once with a
declared Content-Length and once chunked, from a generator that is never held in memory, and prints the
time to the answer, the bytes the app read and the peak memory Python allocated meanwhile.
"""
from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from app import create_app, migrate  # noqa: E402

MB = 1024 * 1024


class EndlessBody(io.RawIOBase):
    """``size`` bytes of JSON-looking text, produced on demand; counts what is read."""

    def __init__(self, size: int):
        self.size, self.read_bytes = size, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=0):
        return 0

    def tell(self):
        return 0

    def readinto(self, buffer):
        count = min(len(buffer), 64 * 1024, self.size - self.read_bytes)
        buffer[:count] = b" " * count
        self.read_bytes += count
        return count


def measure(client, size: int, chunked: bool) -> tuple[int, float, int, int]:
    body = EndlessBody(size)
    environ = ({"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True} if chunked
               else {"CONTENT_LENGTH": str(size)})
    tracemalloc.start()
    started = time.perf_counter()
    response = client.post("/api/v1/evaluations/batch", input_stream=body, content_type="application/json",
                           environ_overrides=environ)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return response.status_code, elapsed * 1000, body.read_bytes, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{directory}/bench.sqlite3"
        migrate.upgrade(url)
        app = create_app({"ENV": "testing", "DATABASE_URL": url})
        client = app.test_client()
        print(f"{'body':<28} {'status':>6} {'ms':>8} {'read MB':>8} {'peak MB':>8}")
        for chunked in (False, True):
            status, ms, read, peak = measure(client, args.megabytes * MB, chunked)
            label = f"{args.megabytes} MB {'chunked' if chunked else 'Content-Length'}"
            print(f"{label:<28} {status:>6} {ms:>8.1f} {read / MB:>8.1f} {peak / MB:>8.1f}")


if __name__ == "__main__":
    main()
