"""The rows of the write-path benchmark: each measures a figure and its floor on one Bench, and the tables."""
from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import event, func, select

from tests.benchmarks import write_path_server as server
from tests.benchmarks.write_path_bench import CLIENT, HAPPY_PATH, Bench

SHARES = (("handler_a", "30 %"), ("handler_b", "1 %"))
HEADER = ("figure", "today", "floor, same run", "ratio", "goal", "met?")


@dataclass(frozen=True)
class Row:
    database: str
    size: int
    label: str
    figure: float  # the number the row is about (a rate or milliseconds)
    shown: str
    floor: str
    ratio: float | None  # how many times the floor: figure time / floor time
    goal: str
    met: bool | None


def _ms(seconds: float) -> float:
    return seconds * 1000


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18] if len(samples) > 1 else samples[0]


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


# -- 1. batch intake --------------------------------------------------------------------------------

def batch_intake(bench: Bench, size: int) -> Row:
    count = bench.options.batch
    items = [bench.evaluation_body(no, i) for i, (_id, no) in enumerate(bench.fresh_service_cases(count))]
    answers = []
    seconds = _timed(lambda: answers.append(bench.api("POST", "/api/v1/evaluations/batch", CLIENT,
                                                      body={"items": items})))
    if answers[0]["accepted"] != count:
        raise RuntimeError(f"batch accepted {answers[0]['accepted']} of {count}")
    floor_rows = bench.evaluation_rows(count)
    table = _evaluation_table()
    with bench.engine.connect() as conn:
        floor_seconds = _timed(lambda: (conn.execute(table.insert(), floor_rows), conn.commit()))
    bench.delete_evaluations([r["service_case_id"] for r in floor_rows])
    rate, floor_rate = count / seconds, count / floor_seconds
    minimum = 2000 if bench.engine.dialect.name == "postgresql" else 3000
    ratio = floor_rate / rate
    return Row(bench.label, size, f"POST /api/v1/evaluations/batch, {count:,} items", rate, f"{rate:,.1f}/s",
               f"{floor_rate:,.0f}/s Core executemany", ratio, f">= {minimum:,}/s, <= 5x floor",
               rate >= minimum and ratio <= 5)


def _evaluation_table():
    from app.evaluation.models import Evaluation

    return Evaluation.__table__


# -- 2. single posts against the server -------------------------------------------------------------

def single_posts(bench: Bench, size: int) -> Row:
    options = bench.options
    token = bench.world.tokens[CLIENT]
    warm_up = [bench.evaluation_body(no, i) for i, (_id, no) in enumerate(bench.fresh_service_cases(options.clients))]
    bodies = [bench.evaluation_body(no, i) for i, (_id, no) in enumerate(bench.fresh_service_cases(options.requests))]
    with server.running_server(bench.url, options.workers) as (port, description):
        server.post_concurrently(port, token, warm_up, options.clients)  # every worker loads its model once
        seconds = server.post_concurrently(port, token, bodies, options.clients)
    floor_seconds = _one_row_per_transaction(bench, options.requests, options.clients)
    rate, floor_rate = options.requests / seconds, options.requests / floor_seconds
    label = f"POST /api/v1/evaluations, {options.clients} HTTP clients, serve {description}"
    return Row(bench.label, size, label, rate, f"{rate:,.1f}/s", f"{floor_rate:,.0f}/s one row per transaction",
               floor_rate / rate, ">= 200/s", rate >= 200)


def _one_row_per_transaction(bench: Bench, count: int, clients: int) -> float:
    rows = bench.evaluation_rows(count)
    table = _evaluation_table()
    engine = bench.floor_engine(clients)

    def insert(share) -> None:
        for row in share:
            with engine.begin() as conn:
                conn.execute(table.insert(), row)

    try:
        return server.run_threads(insert, [rows[i::clients] for i in range(clients)])
    finally:
        engine.dispose()
        bench.delete_evaluations([r["service_case_id"] for r in rows])


# -- 3. one case's happy path -----------------------------------------------------------------------

def happy_path(bench: Bench, size: int) -> Row:
    cases = bench.options.happy_cases
    samples = [_one_happy_path(bench, no) for _id, no in bench.fresh_service_cases(cases + 1)][1:]
    from tests.benchmarks.write_path_engine import raw_happy_path

    with bench.app.app_context():
        floors = [raw_happy_path(HAPPY_PATH) for _ in range(cases + 1)][1:]
    figure, floor = _ms(statistics.median(samples)), _ms(statistics.median(floors))
    return Row(bench.label, size, f"one case's happy path (create + 7 tasks), median of {cases}", figure,
               f"{figure:,.0f} ms", f"{floor:,.0f} ms raw SpiffWorkflow", figure / floor, "<= 3x the raw engine",
               figure / floor <= 3)


def _one_happy_path(bench: Bench, service_case_no: str) -> float:
    """Seconds spent in the 8 writing requests; finding each task's id is not counted."""
    body = {**bench.evaluation_body(service_case_no, 0), "level": 1}
    answers = []
    seconds = _timed(lambda: answers.append(bench.api("POST", "/api/v1/evaluations", CLIENT, body=body,
                                                      expect=201)))
    case_id = answers[0]["bad_review_case_id"]
    for bpmn_id, submitted in HAPPY_PATH:
        task = bench.open_task(case_id, bpmn_id)
        who = "handler_a" if task["lane"] == "department" else "supervisor_a"
        seconds += _timed(lambda t=task, w=who, s=submitted: bench.api(
            "POST", f"/api/v1/tasks/{t['id']}/complete", w, body={"data": s}))
    return seconds


# -- 4. the inbox -----------------------------------------------------------------------------------

