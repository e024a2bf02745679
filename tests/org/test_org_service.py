"""Org units: creating and renaming them (validated and audited), and the scope they give a query: a unit's
subtree, one unit named inside the caller's scope, and the supervision office's view of what it supervises."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.db import db
from app.errors import PermissionDeniedError, ValidationError
from app.org import service as org_service
from app.org.models import OrgUnit
from app.user.principal import Principal
from app.user.service import get_by_username

ADMIN = "user:admin_c"


def _last(action: str) -> AuditEvent | None:
    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc()))


def _count(action: str) -> int:
    return len(db.session.scalars(select(AuditEvent.id).where(AuditEvent.action == action)).all())


def _codes(ids: list[int]) -> set[str]:
    return set(db.session.scalars(select(OrgUnit.code).where(OrgUnit.id.in_(ids))))


def test_creating_a_unit_records_it(world):
    unit = org_service.create(code="A-EDU", name="甲县教育局", level="department", parent=world.units["A"],
                              actor=ADMIN)
    assert unit.path == f"{world.units['A'].path}{unit.id}/"
    event = _last("org_unit.created")
    assert event.actor == ADMIN and event.subject_type == "org_unit" and event.subject_id == str(unit.id)
    assert event.payload == {"code": "A-EDU", "name": "甲县教育局", "level": "department", "parent": "A",
                             "supervises": None}


def test_a_taken_unit_code_is_a_409_on_the_code_field(world):
    with pytest.raises(ValidationError) as err:
        org_service.create(code="A-HR", name="又一个", level="department", parent=world.units["A"])
    assert err.value.status == 409 and err.value.fields == {"code": ["机构编码已存在"]}


def test_a_unit_needs_a_valid_code_name_and_level(world):
    count = _count("org_unit.created")
    with pytest.raises(ValidationError) as err:
        org_service.create(code="a b", name="", level="planet", parent=world.units["A"])
    assert set(err.value.fields) == {"code", "name", "level"}
    assert _count("org_unit.created") == count


def test_renaming_a_unit_records_the_old_and_new_names(world):
    unit = world.units["A-MKT"]
    org_service.rename(unit, name="甲县市场监督管理局", actor=ADMIN)
    assert unit.name == "甲县市场监督管理局" and unit.code == "A-MKT"
    assert _last("org_unit.renamed").payload == {"code": "A-MKT", "from": "甲县市场监管局", "to": "甲县市场监督管理局"}
    with pytest.raises(ValidationError) as err:
        org_service.rename(unit, name="   ", actor=ADMIN)
    assert "name" in err.value.fields


def test_a_subtree_holds_the_unit_and_everything_below_it(world):
    assert _codes(org_service.subtree_ids([world.units["A"]])) == {"A", "A-HR", "A-MKT", "A-HALL", "A-W1", "A-SUP"}
    assert _codes(org_service.subtree_ids([world.units["A-HALL"], world.units["B"]])) == {"A-HALL", "A-W1", "B",
                                                                                            "B-HR"}
    assert org_service.subtree_ids([]) == []
    query = select(OrgUnit.code).where(org_service.subtree_filter(OrgUnit.path, [world.units["B"]]))
    assert set(db.session.scalars(query)) == {"B", "B-HR"}


def test_a_query_narrows_to_a_unit_inside_the_callers_scope_and_no_further(world):
    handler = Principal.for_user(get_by_username("handler_a"))
    assert [u.code for u in org_service.narrowed_roots(None, handler)] == ["A-HR"]
    with pytest.raises(PermissionDeniedError):
        org_service.narrowed_roots("B-HR", handler)
    with pytest.raises(ValidationError) as err:
        org_service.narrowed_roots("NOPE", handler)
    assert err.value.fields == {"org_code": ["机构编码不存在"]}


def test_the_supervision_office_sees_the_subtree_it_supervises(world):
    supervisor = Principal.for_user(get_by_username("supervisor_a"))
    assert {u.code for u in org_service.narrowed_roots(None, supervisor)} >= {"A"}
    assert [u.code for u in org_service.narrowed_roots("A-MKT", supervisor)] == ["A-MKT"]
    with pytest.raises(PermissionDeniedError):
        org_service.narrowed_roots("B", supervisor)
