"""Bad rows are reported one line per reason — row number as the file shows it, the column as the file names
it, a Chinese message — and nothing else is; a file that cannot be used at all stops with exit status 2."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from app.db import db
from app.evaluation.models import Evaluation
from app.service_case.models import ServiceCase
from app.user import service as user_service
from tests.imports.conftest import (
    EVALUATION_HEADER_ZH,
    SERVICE_CASE_HEADER_ZH,
    evaluation_cells,
    service_case_cells,
    write_csv,
    write_jsonl,
    write_xlsx,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_kind_of_bad_service_case_row_is_reported_with_row_field_and_message(world, clock, tmp_path,
                                                                                   run_import):
    rows = [
        service_case_cells(clock, "N-2"),
        service_case_cells(clock, ""),
        service_case_cells(clock, "N-4", item_code="NOPE", org_code="NOPE"),
        service_case_cells(clock, "N-5", channel="柜台"),
        service_case_cells(clock, "N-6", applicant_phone="call me"),
        service_case_cells(clock, "N-7", finished_at="2026-11-01 10:00:00", accepted_at="2026-11-02 10:00:00"),
        service_case_cells(clock, "N-8", accepted_at="昨天"),
        service_case_cells(clock, "N-9"),
    ]
    path = write_csv(tmp_path / "办件.csv", SERVICE_CASE_HEADER_ZH, rows)
    result = run_import("service-cases", path)
    assert result.exit_code == 1
    assert "读取 8 行，新增 2 行，已存在 0 行，有误 6 行" in result.output
    assert [(row, field) for row, field, _ in result.report] == [
        (3, "办件编号"), (4, "事项编码"), (4, "办理单位编码"), (5, "办理渠道"), (6, "联系电话"), (7, "办结时间"),
        (8, "受理时间")]
    messages = dict(((row, field), message) for row, field, message in result.report)
    assert messages[(3, "办件编号")] == "必填，不能为空"
    assert messages[(4, "事项编码")] == "事项编码不存在"
    assert messages[(5, "办理渠道")].startswith("须为以下之一：window")
    assert messages[(7, "办结时间")] == "办结时间早于受理时间"
    assert all(CJK.search(message) for _, _, message in result.report)
    assert sorted(db.session.scalars(select(ServiceCase.case_no))) == ["N-2", "N-9"]


def test_bad_json_lines_are_reported_by_line_number(world, clock, tmp_path, run_import, make_service_case):
    done, other = make_service_case(), make_service_case()
    early = make_service_case(finished_ago=timedelta(minutes=10))
    unfinished = make_service_case(finished=False)

    def item(case_no, **overrides):
        return {"service_case_no": case_no, "level": 4, "channel": "qr_code", "real_name": False,
                "evaluated_at": (clock.now() - timedelta(minutes=1)).isoformat(), **overrides}

    lines = [item(done.case_no), '{"service_case_no": "x", level: 4}', "[1, 2]", item(other.case_no, level="4"),
             item("UNKNOWN"), item(other.case_no, foo=1),
             item(early.case_no, evaluated_at=(clock.now() - timedelta(hours=1)).isoformat()), "",
             item(unfinished.case_no), item(done.case_no, level=1)]
    path = write_jsonl(tmp_path / "评价.jsonl", lines)
    result = run_import("evaluations", path)
    assert result.exit_code == 1
    assert "读取 9 行，新增 1 行，已存在 1 行，有误 7 行" in result.output
    assert [(row, field) for row, field, _ in result.report] == [
        (2, "（整行）"), (3, "（整行）"), (4, "level"), (5, "service_case_no"), (6, "foo"), (7, "evaluated_at"),
        (9, "service_case_no")]
    messages = [message for _, _, message in result.report]
    assert messages[0].startswith("JSON 格式错误")
    assert messages[1:] == ["该行不是 JSON 对象", "须为整数", "办件不存在", "不认识的字段", "评价时间早于办结时间",
                            "办件尚未办结，不能评价"]
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 1


def test_the_report_opens_in_excel_and_can_be_put_elsewhere(world, clock, tmp_path, run_import):
    path = write_csv(tmp_path / "办件.csv", SERVICE_CASE_HEADER_ZH, [service_case_cells(clock, "")])
    elsewhere = tmp_path / "问题行.csv"
    result = run_import("service-cases", path, "--errors", str(elsewhere))
    assert result.exit_code == 1
    assert str(elsewhere) in result.output
    assert elsewhere.read_bytes().startswith("\ufeff行号,字段,问题".encode())
    assert not (tmp_path / "办件.csv.errors.csv").exists()


def test_an_account_is_held_to_the_api_rules_for_scope_and_channel(world, clock, tmp_path, run_import,
                                                                   make_service_case):
    own, foreign = make_service_case(), make_service_case(org="B-HR", item="ITEM-BHR-1")
    path = write_csv(tmp_path / "纸质评价.csv", EVALUATION_HEADER_ZH, [
        evaluation_cells(clock, own.case_no, channel="paper_form"),
        evaluation_cells(clock, foreign.case_no, channel="paper_form"),
        evaluation_cells(clock, own.case_no, channel="qr_code")])
    result = run_import("evaluations", path, who="handler_a")
    assert result.exit_code == 1
    assert "新增 1 行，已存在 1 行，有误 1 行" in result.output
    assert [(row, message) for row, _, message in result.report] == [(3, "该办件不在您的接入或管辖范围内")]
    refused = run_import("service-cases", write_csv(tmp_path / "办件.csv", SERVICE_CASE_HEADER_ZH,
                                                    [service_case_cells(clock, "N-1")]), who="handler_a")
    assert refused.exit_code == 2
    assert "不能导入办件" in refused.stderr


def test_a_file_that_cannot_be_used_loads_nothing_and_exits_2(world, clock, tmp_path, run_import):
    good_rows = [service_case_cells(clock, "N-1")]
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(("\n".join([",".join(SERVICE_CASE_HEADER_ZH), ",".join(map(str, good_rows[0]))])).encode("gbk"))
    no_case_no = write_csv(tmp_path / "少列.csv", SERVICE_CASE_HEADER_ZH[1:], [good_rows[0][1:]])
    no_header = write_csv(tmp_path / "无表头.csv", ["甲", "乙"], [["1", "2"]])
    not_xlsx = tmp_path / "坏.xlsx"
    not_xlsx.write_bytes(b"not a zip")
    unknown_suffix = write_csv(tmp_path / "cases.txt", SERVICE_CASE_HEADER_ZH, good_rows)
    cases = [(gbk, "client_c", "不是 UTF-8 编码"), (no_case_no, "client_c", "缺少必需的列：办件编号（case_no）"),
             (no_header, "client_c", "找不到表头"), (not_xlsx, "client_c", "无法作为 XLSX 文件读取"),
             (unknown_suffix, "client_c", "判断文件格式"),
             (write_csv(tmp_path / "ok.csv", SERVICE_CASE_HEADER_ZH, good_rows), "ghost", "账号 ghost 不存在")]
    for path, who, message in cases:
        result = run_import("service-cases", path, who=who)
        assert result.exit_code == 2, (path, result.output)
        assert message in result.stderr, (path, result.stderr)
    assert run_import("service-cases", unknown_suffix, "--format", "csv").exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(ServiceCase)) == 1


def test_a_deactivated_account_cannot_load(world, clock, tmp_path, run_import):
    user_service.deactivate(user_service.get_by_username("client_c"))
    db.session.commit()
    result = run_import("service-cases", write_csv(tmp_path / "办件.csv", SERVICE_CASE_HEADER_ZH,
                                                   [service_case_cells(clock, "N-1")]))
    assert result.exit_code == 2
    assert "已停用" in result.stderr


def test_two_columns_for_one_field_are_refused(world, clock, tmp_path, run_import):
    path = write_xlsx(tmp_path / "重复列.xlsx", [*SERVICE_CASE_HEADER_ZH, "case_no"],
                      [[*service_case_cells(clock, "N-1"), "N-1"]])
    result = run_import("service-cases", path)
    assert result.exit_code == 2
    assert "两列都表示 case_no" in result.stderr
