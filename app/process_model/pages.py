"""流程模型 pages for policy staff: versions, diagram, editor (bpmn-js modeler), upload, validation,
impact preview, deployment, case migration, and the yearly official calendar."""
from __future__ import annotations

import json
from datetime import datetime

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for

from app.calendar import get_calendar
from app.case import impact as case_impact
from app.case import impact_jobs, migration
from app.clock import now
from app.db import db
from app.errors import NotFoundError, ValidationError
from app.policy import calendar_years as calendar_uploads
from app.policy import profiles
from app.process_model import parameters, rule_pages, versions
from app.process_model.draft_pages import save_draft
from app.process_model.impact import calculator
from app.process_model.models import ImpactPreview, ModelStatus
from app.process_model.rule_pages import rule_view
from app.request_limits import parse_json
from app.settings import LOCAL_TZ, to_local
from app.user.models import Role
from app.web.access import page_principal, roles_required
from app.workflow.errors import ModelError
from app.workflow.xmlsafe import MAX_XML_BYTES

bp = Blueprint("model_pages", __name__, url_prefix="/models")
bp.add_url_rule("/<process_id>/v<int:version>/parameters", view_func=rule_pages.change_parameters, methods=["POST"])
bp.add_url_rule("/<process_id>/v<int:version>/forms/<name>", view_func=rule_pages.form_editor)
bp.add_url_rule("/<process_id>/v<int:version>/forms/<name>", view_func=rule_pages.save_form, methods=["POST"])

POLICY = (Role.policy_admin,)
MAX_JSON_CHARS = 1_000_000


@bp.get("")
@roles_required(*POLICY)
def index():
    rows = [(row, versions.all_versions(row["process_id"])) for row in versions.overview()]
    return render_template("models/index.html", rows=rows, profile=profiles.active())


@bp.get("/<process_id>/v<int:version>")
@roles_required(*POLICY)
def version(process_id: str, version: int):
    model = versions.get_version(process_id, version)
    return render_template("models/version.html", model=model, **rule_view(model))


@bp.get("/<process_id>/v<int:version>/bpmn")
@roles_required(*POLICY)
def download(process_id: str, version: int):
    model = versions.get_version(process_id, version)
    headers = {"Content-Security-Policy": "default-src 'none'; sandbox"}
    if request.args.get("inline") == "1":  # for the diagram viewer's fetch: text, never rendered as a document
        return Response(model.bpmn_xml, mimetype="text/plain", headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="{model.process_id}-v{model.version}.bpmn"'
    return Response(model.bpmn_xml, mimetype="application/xml", headers=headers)


@bp.post("/<process_id>/v<int:version>/<any(deploy, retire, validate):action>")
@roles_required(*POLICY)
def change(process_id: str, version: int, action: str):
    model = versions.get_version(process_id, version)
    actor = page_principal().label
    try:
        if action == "deploy":
            versions.deploy(model, actor=actor)
            flash(f"已部署第 {model.version} 版：新工单从现在起使用该版本，运行中的工单留在原版本。")
        elif action == "retire":
            versions.retire(model, actor=actor)
            flash(f"已停用第 {model.version} 版。")
        else:
            result = versions.revalidate(model, actor=actor)
            flash("校验通过。" if result["ok"] else f"校验未通过：{len(result['problems'])} 个问题。",
                  "info" if result["ok"] else "error")
    except ModelError as err:
        db.session.rollback()
        model = versions.get_version(process_id, version)
        return render_template("models/version.html", model=model, problems=err.problems, **rule_view(model)), 422
    db.session.commit()
    return redirect(url_for("model_pages.version", process_id=process_id, version=version))


@bp.get("/<process_id>/v<int:version>/migration")
@roles_required(*POLICY)
def migration_preview(process_id: str, version: int):
    model = versions.get_version(process_id, version)
    return render_template("models/migration.html", model=model, rows=migration.preview(model),
                           deployed=model.status == ModelStatus.deployed)


@bp.post("/<process_id>/v<int:version>/migration")
@roles_required(*POLICY)
def migrate(process_id: str, version: int):
    model = versions.get_version(process_id, version)
    case_ids = [int(v) for v in request.form.getlist("case_id") if v.isdigit()]
    result = migration.migrate(model, case_ids=case_ids or None, actor=page_principal().label)
    db.session.commit()
    flash(f"已迁移 {len(result['moved'])} 个工单" + (f"，{len(result['refused'])} 个不能迁移，保持不变"
                                                     if result["refused"] else ""))
    return redirect(url_for("model_pages.migration_preview", process_id=process_id, version=version))


# -- impact preview of a version: the calculator and the background replay of recent cases ------------

MONTH_CHOICES = (1, 3, 6, 12)


def _received(value: str | None) -> tuple[datetime, str | None]:
    if not value:
        return now(), None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=LOCAL_TZ), None
    except ValueError:
        return now(), "收到时间格式不正确，已按现在计算"


