"""A model is validated before it may be stored as deployable; every problem is reported at once."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.process_model import parameters, validation
from app.workflow.registry import read_model_files
from app.workflow.xmlsafe import MAX_XML_BYTES

BPMN = Path(__file__).resolve().parents[2] / "bpmn" / "bad_review.bpmn"

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol9;</bpmn:definitions>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="bad_review"><bpmn:documentation>&xxe;</bpmn:documentation></bpmn:process>
</bpmn:definitions>"""

XXE_NETWORK = XXE.replace("file:///etc/passwd", "http://127.0.0.1:9/evil.dtd")
EXTERNAL_DTD = ('<?xml version="1.0"?>\n<!DOCTYPE d SYSTEM "http://127.0.0.1:9/x.dtd">\n'
                '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>')


@pytest.fixture(scope="module")
def shipped():
    xml, forms = read_model_files(BPMN)
    tests = json.loads(BPMN.with_suffix(".test.json").read_text(encoding="utf-8"))
    return xml, forms, tests


def test_the_shipped_model_passes_every_check_including_its_dry_run(app, shipped):
    xml, forms, tests = shipped
    report = validation.validate(xml, forms, "bad_review", test_cases=tests)
    assert report.problems == []
    assert report.tests_run == len(tests["cases"]) and report.bundle is not None


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, XXE, XXE_NETWORK, EXTERNAL_DTD],
                         ids=["billion-laughs", "xxe-file", "xxe-network", "external-dtd"])
def test_entity_and_dtd_payloads_are_refused_before_parsing(app, shipped, payload):
    report = validation.validate(payload, shipped[1], "bad_review")
    assert not report.ok and report.bundle is None
    assert "DOCTYPE" in report.problems[0]["message"]
    assert "root:" not in json.dumps(report.problems)


def test_size_encoding_and_well_formedness_are_checked(app, shipped):
    too_big = shipped[0] + "<!--" + "x" * MAX_XML_BYTES + "-->"
    assert "过大" in validation.validate(too_big, shipped[1], "bad_review").problems[0]["message"]
    assert "UTF-8" in validation.validate("<a>中</a>".encode("gbk"), {}, "x").problems[0]["message"]
    broken = validation.validate("<bpmn:definitions><oops>", shipped[1], "bad_review").problems[0]
    assert "格式正确" in broken["message"] and broken["line"] == 1


def _break(xml: str) -> str:
    return (xml
            .replace('name="supervision"', 'name="reviewers"')                                   # lane → no role
            .replace('action == "done"', "().__class__.__base__.__subclasses__()")                # sandbox escape
            .replace('finding == "valid"', 'verdict == "valid"')                                  # field never set
            .replace('<spiffworkflow:property name="due" value="verify_deadline" />', "")         # no due
            .replace('<spiffworkflow:property name="form" value="feedback" />',
                     '<spiffworkflow:property name="form" value="feedback_v2" />')                # no form
            .replace("<bpmn:timeDate xsi:type=\"bpmn:tFormalExpression\">reminder_at</bpmn:timeDate>",
                     "<bpmn:timeDate xsi:type=\"bpmn:tFormalExpression\">reminder_when</bpmn:timeDate>"))


def test_every_problem_is_reported_at_once_with_its_element(app, shipped):
    xml, forms, _ = shipped
    report = validation.validate(_break(xml), forms, "bad_review")
    by_element = {}
    for problem in report.problems:
        by_element.setdefault(problem["element"], []).append(problem["message"])
    assert "没有对应的角色" in by_element["lane_supervision"][0]
    assert any("__class__" in m for m in by_element["flow_gw_rectify_action_to_end_rectify_done"])
    assert "verdict" in by_element["flow_gw_verify_to_start_classify"][0]
    assert "期限" in by_element["verify"][0]
    assert "表单" in by_element["feedback"][0]
    assert report.bundle is None


def test_a_timer_expression_must_give_an_instant_with_offset_on_sample_data(app, shipped):
    xml, forms, _ = shipped
    naive = xml.replace(">rectify_deadline</bpmn:timeDate>", '>"2026-12-01T00:00:00"</bpmn:timeDate>')
    unknown = xml.replace(">reminder_at</bpmn:timeDate>", ">reminder_when</bpmn:timeDate>")
    duration = xml.replace(">reminder_at</bpmn:timeDate>", ">P1D</bpmn:timeDate>")
    assert "时区" in _messages(naive, forms, "deadline_timer")
    assert "reminder_when" in _messages(unknown, forms, "reminder_timer")
    assert "P1D" in _messages(duration, forms, "reminder_timer")


def _messages(xml, forms, element):
    report = validation.validate(xml, forms, "bad_review")
    return " ".join(p["message"] for p in report.problems if p["element"] == element)


