"""Validating a model before it may be stored as deployable, reporting every problem at once.

Each problem names the BPMN element (``element``), a line where known, and says what is wrong in
Chinese. The checks, in order: safe and well-formed XML; the BPMN schema and SpiffWorkflow's parser;
lanes that map to roles; a form schema and a due date for every user task; the expression sandbox for
every condition, script, timer and form rule; fields read by gateways produced before them; timer
expressions that give a valid instant on sample data; and the model's JSON test cases (dry run).
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from flask import Flask, current_app
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree

from app.process_model import samples
from app.process_model.modelinfo import NS, ModelInfo
from app.workflow import sandbox, xmlsafe
from app.workflow.errors import ModelError
from app.workflow.registry import ModelBundle, checksum, engine_problems, parse
from app.workflow.script_env import CALLABLES, DATA_DEFAULTS, check_timer

# Lane name → who works its tasks (app.case.routing holds the role lists); ``system`` is for
# automated steps only.
LANES = {"department": "责任部门", "supervision": "监督部门", "system": "系统自动"}
HUMAN_LANES = ("department", "supervision")
WORKER_ROLES = ("handler", "dept_lead", "supervisor", "supervisor_lead")  # who may be named in a task's roles
START_FIELDS = frozenset({"case_id", "case_no", "received_at", "evaluation_level", "real_name", "responsible_org",
                          *DATA_DEFAULTS})
KNOWN_NAMES = frozenset({"True", "False", "None"}) | CALLABLES
MAX_FORMS_BYTES = 500_000
KIND_LABELS = {"condition": "条件表达式", "script": "脚本", "timeDate": "定时器（时间点）",
               "timeDuration": "定时器（时长）", "timeCycle": "定时器（循环）", "loop": "多实例表达式",
               "rule": "表单规则"}


@dataclass
class ValidationReport:
    problems: list[dict[str, Any]] = field(default_factory=list)
    bundle: ModelBundle | None = None
    tests_run: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, element: str, message: str, line: int | None = None) -> None:
        self.problems.append({"element": element or "", "line": line, "message": message})

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "problems": self.problems, "tests_run": self.tests_run}

    def raise_if_failed(self) -> None:
        if not self.ok:
            raise ModelError(f"模型校验未通过（{len(self.problems)} 个问题）", self.problems)


def validate(bpmn_xml: str | bytes, forms: Any, process_id: str, *, test_cases: Any = None,
             source: str = "model.bpmn") -> ValidationReport:
    """Every check on a model with its forms and test cases; the parsed bundle when all pass."""
    report = ValidationReport()
    try:
        root = xmlsafe.parse(bpmn_xml)
    except xmlsafe.UnsafeXmlError as err:
        report.add("", err.message, err.line)
        return report  # nothing further is read from an unsafe document
    text = bpmn_xml if isinstance(bpmn_xml, str) else bpmn_xml.decode("utf-8")
    forms = _check_forms(forms, report)
    spiff_ok = _check_schema_and_engine(root, process_id, source, report)
    info = ModelInfo(root, process_id)
    if info.process is None:
        report.add(process_id, f"文档中没有 id 为 {process_id} 的流程（bpmn:process）")
        return report
    _check_lanes(info, report)
    _check_parameters(text, process_id, report)
    _check_user_tasks(info, forms, report)
    safe = _check_expressions(info, forms, report)
    _check_data_flow(info, forms, report)
    if safe:
        _check_timers(info, forms, report)
    if not (report.ok and spiff_ok):
        return report
    try:
        bundle = parse(text, forms, process_id, source=source)
    except ModelError as err:
        report.problems.extend(err.problems)
        return report
    _dry_run(bundle, test_cases, report)
    if report.ok:
        report.bundle = bundle
    return report


_passed: dict[tuple[str, str, str], ValidationReport] = {}


def validate_once(bpmn_xml: str, forms: Any, process_id: str, *, test_cases: Any = None,
                  source: str = "model.bpmn") -> ValidationReport:
    """``validate``, remembering passes per process: the shipped models are synced on every fresh database."""
    key = (checksum(bpmn_xml, forms), json.dumps(test_cases, sort_keys=True), process_id)
    report = _passed.get(key)
    if report is None:
        report = validate(bpmn_xml, forms, process_id, test_cases=test_cases, source=source)
        if report.ok:
            _passed[key] = report
    return report


def validate_or_raise(bpmn_xml: str | bytes, forms: Any, process_id: str, **kwargs) -> ModelBundle:
    report = validate(bpmn_xml, forms, process_id, **kwargs)
    report.raise_if_failed()
    return report.bundle


# -- the checks -----------------------------------------------------------------------------------

def _check_forms(forms: Any, report: ValidationReport) -> dict[str, Any]:
    if not isinstance(forms, dict):
        report.add("forms", "表单定义必须是 {表单名: JSON Schema} 形式的对象")
        return {}
    if len(json.dumps(forms, ensure_ascii=False)) > MAX_FORMS_BYTES:
        report.add("forms", f"表单定义过大（上限 {MAX_FORMS_BYTES} 字节）")
        return {}
    usable = {}
    for name, schema in forms.items():
        if not isinstance(schema, dict):
            report.add(f"form:{name}", f"表单 {name} 必须是 JSON 对象")
            continue
        problem = _schema_problem(json.dumps(schema, sort_keys=True))
        if problem:
            report.add(f"form:{name}", f"表单 {name} 不是有效的 JSON Schema：{problem}")
            continue
        usable[name] = schema
    return usable


@lru_cache(maxsize=512)
def _schema_problem(schema_json: str) -> str | None:
    """Checking a schema against the metaschema is slow; the same form is checked once per process."""
    try:
        Draft202012Validator.check_schema(json.loads(schema_json))
    except SchemaError as err:
        return err.message
    return None


def _check_schema_and_engine(root: etree._Element, process_id: str, source: str, report: ValidationReport) -> bool:
    problems = engine_problems(root, process_id, source)
    report.problems.extend(problems)
    return not problems


def _check_parameters(xml: str, process_id: str, report: ValidationReport) -> None:
    from app.process_model import parameters

    report.problems.extend(parameters.problems(parameters.read(xml, process_id)))


def _check_lanes(info: ModelInfo, report: ValidationReport) -> None:
    for lane_id, name in info.lanes.items():
        if name not in LANES:
            choices = "、".join(f"{k}（{v}）" for k, v in LANES.items())
            report.add(lane_id, f"泳道“{name}”没有对应的角色，泳道名称只能是：{choices}")


def _check_user_tasks(info: ModelInfo, forms: dict[str, Any], report: ValidationReport) -> None:
    for task in info.human_tasks():
        form = task.properties.get("form", task.id)
        if form not in forms:
            report.add(task.id, f"用户任务“{task.name or task.id}”没有表单定义（表单 {form}）", task.line)
        if not task.properties.get("due"):
            report.add(task.id, f"用户任务“{task.name or task.id}”没有期限（属性 due 须指向一个期限变量）", task.line)
        if task.properties.get("roles"):
            unknown = [r.strip() for r in task.properties["roles"].split(",") if r.strip() not in WORKER_ROLES]
            if unknown:
                report.add(task.id, f"属性 roles 中的角色无效：{'、'.join(unknown)}（可用：{'、'.join(WORKER_ROLES)}）",
                           task.line)
            continue
        if task.lane is None:
            report.add(task.id, f"用户任务“{task.name or task.id}”不在任何泳道中，无法确定由谁办理", task.line)
        elif task.lane not in HUMAN_LANES and task.lane in LANES:
            report.add(task.id, f"用户任务“{task.name or task.id}”在“{task.lane}”泳道中，"
                                f"该泳道只放自动步骤；请移到 department 或 supervision 泳道", task.line)


def _check_expressions(info: ModelInfo, forms: dict[str, Any], report: ValidationReport) -> bool:
    safe = True
    # Every process of the document, not only the one started: a called process runs the same way.
    others = [ModelInfo(info.root, p.get("id")) for p in info.root.iterfind("bpmn:process", NS)
              if p.get("id") and p is not info.process]
    expressions = [(e.element, e.kind, e.source, e.mode, e.line)
                   for reading in (info, *others) if reading.process is not None for e in reading.expressions()]
    for task in info.human_tasks():
        for rule in (forms.get(task.properties.get("form", task.id)) or {}).get("x-rules", []):
            expression = rule.get("expression") if isinstance(rule, dict) else None
            expressions.append((task.id, "rule", expression, "eval", task.line))
    for element, kind, source, mode, line in expressions:
        for problem in sandbox.check(source, mode=mode, callables=CALLABLES):
            safe = False
            report.add(element, f"{KIND_LABELS.get(kind, kind)}不安全或无效：{problem}", line)
    return safe


def _check_data_flow(info: ModelInfo, forms: dict[str, Any], report: ValidationReport) -> None:
    graph = info.successors()
    produced = {node_id: info.produced_by(node_id, forms) for node_id in info.nodes}

    def available(node_id: str) -> set[str]:
        names = set(START_FIELDS)
        for before in info.upstream(node_id, graph):
            names |= produced.get(before, set())
        return names

    for flow_id, source, _, condition in info.flows:
        if not condition:
            continue
        missing = sandbox.names_read(condition, mode="eval") - KNOWN_NAMES - available(source) \
            - produced.get(source, set())
        for name in sorted(missing):
            report.add(flow_id, f"条件读取的字段 {name} 在此之前没有任何表单或脚本产生", info.lines.get(flow_id))
    for task in info.human_tasks():
        due = task.properties.get("due")
        if due and due not in available(task.id):
            report.add(task.id, f"期限变量 {due} 在任务“{task.name or task.id}”之前没有任何脚本产生", task.line)


def _check_timers(info: ModelInfo, forms: dict[str, Any], report: ValidationReport) -> None:
    timers = [e for e in info.expressions() if e.kind in {"timeDate", "timeDuration", "timeCycle"}]
    if not timers:
        return
    data = samples.sample_data(info, forms)
    for timer in timers:
        problem = check_timer(timer.kind, timer.source, data)
        if problem:
            report.add(timer.element, f"定时器表达式 {timer.source!r} 在示例数据上{problem}", timer.line)


def _dry_run(bundle: ModelBundle, test_cases: Any, report: ValidationReport) -> None:
    cases = test_cases.get("cases") if isinstance(test_cases, dict) else test_cases
    if cases is None:
        return
    if not isinstance(cases, list) or not all(isinstance(c, dict) and "received_at" in c for c in cases):
        report.add("tests", "测试用例必须是 {\"cases\": [{\"name\", \"received_at\", \"steps\", \"expect\"}, …]}")
        return
    from app.process_model.dryrun import run_case

    with _dry_run_app():
        for case in cases:
            report.tests_run += 1
            try:
                result = run_case(bundle, case, samples.form_validator(bundle))
            except Exception as err:  # noqa: BLE001 - a broken model or test case is a finding, not a crash
                report.add("tests", f"测试用例“{case.get('name', '?')}”运行出错：{err}")
                continue
            for problem in result.problems:
                report.add("tests", f"测试用例“{result.name}”未通过：{problem}")


@contextmanager
def _dry_run_app() -> Iterator[None]:
    """A private app context for dry runs: they freeze "their" app's clock, which must not be the served app's
    (other requests would see the test case's time). It shares the calendar and configuration."""
    served = current_app._get_current_object()
    private = Flask("haochaping-dry-run")
    private.config.update(served.config)
    private.extensions.update({key: served.extensions[key] for key in ("calendar", "clock")
                               if key in served.extensions})
    with private.app_context():
        yield