@bp.get("/<process_id>/v<int:version>/impact")
@roles_required(*POLICY)
def impact_page(process_id: str, version: int):
    model = versions.get_version(process_id, version)
    against = versions.deployed(process_id)
    received, error = _received(request.args.get("received"))
    draft = parameters.read(model.bpmn_xml, process_id)
    current = parameters.read(against.bpmn_xml, process_id) if against else {}
    return render_template("models/impact.html", model=model, against=against, error=error,
                           received=to_local(received).strftime("%Y-%m-%dT%H:%M"),
                           rows=calculator(received, current, draft),
                           changes=parameters.changes(current, draft), preview=case_impact.latest(model),
                           month_choices=MONTH_CHOICES)


@bp.post("/<process_id>/v<int:version>/impact")
@roles_required(*POLICY)
def start_replay(process_id: str, version: int):
    model = versions.get_version(process_id, version)
    months = request.form.get("months", "")
    try:
        if not months.isdigit():
            raise ValidationError("请选择月数", field="months")
        preview = case_impact.start(model, versions.deployed(process_id), int(months), page_principal().label)
    except ValidationError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("model_pages.impact_page", process_id=process_id, version=version))
    db.session.commit()
    impact_jobs.run_in_background(preview.id)
    return redirect(url_for("model_pages.impact_page", process_id=process_id, version=version) + "#replay")


@bp.get("/<process_id>/v<int:version>/impact/<int:preview_id>")
@roles_required(*POLICY)
def replay_progress(process_id: str, version: int, preview_id: int):
    preview = db.session.get(ImpactPreview, preview_id)
    model = versions.get_version(process_id, version)
    if preview is None or preview.model_id != model.id:
        raise NotFoundError("没有这次影响预估")
    return jsonify({"status": preview.status, "done": preview.done, "total": preview.total})


# -- editing --------------------------------------------------------------------------------------

@bp.get("/<process_id>/edit")
@roles_required(*POLICY)
def editor(process_id: str):
    base = _base_version(process_id, request.args.get("from", ""))
    forms, tests = versions.upload_defaults(process_id, base.forms if base else None,
                                            base.test_cases if base else None)
    xml = base.bpmn_xml if base else versions.DEFAULT_MODELS[process_id].read_text(encoding="utf-8")
    return render_template("models/editor.html", process_id=process_id, base=base, xml=xml,
                           forms_json=_dump(forms), tests_json=_dump(tests), comment="", result=None)


@bp.post("/<process_id>/edit")
@roles_required(*POLICY)
def save(process_id: str):
    base = _base_version(process_id, request.form.get("base", ""))
    xml, comment = request.form.get("bpmn_xml", ""), request.form.get("comment", "").strip()[:2000]
    forms_json, tests_json = request.form.get("forms_json", ""), request.form.get("tests_json", "")
    problems = []
    forms = _load_json(forms_json, "forms", problems, required=True)
    tests = _load_json(tests_json, "tests", problems, required=False)
    result = None
    if len(xml.encode()) > MAX_XML_BYTES:
        problems.append({"element": "", "line": None, "message": f"BPMN 过大（上限 {MAX_XML_BYTES} 字节）"})
    if not problems and request.form.get("intent") == "save":
        done, problems = save_draft(lambda number: f"已保存为草稿第 {number} 版，校验通过。确认无误后可部署。",
                                    process_id=process_id, bpmn_xml=xml, forms=forms, test_cases=tests,
                                    comment=comment or None, source="editor")
        if done:
            return done
    elif not problems:
        result = versions.check_upload(process_id=process_id, bpmn_xml=xml, forms=forms, test_cases=tests)
        problems = result["problems"]
    return render_template("models/editor.html", process_id=process_id, base=base, xml=xml, forms_json=forms_json,
                           tests_json=tests_json, comment=comment, problems=problems,
                           result=result), 422 if problems else 200


