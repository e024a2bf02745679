"""service_case.service.create_many: set-wise registration under the same rules as the API."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.db import db
from app.service_case import service
from app.service_case.models import ServiceCase
from app.service_case.schemas import ServiceCaseCreateSchema
from app.user import service as user_service
from app.user.principal import Principal
from tests.fixtures.audit import sealed_chain


def _row(clock, case_no, **overrides):
    raw = {"case_no": case_no, "item_code": "ITEM-HR-1", "org_code": "A-HR", "window_code": "A-W1",
           "channel": "window", "applicant_kind": "natural_person", "applicant_name": "李四",
           "applicant_phone": "13800001111", "accepted_at": (clock.now() - timedelta(days=2)).isoformat(),
           "finished_at": (clock.now() - timedelta(hours=3)).isoformat()}
    raw.update(overrides)
    return ServiceCaseCreateSchema().load(raw)


def _principal(username, *, only=None):
    principal = Principal.for_user(user_service.get_by_username(username))
    return Principal(principal.user, principal.roles, (only,)) if only is not None else principal


def test_valid_rows_are_registered_with_one_audit_event_each(world, clock):
    results = service.create_many([_row(clock, "N-1"), _row(clock, "N-2", window_code=None)],
                                  principal=_principal("client_a"))
    assert [r.status for r in results] == ["created", "created"]
    case = db.session.get(ServiceCase, results[0].id)
    assert (case.case_no, case.org_unit.code, case.window.code, case.applicant_phone) == \
        ("N-1", "A-HR", "A-W1", "13800001111")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "service_case.created")
                                .order_by(AuditEvent.id)).all()
    assert [(e.actor, e.subject_id, e.payload["case_no"]) for e in events] == \
        [("user:client_a", str(results[0].id), "N-1"), ("user:client_a", str(results[1].id), "N-2")]
    assert sealed_chain().ok


def test_bad_rows_are_rejected_with_the_fields_the_api_names(world, clock):
    principal = _principal("client_a", only=world.units["A"])
    rows = [_row(clock, "N-1", item_code="NOPE", window_code="A-HR", staff_username="ghost"),
            _row(clock, "N-2", org_code="NOPE"),
            _row(clock, "N-3", finished_at=(clock.now() - timedelta(days=3)).isoformat()),
            _row(clock, "N-4", org_code="B-HR", window_code=None),  # outside the principal's scope
            _row(clock, "N-5")]
    results = service.create_many(rows, principal=principal)
    assert [r.status for r in results] == ["rejected"] * 4 + ["created"]
    assert set(results[0].errors) == {"item_code", "window_code", "staff_username"}
    assert results[1].errors == {"org_code": ["机构编码不存在"]}
    assert results[2].errors == {"finished_at": ["办结时间早于受理时间"]}
    assert "接入范围" in results[3].errors["org_code"][0]
    assert db.session.scalar(select(func.count()).select_from(ServiceCase)) == 1


def test_registered_and_repeated_case_numbers_are_present_not_added_again(world, clock):
    principal = _principal("client_c")
    service.create_many([_row(clock, "N-1")], principal=principal)
    results = service.create_many([_row(clock, "N-1"), _row(clock, "N-2"), _row(clock, "N-2")], principal=principal)
    assert [r.status for r in results] == ["present", "created", "present"]
    assert db.session.scalar(select(func.count()).select_from(ServiceCase)) == 2


def test_nothing_to_register_writes_nothing(world):
    assert service.create_many([], principal=_principal("client_c")) == []
