"""One database under the write-path benchmark: the app, its clock, the accounts, the template cases,
growing to N open cases, and the helpers the rows use (API calls, fresh service cases, raw inserts)."""
from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from app import create_app, migrate
from app.clock import Clock, FrozenClock
from app.db import db, make_engine
from app.evaluation.models import Evaluation
from tests.benchmarks import write_path_data as data
from tests.fixtures.world import PASSWORD

# The happy path of tests/case/test_lifecycle_paths.py: what each step submits.
HAPPY_PATH = (
    ("sign_for", {"action": "accept", "note": "已签收"}),
    ("verify", {"finding": "valid", "contact_method": "phone", "note": "已电话核实"}),
    ("classify", {"category": "general", "nature": "instant", "aspect": "attitude"}),
    ("rectify", {"measures": "加强窗口培训", "result": "已整改", "action": "done"}),
    ("feedback", {"feedback_text": "已向评价人说明整改情况", "feedback_channel": "phone",
                  "report": {"findings": "等候时间过长属实", "measures": "增开窗口", "result": "已完成",
                             "responsible_person": "李科长"}}),
    ("return_visit", {"reached": True, "satisfaction": "satisfied", "note": "评价人表示满意"}),
    ("close_out", {"approved": True, "note": "同意销号"}),
)
WORKER = {"department": "handler_a", "supervision": "supervisor_a"}
CLIENT = "client_c"  # integration client for the whole city
READER = "auditor_c"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class Bench:
    def __init__(self, url: str, options):
        self.url, self.options = url, options
        migrate.upgrade(url)
        self.app = create_app({"ENV": "development", "DATABASE_URL": url, "SCHEDULER_ENABLED": False,
                               "PASSWORD_HASH_PROFILE": "CHEAPEST", "LOGIN_RATE_LIMIT": "1000 per minute"})
        logging.getLogger().setLevel(logging.WARNING)
        logging.getLogger("app.calendar").setLevel(logging.ERROR)  # provisional years are not under test
        self.engine = self.app.extensions["db_engine"]
        self.now = Clock().now().replace(second=0, microsecond=0)  # the server process runs on the wall clock
        self.early = self.now - timedelta(days=30)  # received then: reminder and deadline are due by now
        self.quiet = self.early + timedelta(hours=1)  # no timer of any case is due yet
        self.clock = FrozenClock(self.now)
        self.app.extensions["clock"] = self.clock
        self.client = self.app.test_client()
        self.label = self._label()
        print(f"\n=== {self.label} ===", flush=True)
        started = time.perf_counter()
        self.world = data.build(self.app)
        self.copier = data.CaseCopier(self.engine)  # reflects the schema the migrations made
        self.templates = self._make_templates()
        print(f"accounts, org tree and 4 template cases through the API: {time.perf_counter() - started:.1f} s",
              flush=True)

    def _label(self) -> str:
        with self.engine.connect() as conn:
            if self.engine.dialect.name == "postgresql":
                return "PostgreSQL " + conn.scalar(text("SHOW server_version")).split()[0]
            return "SQLite " + conn.scalar(text("SELECT sqlite_version()"))

    def close(self) -> None:
        self.engine.dispose()

    # -- API ----------------------------------------------------------------------------------------

    def api(self, method: str, path: str, who: str, body=None, expect: int = 200, client=None):
        response = (client or self.client).open(path, method=method, json=body, headers=self.world.headers(who))
        if response.status_code != expect:
            answer = response.get_data(as_text=True)[:800]
            raise RuntimeError(f"{method} {path} as {who}: {response.status_code} {answer}")
        return response.get_json()

    def new_service_case(self, case_no: str, org: str = data.TEMPLATE_ORG) -> str:
        at = self.clock.now()
        self.api("POST", "/api/v1/service-cases", CLIENT, expect=201, body={
            "case_no": case_no, "item_code": f"ITEM-{org}", "org_code": org, "channel": "window",
            "applicant_kind": "natural_person", "applicant_name": "王小明", "applicant_phone": "13912345678",
            "applicant_cert_no": "320102199001011234", "accepted_at": _iso(at - timedelta(days=1)),
            "finished_at": _iso(at - timedelta(hours=2))})
        return case_no

    def evaluation_body(self, service_case_no: str, index: int) -> dict:
        """About one in ten is a bad review (level 1 or 2), which opens a case."""
        level = (1, 4, 5, 4, 5, 4, 5, 4, 5, 4, 2, 5, 4, 5, 4, 5, 4, 5, 4, 5)[index % 20]
        return {"service_case_no": service_case_no, "level": level, "channel": "window_device",
                "real_name": index % 3 != 0, "comment": "办事等待时间太长" if level <= 2 else None,
                "reasons": ["efficiency"] if level <= 2 else [],
                "evaluated_at": _iso(self.clock.now() - timedelta(minutes=30))}

    def new_bad_review(self, service_case_no: str) -> int:
        answer = self.api("POST", "/api/v1/evaluations", CLIENT, expect=201,
                          body={**self.evaluation_body(service_case_no, 0), "level": 1})
        return answer["bad_review_case_id"]

    def complete(self, case_id: int, bpmn_id: str, submitted: dict) -> None:
        """Completes the case's open task ``bpmn_id`` as the lane's worker (the lookup is a separate call)."""
        task = self.open_task(case_id, bpmn_id)
        self.api("POST", f"/api/v1/tasks/{task['id']}/complete", WORKER[task["lane"]], body={"data": submitted})

    def open_task(self, case_id: int, bpmn_id: str) -> dict:
        detail = self.api("GET", f"/api/v1/cases/{case_id}", READER)
        tasks = [t for t in detail["current_tasks"] if t["task"] == bpmn_id]
        if not tasks:
            raise RuntimeError(f"case {case_id}: {bpmn_id} is not open ({detail['stage']})")
        return tasks[0]

    def signed_in(self, username: str):
        client = self.app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
        response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        if response.status_code != 302:
            raise RuntimeError(f"sign-in failed for {username}: {response.status_code}")
        return client

    def count(self, path: str, who: str) -> int:
        return self.api("GET", f"{path}{'&' if '?' in path else '?'}per_page=1", who)["meta"]["total"]

    # -- data ---------------------------------------------------------------------------------------

    def _make_templates(self) -> dict[str, data.Template]:
        """Four cases through the API: a fresh service case, a case at sign_for, one at rectify, and one at
        rectify received 30 days ago."""
        self.new_service_case("TPL-FRESH")
        self.new_bad_review(self.new_service_case("TPL-SIGN"))
        for service_case_no, at in (("TPL-RECT", self.now), ("TPL-EARLY", self.early)):
            self.clock.set(at)
            case_id = self.new_bad_review(self.new_service_case(service_case_no))
            for bpmn_id, submitted in HAPPY_PATH[:3]:
                self.complete(case_id, bpmn_id, submitted)
        self.clock.set(self.now)
        return {name: self.copier.template(f"TPL-{name.upper()}") for name in ("fresh", "sign", "rect", "early")}

    def _copy(self, name: str, count: int, org_code: str) -> list[int]:
        template_org = (*self.world.orgs[data.TEMPLATE_ORG], data.TEMPLATE_ORG)
        return self.copier.copy(self.templates[name], count, org=(*self.world.orgs[org_code], org_code),
                                template_org=template_org)

    def grow_to(self, size: int) -> None:
        """Copies open cases until ``size`` are open: half at sign_for, half at rectify, plus the cases whose
        timers are due for row 6 (``options.timers``, received 30 days ago)."""
        started = time.perf_counter()
        due = self.options.timers
        add = max(0, size - self.count("/api/v1/cases?status=open", READER) - due)
        for org_code, count in data.spread(add).items():
            self._copy("sign", count // 2, org_code)
            self._copy("rect", count - count // 2, org_code)
        for org_code, count in data.spread(due).items():
            self._copy("early", count, org_code)
        self.copier.fix_sequences()
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))  # what autovacuum does after a bulk load
        open_cases = self.count("/api/v1/cases?status=open", READER)
        shares = {who: self.count("/api/v1/tasks", who) for who in ("handler_a", "handler_b")}
        print(f"\n{add + due:,} cases copied in {time.perf_counter() - started:.1f} s: {open_cases:,} open cases; "
              + ", ".join(f"{who} sees {n:,} open tasks ({100 * n / open_cases:.1f} %)" for who, n in shares.items()),
              flush=True)

    def fresh_service_cases(self, count: int) -> list[tuple[int, str]]:
        """``count`` finished service cases without an evaluation: (id, case number)."""
        ids = self._copy("fresh", count, data.TEMPLATE_ORG)
        table = self.copier.meta.tables["service_case"]
        with self.engine.connect() as conn:
            found = dict(conn.execute(select(table.c.id, table.c.case_no).where(table.c.id.in_(ids))).all())
        return [(i, found[i]) for i in ids]

    def evaluation_rows(self, count: int) -> list[dict]:
        """Evaluation rows as the intake writes them (for the floors), for fresh service cases."""
        org_id, org_path = self.world.orgs[data.TEMPLATE_ORG]
        client_id = self._user_id(CLIENT)
        rows = []
        for index, (service_case_id, case_no) in enumerate(self.fresh_service_cases(count)):
            body = self.evaluation_body(case_no, index)
            rows.append({"service_case_id": service_case_id, "org_unit_id": org_id, "org_path": org_path,
                         "level": body["level"], "channel": body["channel"], "real_name": body["real_name"],
                         "comment": body["comment"], "reasons": body["reasons"],
                         "evaluated_at": self.now - timedelta(minutes=30), "received_at": self.now,
                         "source": "active", "adopted": True, "submitted_by_id": client_id})
        return rows

    def _user_id(self, username: str) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(text("SELECT id FROM user_account WHERE username = :u"), {"u": username})

    def floor_engine(self, pool_size: int):
        return make_engine(self.url, pool_size=pool_size, max_overflow=0)

    def delete_evaluations(self, service_case_ids: list[int]) -> None:
        """Floor rows go again, so no bad review stays without its case."""
        with self.engine.begin() as conn:
            conn.execute(Evaluation.__table__.delete().where(
                Evaluation.__table__.c.service_case_id.in_(service_case_ids)))

    def run_timer_job(self) -> None:
        """The scheduler's timer job, as `haochaping serve` runs it, failures raised rather than logged."""
        from app.jobs import JOBS

        job = next(j for j in JOBS if j.id == "case_timers")
        with self.app.app_context():
            try:
                job.func()
                db.session.commit()
            finally:
                db.session.remove()
