"""Whose tasks the inbox lists: the caller's lanes, within the units the caller may see (their own unit's
subtree, a supervision office's supervised subtree, narrowed by a token), on the API and the page."""
from __future__ import annotations

from app.db import db
from app.user import service as user_service
from tests.fixtures.lifecycle import local
from tests.web.conftest import sign_in  # noqa: F401 - the fixture


def _inbox(client, world, who: str, query: str = "") -> list[str]:
    body = client.get(f"/api/v1/tasks{query}", headers=world.headers(who)).json
    assert body["meta"]["total"] == len(body["items"])
    return sorted(item["case_no"] for item in body["items"])


def _open_three(open_case):
    at = local(2026, 11, 20, 9, 0)
    return (open_case(at=at).case.case_no, open_case(at=at, org="A-MKT", item="ITEM-MKT-1").case.case_no,
            open_case(at=at, org="B-HR", item="ITEM-BHR-1").case.case_no)


def test_a_department_never_sees_another_departments_tasks(client, world, open_case):
    hr, market, other_county = _open_three(open_case)
    assert _inbox(client, world, "handler_a") == [hr]
    assert _inbox(client, world, "lead_a") == [hr]
    assert _inbox(client, world, "handler_m") == [market]
    assert _inbox(client, world, "handler_b") == [other_county]


def test_a_supervision_office_sees_its_supervised_subtree_in_its_own_lanes_only(client, world, open_case):
    hr, market, _ = _open_three(open_case)
    assert _inbox(client, world, "supervisor_a") == []  # sign-for is the department's lane
    office = user_service.create(username="sup_dual", display_name="双岗", org_unit=world.units["A-SUP"],
                                 roles=["supervisor", "handler"], password=None)
    world.tokens["sup_dual"] = user_service.issue_token(user=office, name="tests").plaintext
    db.session.commit()
    assert _inbox(client, world, "sup_dual") == sorted([hr, market])  # all of 甲县, nothing of 乙县


def test_a_token_narrowed_to_one_unit_lists_that_units_tasks_only(client, world, open_case):
    hr, market, _ = _open_three(open_case)
    county = user_service.create(username="county_lead", display_name="县级负责人", org_unit=world.units["A"],
                                 roles=["dept_lead"], password=None)
    world.tokens["county_lead"] = user_service.issue_token(user=county, name="tests").plaintext
    world.tokens["market_only"] = user_service.issue_token(user=county, name="market only",
                                                           org_units=[world.units["A-MKT"]]).plaintext
    db.session.commit()
    assert _inbox(client, world, "county_lead") == sorted([hr, market])
    assert _inbox(client, world, "market_only") == [market]


def test_an_appeal_reaches_the_office_that_supervises_the_department(client, world, open_case):
    at = local(2026, 11, 20, 9, 0)
    case = open_case(at=at)
    other = open_case(at=at, org="B-HR", item="ITEM-BHR-1")
    for driver, who in ((case, "handler_a"), (other, "handler_b")):
        driver.do("sign_for", {"action": "appeal", "appeal_reason": "误评", "evidence": "录像"}, who=who)
    assert _inbox(client, world, "supervisor_a") == [case.case.case_no]
    assert _inbox(client, world, "sup_lead_a") == [case.case.case_no]
    assert _inbox(client, world, "handler_a") == []
    assert _inbox(client, world, "supervisor_a", "?task=appeal_review&overdue=false") == [case.case.case_no]
    assert _inbox(client, world, "supervisor_a", "?task=sign_for") == []


def test_the_inbox_page_lists_the_same_scope(open_case, sign_in):  # noqa: F811
    hr, market, other_county = _open_three(open_case)
    html = sign_in("handler_m").get("/tasks").get_data(as_text=True)
    assert market in html
    assert hr not in html and other_county not in html


def test_the_count_and_the_pages_cover_every_task_in_scope_once(client, world, open_case):
    at = local(2026, 11, 20, 9, 0)
    opened = sorted(open_case(at=at).case.case_no for _ in range(5))
    open_case(at=at, org="A-MKT", item="ITEM-MKT-1")
    pages = [client.get(f"/api/v1/tasks?per_page=2&page={n}", headers=world.headers("handler_a")).json
             for n in (1, 2, 3, 4)]
    assert [p["meta"]["total"] for p in pages] == [5, 5, 5, 5]
    seen = [item["case_no"] for p in pages for item in p["items"]]
    assert sorted(seen) == opened and len(pages[3]["items"]) == 0
