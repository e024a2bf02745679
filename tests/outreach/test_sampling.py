"""The monthly return-visit sample: ≥ 20 % of the bad reviews, ≥ 50 evaluations stratified by level plus random,
reproducible from its stored seed, audited, and worked by the supervision office."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.db import db
from app.outreach import jobs as outreach_jobs
from app.outreach import sampling
from app.outreach.models import ReturnVisitSample
from app.user.principal import Principal
from app.user.service import get_by_username
from tests.stats.conftest import Scenario, local


@pytest.fixture
def october(world) -> Scenario:
    """County A in October: 10 bad reviews with cases, 30 × 5, 20 × 4, 5 × 3, 5 defaults, 2 not adopted;
    and 10 evaluations in county B that A's office must never draw."""
    s = Scenario(world)
    no = 0

    def add(level, *, org="A-HR", item="ITEM-HR-1", staff="handler_a", **kwargs):
        nonlocal no
        no += 1
        s.service_case(no, org, item, staff, local(2026, 10, 1 + no % 28, 10, 0))
        s.evaluate(no, level, "window_device", **kwargs)
        return no

    for level in (2, 1) * 5:
        s.bad_case(add(level), received=local(2026, 10, 2, 10, 0))
    for level, times in ((5, 30), (4, 20), (3, 5)):
        for _ in range(times):
            add(level)
    for _ in range(5):
        add(4, source="default")
    for _ in range(2):
        add(1, adopted=False)
    for _ in range(10):
        add(5, org="B-HR", item="ITEM-BHR-1", staff="handler_b")
    db.session.commit()
    return s


def _draw(world, seed=1234):
    record = sampling.draw(world.units["A-SUP"], "2026-10", actor="user:sup_lead_a", seed=seed)
    db.session.commit()
    return record


def test_the_sample_covers_a_fifth_of_the_bad_reviews_and_fifty_evaluations_by_level(world, october):
    record = _draw(world)
    rows = sampling.samples(record)
    counts = Counter(r.stratum for r in rows)
    assert counts["rectification"] == 2  # ceil(20 % of 10)
    assert (counts["level_5"], counts["level_4"], counts["level_3"]) == (8, 8, 5)  # only five level-3 exist
    assert counts["level_2"] + counts["level_1"] == 8  # the bad reviews not drawn for rectification
    assert counts["random"] == 50 - 29
    assert len(rows) == 52 == len({r.evaluation_id for r in rows})
    assert record.counts == dict(counts)
    assert all(r.case_id is not None for r in rows if r.stratum == "rectification")
    sampled = {october.evaluations[n].id: n for n in october.evaluations}
    drawn = [october.evaluations[sampled[r.evaluation_id]] for r in rows]
    assert all(e.adopted and str(e.source) == "active" and e.org_path.startswith(world.units["A"].path)
               for e in drawn)


def test_the_draw_is_reproducible_from_its_stored_seed(world, october):
    record = _draw(world)
    assert sampling.verify(record)
    first = [(r.evaluation_id, r.stratum) for r in sampling.samples(record)]
    again = sampling.plan(world.units["A"], "2026-10", record.seed, record.params)
    assert [(e, s) for e, s, _ in again] == first
    other = sampling.plan(world.units["A"], "2026-10", record.seed + 1, record.params)
    assert [(e, s) for e, s, _ in other] != first


def test_a_month_is_drawn_once_and_the_draw_is_audited(world, october):
    record = _draw(world)
    from app.errors import ConflictError

    with pytest.raises(ConflictError):
        _draw(world)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "return_visit.sample_drawn"))
    assert (event.payload["seed"], len(event.payload["evaluation_ids"])) == (1234, 52)
    assert event.subject_id == str(record.id)


def test_the_job_draws_last_month_for_every_supervision_office(world, october, clock):
    clock.set(local(2026, 11, 4, 9, 0))
    assert outreach_jobs.draw_return_visit_samples() == 0  # before the 5th
    clock.set(local(2026, 11, 5, 9, 0))
    assert outreach_jobs.draw_return_visit_samples() == 1
    assert outreach_jobs.draw_return_visit_samples() == 0


def test_the_supervision_office_works_its_visits(client, world, october):
    record = _draw(world)
    office = Principal.for_user(get_by_username("supervisor_a"))
    visits = sampling.open_visits(office)
    assert len(visits) == 52
    assert sampling.open_visits(Principal.for_user(get_by_username("handler_b"))) == []
    visit = visits[0]
    response = client.post(f"/api/v1/outreach/return-visits/{visit.id}/complete",
                           json={"reached": True, "satisfaction": "satisfied", "note": "满意"},
                           headers=world.headers("supervisor_a"))
    assert response.status_code == 200, response.json
    again = client.post(f"/api/v1/outreach/return-visits/{visit.id}/complete", json={"reached": False},
                        headers=world.headers("supervisor_a"))
    assert again.status_code == 409
    assert db.session.get(ReturnVisitSample, visit.id, populate_existing=True).result["satisfaction"] == "satisfied"
    listed = client.get(f"/api/v1/outreach/return-visit-draws/{record.id}", headers=world.headers("supervisor_a"))
    assert listed.json["verified"] is True and len(listed.json["samples"]) == 52
    outsider = client.get(f"/api/v1/outreach/return-visit-draws/{record.id}", headers=world.headers("handler_b"))
    assert outsider.status_code == 403
