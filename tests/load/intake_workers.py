"""Intake on several worker processes: single `POST /api/v1/evaluations` from 16 concurrent HTTP clients against the
production server (`haochaping serve --workers N`) on PostgreSQL, with 2 and then 4 workers.

Prints the throughput per worker count and the ratio, then checks every answer against the database: each
evaluation answered 201 is stored exactly once under the id it was given, each bad review among them has exactly
one case, nothing unanswered was stored, and `haochaping audit verify` passes. Exits 1 when any check fails or any
request was not answered 201; the throughput is reported, not asserted.

    HCP_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:55432/postgres python tests/load/intake_workers.py
    HCP_DATABASE_URL=postgresql+psycopg://…/hcp python tests/load/intake_workers.py   # that database, as it is
    options: [--workers 2 4] [--requests 1600] [--clients 16]

With HCP_BENCH_DATABASE_URL a throwaway database is created on that server and dropped at the end. Organisation,
item, integration account and service cases are written in bulk through the app's services (this run's own,
under a fresh code prefix), so the script also runs on a database that holds other data.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from tests.fixtures.databases import postgres_database  # noqa: E402
from tests.load.production_server import ProductionServer, cli  # noqa: E402

BAD_EVERY = 10  # one evaluation in ten is a bad review (level 1 or 2) and opens a case
GOAL_RATIO = 1.6


@dataclass
class Answer:
    case_no: str
    level: int
    status: int  # 0: no HTTP answer
    evaluation_id: int | None = None
    bad_review_case_id: int | None = None
    seconds: float = 0.0
    error: str = ""


@contextmanager
def database():
    given = os.environ.get("HCP_DATABASE_URL")
    if given:
        yield given
        return
    server = os.environ.get("HCP_BENCH_DATABASE_URL")
    if not server or not server.startswith("postgresql"):
        sys.exit("需要 PostgreSQL：设置 HCP_BENCH_DATABASE_URL=postgresql+psycopg://用户@主机:端口/postgres（建临时库）"
                 "或 HCP_DATABASE_URL（用该库）")
    with postgres_database(server, prefix="hcp_load") as created:
        yield created


def seed(url: str, count: int) -> tuple[str, list[str]]:
    """This run's department, item, integration client (its token) and ``count`` finished service cases."""
    from app import create_app
    from app.db import db
    from app.org import service as org_service
    from app.org.models import OrgLevel
    from app.service_case import service as service_cases
    from app.service_case.models import ServiceItem
    from app.user import service as user_service
    from app.user.models import AccountKind
    from app.user.principal import Principal

    run = uuid.uuid4().hex[:6].upper()
    app = create_app({"ENV": "development", "DATABASE_URL": url, "SCHEDULER_ENABLED": False})
    with app.app_context():
        city = org_service.create(code=f"LD{run}", name=f"负载测试市{run}", level=OrgLevel.city)
        dept = org_service.create(code=f"LD{run}-HR", name=f"负载测试人社局{run}", level=OrgLevel.department,
                                  parent=city)
        db.session.add(ServiceItem(code=f"ITEM-LD{run}", name="负载测试事项", department_id=dept.id))
        client = user_service.create(username=f"load_{run.lower()}", display_name="负载测试对接", org_unit=city,
                                     roles=["integration"], password=None, kind=AccountKind.client)
        token = user_service.issue_token(user=client, name="load test", org_units=[]).plaintext
        db.session.flush()
        now = datetime.now(UTC)
        rows = [{"case_no": f"LD{run}-{i:07d}", "item_code": f"ITEM-LD{run}", "org_code": dept.code,
                 "channel": "window", "applicant_kind": "natural_person", "applicant_name": "王小明",
                 "applicant_phone": "13912345678", "accepted_at": now - timedelta(days=1),
                 "finished_at": now - timedelta(hours=2)} for i in range(count)]
        results = service_cases.create_many(rows, principal=Principal.for_user(client))
        rejected = [r for r in results if r.status != "created"]
        if rejected:
            raise RuntimeError(f"{len(rejected)} service cases not created, first: {rejected[0]}")
        db.session.commit()
    app.extensions["db_engine"].dispose()
    return token, [row["case_no"] for row in rows]


def body(case_no: str, index: int) -> dict:
    level = (1 if index % (2 * BAD_EVERY) == 0 else 2) if index % BAD_EVERY == 0 else 4 + index % 2
    return {"service_case_no": case_no, "level": level, "channel": "window_device", "real_name": index % 3 != 0,
            "comment": "办事等待时间太长" if level <= 2 else None, "reasons": ["efficiency"] if level <= 2 else [],
            "evaluated_at": (datetime.now(UTC) - timedelta(minutes=30)).isoformat()}


