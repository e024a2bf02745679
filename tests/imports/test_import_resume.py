"""Loading a file twice adds nothing; a load interrupted by Ctrl-C or kill continues where its last committed
chunk ended and ends in the same state as a load that was never interrupted."""
from __future__ import annotations

import dataclasses
import os
import signal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.case.models import BadReviewCase
from app.db import db
from app.evaluation.models import Evaluation
from app.imports.kinds import KINDS
from app.imports.models import ImportKind, ImportRun, ImportStatus
from app.service_case.models import ServiceCase
from tests.imports.conftest import (
    EVALUATION_HEADER_ZH,
    SERVICE_CASE_HEADER_ZH,
    evaluation_cells,
    service_case_cells,
    write_csv,
)

BAD = {4, 17}  # data rows (1-based) that carry an unknown org unit


def _file(tmp_path, clock, prefix: str):
    rows = [service_case_cells(clock, f"{prefix}-{i:02d}", org_code="NOPE" if i in BAD else "A-HR")
            for i in range(1, 26)]
    return write_csv(tmp_path / f"{prefix}.csv", SERVICE_CASE_HEADER_ZH, rows)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _created(prefix: str) -> list[str]:
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "service_case.created")).all()
    return sorted(e.payload["case_no"][2:] for e in events if e.payload["case_no"].startswith(prefix))


def test_loading_the_same_file_twice_adds_nothing(world, clock, tmp_path, run_import):
    path = _file(tmp_path, clock, "N")
    first = run_import("service-cases", path)
    events = _count(AuditEvent)
    again = run_import("service-cases", path)
    assert "读取 25 行，新增 23 行，已存在 0 行，有误 2 行" in first.output
    assert "读取 25 行，新增 0 行，已存在 23 行，有误 2 行" in again.output
    assert first.exit_code == again.exit_code == 1
    assert again.report == first.report
    assert _count(ServiceCase) == 23
    new_actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id).offset(events)).all()
    assert new_actions == ["import.started", "import.finished"]


def test_loading_the_same_evaluations_twice_opens_no_second_case(world, clock, tmp_path, run_import,
                                                                 make_service_case):
    cases = [make_service_case() for _ in range(4)]
    path = write_csv(tmp_path / "评价.csv", EVALUATION_HEADER_ZH,
                     [evaluation_cells(clock, c.case_no, level=1 if i == 0 else 5) for i, c in enumerate(cases)])
    assert run_import("evaluations", path).exit_code == 0
    again = run_import("evaluations", path)
    assert again.exit_code == 0
    assert "新增 0 行，已存在 4 行，有误 0 行" in again.output
    assert (_count(Evaluation), _count(BadReviewCase)) == (4, 1)


def _interrupt_on_second_chunk(monkeypatch, interrupt):
    kind = KINDS[ImportKind.service_cases]
    calls = []

    def load(rows, principal):
        calls.append(len(rows))
        if len(calls) == 2:
            interrupt()
        return kind.load(rows, principal)

    monkeypatch.setitem(KINDS, ImportKind.service_cases, dataclasses.replace(kind, load=load))


def _ctrl_c():
    raise KeyboardInterrupt


def _kill():
    os.kill(os.getpid(), signal.SIGTERM)


@pytest.mark.parametrize("interrupt", [_ctrl_c, _kill], ids=["ctrl-c", "kill"])
def test_an_interrupted_load_resumes_and_ends_like_an_uninterrupted_one(world, clock, tmp_path, run_import,
                                                                        monkeypatch, interrupt):
    straight = run_import("service-cases", _file(tmp_path, clock, "U"), "--chunk-rows", "10")
    path = _file(tmp_path, clock, "I")
    with monkeypatch.context() as patch:
        _interrupt_on_second_chunk(patch, interrupt)
        stopped = run_import("service-cases", path, "--chunk-rows", "10")
    assert stopped.exit_code == 130
    assert "已提交至第 11 行；再次运行同一命令将从第 12 行继续" in stopped.stderr
    assert _created("I-") == [f"{i:02d}" for i in range(1, 11) if i not in BAD]
    run = db.session.scalars(select(ImportRun).where(ImportRun.file_name == "I.csv")).one()
    assert (run.status, run.last_row, run.rows_read) == (ImportStatus.running, 11, 10)

    resumed = run_import("service-cases", path, "--chunk-rows", "10")
    assert "从第 12 行继续" in resumed.stderr
    assert resumed.exit_code == straight.exit_code == 1
    assert resumed.output.replace("I.csv", "U.csv") == straight.output
    assert resumed.report == straight.report
    assert [row for row, _, _ in resumed.report] == [i + 1 for i in sorted(BAD)]
    assert _created("I-") == _created("U-")
    db.session.refresh(run)
    assert (run.status, run.rows_added, run.rows_rejected) == (ImportStatus.finished, 23, 2)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "import_run")
                                 .where(AuditEvent.subject_id == str(run.id)).order_by(AuditEvent.id)).all()
    assert actions == ["import.started", "import.resumed", "import.finished"]
