"""Policy staff load next year's official arrangement: validated, stored with its notice, audited,
provisional deadlines recomputed; from 1 November a banner asks for it while it is missing."""
from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.db import db
from app.errors import ValidationError
from app.policy import calendar_years as uploads
from app.policy.cli import policy_cli
from app.policy.models import CalendarYear
from tests.fixtures.lifecycle import local
from tests.process_model.conftest import csrf_token

YEAR_2027 = """year: 2027
notice:
  title: 国务院办公厅关于2027年部分节假日安排的通知（测试用）
  doc: 国办发明电〔2026〕99号
  issued: 2026-11-10
holidays:
  - {date: 2027-01-01, name: 元旦}
  - {date: 2027-01-04, name: 元旦}
workdays:
  - {date: 2027-01-09, name: 元旦调休}
"""


def test_a_year_is_validated_stored_audited_and_recomputes_provisional_deadlines(private_calendar, open_case):
    case = open_case(at=local(2026, 12, 28, 9, 0))
    case.accept_and_classify("general")
    assert case.task("rectify").due_provisional is True

    result = uploads.load_year(YEAR_2027, source="upload:2027.yaml", actor="user:policy_c")
    db.session.commit()
    assert result["year"] == 2027 and result["reference"] == "国办发明电〔2026〕99号" and result["deadlines_moved"] >= 1
    assert 2027 in private_calendar.loaded_years
    row = db.session.scalars(select(CalendarYear)).one()
    assert row.notice_reference == "国办发明电〔2026〕99号" and row.loaded_by == "user:policy_c"
    assert row.data["holidays"][0] == {"date": "2027-01-01", "name": "元旦"}
    rectify = case.task("rectify")
    assert rectify.due_provisional is False and rectify.due_at == local(2027, 1, 7, 0, 0).astimezone(UTC)
    logged = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "calendar.year_loaded")).one()
    assert logged.payload["reference"] == "国办发明电〔2026〕99号" and logged.actor == "user:policy_c"
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "deadline.recomputed",
                                                       AuditEvent.subject_id == str(case.case_id))).all()


@pytest.mark.parametrize(("change", "message"), [
    (("{date: 2027-01-04, name: 元旦}", "{date: 2027-01-04, name: 元旦}\n  - {date: 2027-01-09, name: 元旦}"),
     "既列为节假日又列为调休上班日"),
    (("2027-01-09", "2027-01-08"), "周六或周日"),
    (("{date: 2027-01-04, name: 元旦}", "{date: 2028-01-04, name: 元旦}"), "不在该年度内"),
    (("{date: 2027-01-04, name: 元旦}", "{date: 2027-01-04}"), "缺少名称"),
    (("  doc: 国办发明电〔2026〕99号\n", ""), "文号"),
    (("holidays:", "surprise: 1\nholidays:"), "未知字段"),
    (("2027-01-04", "2027-02-30"), "YAML"),
])
def test_an_invalid_year_is_refused_with_a_chinese_message(private_calendar, change, message):
    with pytest.raises(ValidationError, match=message):
        uploads.load_year(YEAR_2027.replace(*change), source="t", actor="t")
    assert 2027 not in private_calendar.loaded_years
    assert db.session.scalars(select(CalendarYear)).all() == []


def test_yaml_alias_bombs_and_non_utf8_files_are_refused(private_calendar):
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b]\n'
    with pytest.raises(ValidationError, match="锚点"):
        uploads.load_year(bomb, source="t", actor="t")
    with pytest.raises(ValidationError, match="UTF-8"):
        uploads.load_year(YEAR_2027.encode("gbk"), source="t", actor="t")


def test_the_cli_loads_a_year_file(app, private_calendar, tmp_path, world):
    path = tmp_path / "2027.yaml"
    path.write_text(YEAR_2027, encoding="utf-8")
    result = app.test_cli_runner().invoke(policy_cli, ["calendar-load", str(path)])
    assert result.exit_code == 0, result.output
    assert "已载入 2027 年" in result.output and 2027 in private_calendar.loaded_years
    path.write_text(YEAR_2027.replace("2027-01-09", "2027-01-08"), encoding="utf-8")
    refused = app.test_cli_runner().invoke(policy_cli, ["calendar-load", str(path)])
    assert refused.exit_code == 2 and "周六或周日" in refused.output


def test_the_banner_shows_from_november_while_next_year_is_missing(private_calendar, clock):
    clock.set(datetime(2026, 10, 31, 12, 0, tzinfo=UTC))
    assert uploads.banner() is None
    clock.set(datetime(2026, 11, 1, 1, 0, tzinfo=UTC))
    assert "2027" in uploads.banner()
    uploads.load_year(YEAR_2027, source="t", actor="t")
    assert uploads.banner() is None


def test_every_page_shows_the_banner_and_policy_staff_upload_in_the_browser(private_calendar, signed_in):
    client = signed_in("handler_a")
    assert "尚未载入 2027 年" in client.get("/login").get_data(as_text=True)
    policy = signed_in("policy_c")
    assert "尚未载入 2027 年" in policy.get("/models/calendar").get_data(as_text=True)
    data = {"csrf_token": csrf_token(policy, "/models/calendar"),
            "file": (io.BytesIO(YEAR_2027.encode()), "2027.yaml")}
    response = policy.post("/models/calendar", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    page = policy.get("/models/calendar").get_data(as_text=True)
    assert "尚未载入 2027 年" not in page and "国办发明电〔2026〕99号" in page
    bad = {"csrf_token": csrf_token(policy, "/models/calendar"),
           "file": (io.BytesIO(YEAR_2027.replace("2027-01-09", "2027-01-08").encode()), "2027.yaml")}
    refused = policy.post("/models/calendar", data=bad, content_type="multipart/form-data")
    assert refused.status_code == 422 and "周六或周日" in refused.get_data(as_text=True)


def test_a_stored_year_reaches_another_process_calendar(private_calendar, app, world):
    uploads.load_year(YEAR_2027, source="t", actor="t")
    db.session.commit()
    private_calendar._years.pop(2027)  # as if this process had not loaded it
    app.extensions.pop("policy_calendar_checksums", None)
    assert uploads.refresh(app, force=True) == [2027]
    assert 2027 in private_calendar.loaded_years