@contextmanager
def captured_sql(engine):
    statements: list[tuple[str, object, bool]] = []

    def remember(_conn, _cursor, statement, parameters, _context, executemany):
        statements.append((statement, parameters, executemany))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", remember)


def replay(engine, statements) -> float:
    """Seconds to run the captured statements on a raw DBAPI cursor (rolled back afterwards)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        for statement, parameters, many in statements:
            if many:
                cursor.executemany(statement, parameters)
            elif parameters:
                cursor.execute(statement, parameters)
            else:
                cursor.execute(statement)
            if cursor.description:
                cursor.fetchall()
        return time.perf_counter() - started
    finally:
        raw.rollback()
        raw.close()


def _percentiles(request: Callable[[], object], engine, samples: int) -> tuple[list[float], list[float]]:
    request()  # warm caches (model bundle, calendar, statement cache)
    with captured_sql(engine) as statements:
        request()
    figures = [_ms(_timed(request)) for _ in range(samples)]
    floors = [_ms(replay(engine, statements)) for _ in range(samples)]
    return figures, floors


def inbox_rows(bench: Bench, size: int) -> list[Row]:
    rows = []
    for kind in ("api", "page"):
        for who, share in SHARES:
            if kind == "api":
                label = f"GET /api/v1/tasks page of 50, {share} share ({who})"
                request = _api_request(bench, who)
            else:
                label = f"/tasks page, {share} share ({who})"
                request = _page_request(bench, who)
            figures, floors = _percentiles(request, bench.engine, bench.options.samples)
            p50, p95, f50, f95 = (statistics.median(figures), _p95(figures), statistics.median(floors),
                                  _p95(floors))
            rows.append(Row(bench.label, size, label, p95, f"p50/p95 {p50:,.0f}/{p95:,.0f} ms",
                            f"{f50:,.1f}/{f95:,.1f} ms same SQL raw", p95 / f95, "p95 < 50 ms", p95 < 50))
    return rows


def _api_request(bench: Bench, who: str) -> Callable[[], object]:
    return lambda: bench.api("GET", "/api/v1/tasks?per_page=50", who)


def _page_request(bench: Bench, who: str) -> Callable[[], object]:
    client = bench.signed_in(who)

    def request():
        response = client.get("/tasks")
        if response.status_code != 200:
            raise RuntimeError(f"/tasks as {who}: {response.status_code}")

    return request


# -- 5. and 6. timers -------------------------------------------------------------------------------

def quiet_tick(bench: Bench, size: int) -> Row:
    bench.clock.set(bench.quiet)
    try:
        if _due_timers(bench):
            raise RuntimeError("timers are due at the quiet moment")
        bench.run_timer_job()  # warm
        samples = [_ms(_timed(bench.run_timer_job)) for _ in range(3 if bench.options.smoke else 7)]
    finally:
        bench.clock.set(bench.now)
    figure = statistics.median(samples)
    return Row(bench.label, size, f"timer tick with nothing due, {size:,} open cases", figure, f"{figure:,.1f} ms",
               "-", None, "grows with due timers only (see trend)", None)


def due_timers(bench: Bench, size: int) -> Row:
    bench.clock.set(bench.now)
    before = _due_timers(bench)
    seconds = _timed(bench.run_timer_job)
    fired = before - _due_timers(bench)
    if fired <= 0:
        raise RuntimeError(f"no timer fired ({before} were due)")
    rate = fired / seconds
    return Row(bench.label, size, f"timers fired by one scheduler ({fired:,} timers due)", rate,
               f"{rate:,.1f}/s ({_ms(seconds) / fired:,.0f} ms each)", "-", None, ">= 100/s", rate >= 100)


def _due_timers(bench: Bench) -> int:
    table = bench.copier.meta.tables["case_timer"]
    with bench.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table).where(table.c.due_at <= bench.clock.now()))


# -- tables -----------------------------------------------------------------------------------------

def measure_all(bench: Bench, size: int) -> list[Row]:
    """Reads first (inbox, quiet tick), then the writes, then the due timers (which change the cases)."""
    inbox = inbox_rows(bench, size)
    tick = quiet_tick(bench, size)
    writes = []
    for measure in (batch_intake, single_posts, happy_path):
        writes.append(measure(bench, size))
        print(f"  {writes[-1].label}: {writes[-1].shown}", flush=True)
    return [*writes, *inbox, tick, due_timers(bench, size)]


def print_table(database: str, size: int, rows: list[Row]) -> None:
    cells = [HEADER] + [(r.label, r.shown, r.floor, f"{r.ratio:,.1f}x" if r.ratio is not None else "-", r.goal,
                         {True: "yes", False: "no", None: "-"}[r.met]) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADER))]
    load = os.getloadavg()[0]
    print(f"\n{database}, N = {size:,} open cases (load average {load:.1f} on {os.cpu_count()} cores: "
          "figure and floor share whatever else runs)")
    for index, row in enumerate(cells):
        print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            print("-+-".join("-" * width for width in widths))
    print("statistics over 10 million evaluations: see tests/benchmarks/bench_stats.py", flush=True)


def print_tick_trend(database: str, rows: list[Row]) -> None:
    ticks = [(r.size, r.figure) for r in rows if r.label.startswith("timer tick")]
    print(f"\n{database}: timer tick with nothing due by open cases: "
          + " · ".join(f"{size:,}: {ms:,.1f} ms" for size, ms in ticks))
    if len(ticks) > 1:
        (small, first), (large, last) = ticks[0], ticks[-1]
        verdict = "no" if last > 2 * first else "yes"
        print(f"  {large / small:,.0f}x the open cases, {last / first:,.1f}x the time: "
              f"grows with due timers only? {verdict}")