def _base_version(process_id: str, value: str):
    if process_id not in versions.process_ids():
        raise NotFoundError(f"流程模型 {process_id} 不存在")
    if value.isdigit():
        return versions.get_version(process_id, int(value))
    return versions.deployed(process_id) or versions.latest(process_id)


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) if value is not None else ""


def _load_json(text: str, what: str, problems: list, *, required: bool):
    label = {"forms": "表单定义", "tests": "测试用例"}[what]
    if not text.strip():
        if required:
            problems.append({"element": what, "line": None, "message": f"{label}不能为空"})
        return None
    if len(text) > MAX_JSON_CHARS:
        problems.append({"element": what, "line": None, "message": f"{label}过大"})
        return None
    try:
        value = parse_json(text)
    except ValueError as err:
        problems.append({"element": what, "line": getattr(err, "lineno", None),
                         "message": f"{label}不是有效的 JSON：{err}"})
        return None
    if not isinstance(value, dict):
        problems.append({"element": what, "line": None, "message": f"{label}必须是 JSON 对象"})
        return None
    return value


@bp.post("/<process_id>/upload")
@roles_required(*POLICY)
def upload(process_id: str):
    file = request.files.get("file")
    problems = []
    forms = _load_json(_read(request.files.get("forms")), "forms", problems, required=False)
    tests = _load_json(_read(request.files.get("tests")), "tests", problems, required=False)
    if file is None or not file.filename:
        problems.append({"element": "file", "line": None, "message": "请选择 BPMN 文件"})
    if not problems:
        done, problems = save_draft(lambda number: f"已上传并保存为草稿第 {number} 版，校验通过。",
                                    process_id=process_id, bpmn_xml=file.read(MAX_XML_BYTES + 1), forms=forms,
                                    test_cases=tests, comment=request.form.get("comment", "").strip() or None,
                                    source=f"upload:{file.filename}"[:255])
        if done:
            return done
    rows = [(row, versions.all_versions(row["process_id"])) for row in versions.overview()]
    return render_template("models/index.html", rows=rows, profile=profiles.active(), problems=problems,
                           upload_process=process_id), 422


def _read(file) -> str:
    if file is None or not file.filename:
        return ""
    return file.read(MAX_JSON_CHARS + 1).decode("utf-8", errors="replace")


# -- the official calendar --------------------------------------------------------------------------

@bp.get("/calendar")
@roles_required(*POLICY)
def calendar_page():
    return _calendar_page()


@bp.post("/calendar")
@roles_required(*POLICY)
def calendar_upload():
    file = request.files.get("file")
    try:
        if file is None or not file.filename:
            raise ValidationError("请选择年度节假日安排 YAML 文件", field="file")
        result = calendar_uploads.load_year(file.read(calendar_uploads.MAX_BYTES + 1),
                                            source=f"upload:{file.filename}"[:255], actor=page_principal().label)
    except ValidationError as err:
        db.session.rollback()
        return _calendar_page(error=err.message), 422
    db.session.commit()
    flash(f"已载入 {result['year']} 年官方安排（{result['reference']}）：节假日 {result['holidays']} 天，"
          f"调休上班 {result['workdays']} 天；{result['deadlines_moved']} 处暂定期限已重新计算并记入工单历史。")
    return redirect(url_for("model_pages.calendar_page"))


def _calendar_page(error: str | None = None):
    calendar = get_calendar()
    years = [(year, calendar.year_data(year)) for year in calendar.loaded_years]
    stored = {row.year: row for row in calendar_uploads.stored_years()}
    return render_template("models/calendar.html", years=years, stored=stored, error=error,
                           banner=calendar_uploads.banner())