def test_schema_violations_carry_a_line_number(app, shipped):
    xml, forms, _ = shipped
    report = validation.validate(xml.replace('<bpmn:startEvent id="start" name="收到差评">',
                                             '<bpmn:startEvent id="start" name="收到差评"><bpmn:bogus/>'),
                                 forms, "bad_review")
    assert report.problems and report.problems[0]["line"] and "BPMN 2.0" in report.problems[0]["message"]


def test_a_user_task_in_the_system_lane_or_without_a_lane_is_refused(app, shipped):
    xml, forms, _ = shipped
    moved = xml.replace("<bpmn:flowNodeRef>verify</bpmn:flowNodeRef>", "").replace(
        "<bpmn:flowNodeRef>init</bpmn:flowNodeRef>", "<bpmn:flowNodeRef>init</bpmn:flowNodeRef>"
                                                     "<bpmn:flowNodeRef>verify</bpmn:flowNodeRef>")
    assert "system" in _messages(moved, forms, "verify")
    unlaned = xml.replace("<bpmn:flowNodeRef>verify</bpmn:flowNodeRef>", "")
    assert "泳道" in _messages(unlaned, forms, "verify")


def test_form_rules_pass_the_sandbox_too(app, shipped):
    xml, forms, _ = shipped
    hostile = json.loads(json.dumps(forms))
    hostile["rectify"]["x-rules"][0]["expression"] = "__import__('os') is None"
    assert "表单规则" in _messages(xml, hostile, "rectify")


def test_the_shipped_test_cases_follow_a_changed_limit(app, shipped):
    xml, forms, tests = shipped
    report = validation.validate(parameters.write(xml, {"limit_general_days": 3}), forms, "bad_review",
                                 test_cases=tests)
    assert report.ok, report.problems
    assert report.tests_run == len(tests["cases"])


def test_the_dry_run_reports_a_failing_case_in_chinese_with_task_names_and_beijing_dates(app, shipped):
    xml, forms, tests = shipped
    written = json.loads(json.dumps(tests))
    written["cases"][0]["steps"][2]["expect"]["due"]["rectify"] = "2026-10-13T16:00:00+00:00"
    report = validation.validate(parameters.write(xml, {"limit_general_days": 3}), forms, "bad_review",
                                 test_cases=written)
    assert [p["element"] for p in report.problems] == ["tests"]
    message = report.problems[0]["message"]
    assert "第 3 步：“整改落实”的期限应为 2026年10月14日 00:00，实为 2026年10月11日 00:00" in message, message


def test_a_parameter_out_of_range_or_not_a_number_is_named_in_chinese(app, shipped):
    xml, forms, _ = shipped
    report = validation.validate(parameters.write(xml, {"limit_general_days": 99}), forms, "bad_review")
    assert [p["message"] for p in report.problems] == ["一般差评整改时限须在 1–30 个工作日之间，填写的是 99"]
    broken = xml.replace('name="parameter:feedback_days" value="5"', 'name="parameter:feedback_days" value="五"')
    messages = " ".join(p["message"] for p in validation.validate(broken, forms, "bad_review").problems)
    assert "反馈时限必须是整数" in messages


def test_the_dry_run_does_not_move_the_served_apps_clock(app, shipped, clock):
    before = clock.now()
    xml, forms, tests = shipped
    validation.validate(xml, forms, "bad_review", test_cases={"cases": tests["cases"][:1]})
    assert app.extensions["clock"] is clock and clock.now() == before


def test_expressions_of_every_process_in_the_document_are_checked(app, shipped):
    xml, forms, _ = shipped
    second = ('<bpmn:process id="helper" isExecutable="true"><bpmn:scriptTask id="helper_script">'
              "<bpmn:script>x = __import__('os')</bpmn:script></bpmn:scriptTask></bpmn:process>\n"
              "  <bpmndi:BPMNDiagram")
    assert "__import__" in _messages(xml.replace("<bpmndi:BPMNDiagram", second, 1), forms, "helper_script")


@pytest.mark.parametrize("insert", [
    '<html:script xmlns:html="http://www.w3.org/1999/xhtml">alert(1)</html:script>',
    '<svg:svg xmlns:svg="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "<?xml-stylesheet type='text/xsl' href='http://127.0.0.1:9/x.xsl'?>",
], ids=["xhtml-script", "svg", "processing-instruction"])
def test_markup_that_could_run_in_a_browser_is_refused(app, shipped, insert):
    xml, forms, _ = shipped
    hostile = xml.replace("<bpmn:documentation>政务服务", f"<bpmn:documentation>{insert}政务服务", 1)
    problem = validation.validate(hostile, forms, "bad_review").problems[0]
    assert "不允许" in problem["message"] and problem["line"] == 4


def test_roles_named_on_a_task_must_be_worker_roles(app, shipped):
    xml, forms, _ = shipped
    wrong = xml.replace('name="roles" value="supervisor_lead"', 'name="roles" value="supervisor_lead, sysadmin"')
    assert "sysadmin" in _messages(wrong, forms, "appeal_recheck")