def post_all(port: int, token: str, case_nos: list[str], clients: int) -> tuple[list[Answer], float]:
    """Every case number posted once, shared out over ``clients`` threads with one keep-alive connection each."""
    shares = [list(enumerate(case_nos))[i::clients] for i in range(clients)]
    answers: list[Answer] = []
    lock = threading.Lock()
    gate = threading.Barrier(clients + 1)

    def client(share) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        gate.wait()
        for index, case_no in share:
            sent = body(case_no, index)
            answer = Answer(case_no, sent["level"], 0)
            started = time.perf_counter()
            try:
                connection.request("POST", "/api/v1/evaluations", body=json.dumps(sent), headers=headers)
                response = connection.getresponse()
                payload = response.read()
                answer.status = response.status
                if response.status == 201:
                    data = json.loads(payload)
                    answer.evaluation_id, answer.bad_review_case_id = data["id"], data.get("bad_review_case_id")
                else:
                    answer.error = payload[:300].decode(errors="replace")
            except (OSError, http.client.HTTPException) as err:
                answer.error = f"{type(err).__name__}: {err}"
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            answer.seconds = time.perf_counter() - started
            with lock:
                answers.append(answer)
        connection.close()

    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    gate.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return answers, time.perf_counter() - started


def stored(url: str, case_nos: list[str]) -> tuple[dict[str, list[int]], dict[int, int]]:
    """Evaluation ids per service case number, and bad-review cases per evaluation id, for these case numbers."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT sc.case_no, e.id, (SELECT count(*) FROM bad_review_case b WHERE b.evaluation_id = e.id) "
                "FROM evaluation e JOIN service_case sc ON sc.id = e.service_case_id "
                "WHERE sc.case_no = ANY(:numbers)"), {"numbers": case_nos}).all()
    finally:
        engine.dispose()
    evaluations: dict[str, list[int]] = {}
    cases: dict[int, int] = {}
    for case_no, evaluation_id, case_count in rows:
        evaluations.setdefault(case_no, []).append(evaluation_id)
        cases[evaluation_id] = case_count
    return evaluations, cases


def check(answers: list[Answer], evaluations: dict[str, list[int]], cases: dict[int, int]) -> list[str]:
    """Prints the comparison of answers and rows; the problems found."""
    accepted = [a for a in answers if a.status == 201]
    failed = [a for a in answers if a.status != 201]
    bad = [a for a in accepted if a.level <= 2]
    findings = {  # what must be empty
        "answered 201 but not stored once under the answered id":
            [a for a in accepted if evaluations.get(a.case_no) != [a.evaluation_id]],
        "service cases with more than one evaluation": [no for no, ids in evaluations.items() if len(ids) > 1],
        "not answered 201": failed,
        "stored although not answered 201": [a for a in failed if a.case_no in evaluations],
        "bad reviews without exactly one case":
            [a for a in bad if a.bad_review_case_id is None or cases.get(a.evaluation_id) != 1],
        "good ratings with a case": [a for a in accepted if a.level > 2 and cases.get(a.evaluation_id)],
    }
    print("\n| check | count |\n|---|---|")
    print(f"| requests / answered 201 | {len(answers)} / {len(accepted)} |")
    print(f"| evaluations stored for these service cases | {sum(map(len, evaluations.values()))} |")
    print(f"| bad reviews answered 201 | {len(bad)} |")
    for label, items in findings.items():
        print(f"| {label} | {len(items)} |")
    problems = [f"{len(items)} {label}" for label, items in findings.items() if items]
    if failed:
        problems.append(f"first failure: {failed[0].status} {failed[0].error}")
    return problems


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used so far (Linux /proc; 0 elsewhere or when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _server_pids(arbiter: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == arbiter:
                children.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return [arbiter, *children]


class DatabaseWatch(threading.Thread):
    """Samples this database's sessions every 0.1 s: what the busy ones wait for, and their process ids."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.engine = create_engine(url)
        self.stop = threading.Event()
        self.waits: dict[str, int] = {}
        self.samples = 0
        self.pids: set[int] = set()

    def run(self) -> None:
        with self.engine.connect() as conn:
            while not self.stop.wait(0.1):
                rows = conn.execute(text(
                    "SELECT pid, state, coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()")).all()
                conn.rollback()
                self.samples += 1
                for pid, state, wait in rows:
                    self.pids.add(pid)
                    if state != "idle":
                        self.waits[wait] = self.waits.get(wait, 0) + 1
        self.engine.dispose()

    def busy_sessions(self) -> str:
        """Average sessions per state over the samples, the most frequent first."""
        ranked = sorted(self.waits.items(), key=lambda item: -item[1])[:3]
        return ", ".join(f"{wait} {count / max(1, self.samples):.1f}" for wait, count in ranked) or "-"


