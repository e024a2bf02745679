"""机构管理: the org tree within the administrator's scope, adding child units and renaming them."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.db import db
from app.org import service as org_service
from tests.web.conftest import field_help, post_form


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_the_org_tree_shows_levels_and_who_supervises_whom(world, admin):
    html = admin.get("/admin/units").get_data(as_text=True)
    assert "<h1>机构管理</h1>" in html
    assert html.index("某市") < html.index("甲县") < html.index("甲县人社局") < html.index("乙县")
    assert "县（区）" in html and "政务服务中心" in html and "窗口" in html
    assert "监督：甲县" in html and "由 甲县行政审批局监督科 监督" in html
    assert "某省" not in html  # above the administrator's unit
    assert re.search(r'href="/admin/accounts\?org_code=A-HR">2 个账号</a>', html)


def test_creating_a_child_unit(world, admin):
    form = {"parent": "A", "code": "A-EDU", "name": "甲县教育局", "level": "department"}
    response = post_form(admin, "/admin/units", form, page="/admin/units")
    assert response.status_code == 302
    unit = org_service.find_by_code("A-EDU")
    assert unit.parent.code == "A" and unit.path.startswith(world.units["A"].path)
    assert response.headers["Location"].endswith(f"/admin/units#unit-{unit.id}")
    assert "已新建机构 甲县教育局（A-EDU），上级：甲县" in admin.get("/admin/units").get_data(as_text=True)
    event = _events("org_unit.created")[-1]
    assert event.actor == "user:admin_c" and event.payload["parent"] == "A"


def test_creating_a_supervision_office_shows_what_it_supervises(world, admin):
    form = {"parent": "B", "code": "B-SUP", "name": "乙县监督科", "level": "department", "supervises": "B"}
    assert post_form(admin, "/admin/units", form, page="/admin/units").status_code == 302
    assert org_service.find_by_code("B-SUP").supervises.code == "B"
    assert "监督：乙县" in admin.get("/admin/units").get_data(as_text=True)


def test_a_duplicate_unit_code_is_a_409_by_its_field_with_the_values_kept(world, admin):
    form = {"parent": "A", "code": "A-HR", "name": "重复的人社局", "level": "department"}
    response = post_form(admin, "/admin/units", form, page="/admin/units")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "机构编码已存在" in field_help(html, "unit-code")
    assert 'value="重复的人社局"' in html and '<option value="department" selected>' in html


def test_a_bad_unit_shows_every_error(world, admin):
    response = post_form(admin, "/admin/units", {"parent": "P", "code": "有 空格", "name": "", "level": "planet"},
                         page="/admin/units")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "该机构不在您的管辖范围内：P" in field_help(html, "unit-parent")
    assert "机构编码为" in field_help(html, "unit-code") and "机构名称必填" in field_help(html, "unit-name")
    assert "请选择机构层级" in field_help(html, "unit-level")


def test_renaming_a_unit(world, admin):
    unit_id = world.units["A-MKT"].id
    page = admin.get(f"/admin/units/{unit_id}").get_data(as_text=True)
    assert "甲县市场监管局" in page and "部门" in page
    response = post_form(admin, f"/admin/units/{unit_id}/name", {"name": "甲县市场监督管理局"}, page="/admin/units")
    assert response.status_code == 302
    assert org_service.find_by_code("A-MKT").name == "甲县市场监督管理局"
    assert _events("org_unit.renamed")[-1].payload == {"code": "A-MKT", "from": "甲县市场监管局",
                                                       "to": "甲县市场监督管理局"}
    empty = post_form(admin, f"/admin/units/{unit_id}/name", {"name": "  "}, page="/admin/units")
    assert empty.status_code == 422 and "机构名称必填" in field_help(empty.get_data(as_text=True), "rename-name")


def test_a_county_administrator_manages_only_the_units_of_their_county(world, county_admin):
    units = county_admin.get("/admin/units").get_data(as_text=True)
    assert "甲县人社局" in units and "乙县" not in units and "某市" not in units
    created = post_form(county_admin, "/admin/units", {"parent": "B", "code": "B-EDU", "name": "乙县教育局",
                                                       "level": "department"}, page="/admin/units")
    assert created.status_code == 422 and org_service.find_by_code("B-EDU") is None
    assert county_admin.get(f"/admin/units/{world.units['B'].id}").status_code == 403
    renamed = post_form(county_admin, f"/admin/units/{world.units['B-HR'].id}/name", {"name": "x"},
                        page="/admin/units")
    assert renamed.status_code == 403 and org_service.find_by_code("B-HR").name == "乙县人社局"
