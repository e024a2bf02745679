"""Page render times with the demo data: `python tests/benchmarks/bench_pages.py [--cases N]`.

Builds a throwaway SQLite database (or uses HCP_BENCH_DATABASE_URL), loads the demo slice, signs in as
each demo role and times the main pages through the WSGI app (no network), printing the median and the
slowest of several requests per page. The target is under 300 ms per page on this machine.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from app import create_app, migrate  # noqa: E402
from app.db import db  # noqa: E402
from app.demo import seed  # noqa: E402
from app.demo.catalogue import DEMO_PASSWORD  # noqa: E402

PAGES = {  # username: pages
    "handler": ["/tasks", "/cases"],
    "supervisor": ["/tasks", "/supervision/queues", "/supervision/overdue", "/cases"],
    "auditor": ["/audit", "/cases", "/stats/"],
    "policy_admin": ["/models"],
    "sysadmin": ["/admin/accounts", "/admin/units", "/admin/accounts?q=jdk"],
}
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _signed_in(app, username):
    client = app.test_client()
    token = _TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"sign-in failed for {username}"
    return client


def _time(client, path, repeat):
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, f"{path}: {response.status_code}"
    return samples


def _case_page_of(client) -> str:
    """A case page the signed-in user may open: the first case linked from their case list."""
    match = re.search(r'href="(/cases/\d+)"', client.get("/cases").get_data(as_text=True))
    assert match, "no case in this user's scope"
    return match.group(1)


def _account_page_of(client) -> str:
    """An account page the administrator may open: the first account of their list."""
    match = re.search(r'href="(/admin/accounts/\d+)"', client.get("/admin/accounts").get_data(as_text=True))
    assert match, "no account in this administrator's scope"
    return match.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    url = os.environ.get("HCP_BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    app = create_app({"ENV": "development", "DATABASE_URL": url, "SCHEDULER_ENABLED": False})
    migrate.upgrade(url)
    with app.app_context():
        print(seed.run(cases=args.cases, seed=20261121).splitlines()[0])
        db.session.commit()
    print(f"\n{'user':<14} {'page':<28} {'median ms':>10} {'max ms':>8}")
    worst = 0.0
    for username, pages in PAGES.items():
        client = _signed_in(app, username)
        if username == "handler":
            pages = [*pages, _case_page_of(client)]
        if username == "sysadmin":
            pages = [*pages, _account_page_of(client)]
        for path in pages:
            samples = _time(client, path, args.repeat)
            worst = max(worst, statistics.median(samples))
            print(f"{username:<14} {path:<28} {statistics.median(samples):>10.1f} {max(samples):>8.1f}")
    print(f"\nslowest median: {worst:.1f} ms — target < 300 ms: {'MET' if worst < 300 else 'NOT MET'}")


if __name__ == "__main__":
    main()