def run_round(url: str, workers: int, token: str, warm: list[str], timed: list[str], clients: int,
              workdir: Path) -> tuple[list[Answer], float, dict[str, float], DatabaseWatch]:
    """The timed answers, the seconds they took, the CPU seconds each side spent meanwhile, and the database watch."""
    with ProductionServer(url, workers=workers, workdir=workdir, scheduler=False) as server:
        post_all(server.port, token, warm, clients)  # every worker loads the model and fills its pool
        watch = DatabaseWatch(url)
        watch.start()
        time.sleep(0.3)
        server_pids = _server_pids(server.process.pid)
        before = {pid: _cpu_seconds(pid) for pid in [*server_pids, *watch.pids, os.getpid()]}
        answers, seconds = post_all(server.port, token, timed, clients)
        watch.stop.set()
        watch.join()
        spent = {pid: _cpu_seconds(pid) - before.get(pid, 0.0) for pid in {*before, *watch.pids}}
        cpu = {"server": sum(spent[p] for p in server_pids), "PostgreSQL": sum(spent[p] for p in watch.pids),
               "clients": spent[os.getpid()]}
    return answers, seconds, cpu, watch


def report_round(workers: int, answers: list[Answer], seconds: float, cpu: dict[str, float],
                 watch: DatabaseWatch) -> float:
    latencies = sorted(a.seconds * 1000 for a in answers)
    rate = len(answers) / seconds
    per_request = " / ".join(f"{1000 * cpu[side] / len(answers):.1f}" for side in ("server", "PostgreSQL", "clients"))
    print(f"| {workers} | {len(answers)} | {sum(a.level <= 2 for a in answers)} | {seconds:.1f} | {rate:.1f} | "
          f"{statistics.median(latencies):.0f} / {latencies[int(len(latencies) * 0.95)]:.0f} | {per_request} | "
          f"{sum(cpu.values()) / seconds:.2f} | {watch.busy_sessions()} |", flush=True)
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--requests", type=int, default=1600, help="timed posts per worker count")
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    warm_count = 4 * args.clients
    with database() as url, tempfile.TemporaryDirectory(prefix="hcp-load-") as tmp:
        cli(["db", "upgrade"], {**os.environ, "HCP_DATABASE_URL": url})
        started = time.perf_counter()
        token, case_nos = seed(url, len(args.workers) * (warm_count + args.requests))
        print(f"seeded {len(case_nos):,} service cases in {time.perf_counter() - started:.1f} s; "
              f"{os.cpu_count()} CPU cores on this machine, shared by PostgreSQL, the server and the clients")
        print("\n| workers | timed requests | bad reviews | seconds | evaluations/s | latency p50 / p95 ms "
              "| CPU ms per request: server / PostgreSQL / clients | cores busy | busy database sessions by wait |\n"
              "|---|---|---|---|---|---|---|---|---|")
        rates, answers = {}, []
        for round_no, workers in enumerate(args.workers):
            chunk = case_nos[round_no * (warm_count + args.requests):(round_no + 1) * (warm_count + args.requests)]
            timed, seconds, cpu, watch = run_round(url, workers, token, chunk[:warm_count], chunk[warm_count:],
                                                   args.clients, Path(tmp))
            rates[workers] = report_round(workers, timed, seconds, cpu, watch)
            answers += timed
        if len(rates) > 1:
            low, high = min(rates), max(rates)
            print(f"\n{high} workers / {low} workers: {rates[high] / rates[low]:.2f}× (goal ≥ {GOAL_RATIO}×)")
        timed_numbers = [a.case_no for a in answers]
        problems = check(answers, *stored(url, timed_numbers))
        cli(["audit", "seal"], {**os.environ, "HCP_DATABASE_URL": url})  # what the sealing job does within seconds
        verify = cli(["audit", "verify"], {**os.environ, "HCP_DATABASE_URL": url}, check=False)
        print(f"\naudit verify: {verify.strip()}")
        if "审计链完整" not in verify:
            problems.append("audit verify failed")
    for problem in problems:
        print(f"FAIL: {problem}")
    if not problems:
        print("OK: every accepted evaluation is stored exactly once, nothing unanswered was stored")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
