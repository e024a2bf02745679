"""The rule-parameter form of a model version and the structured form editor: policy staff change a time limit
in a labelled field (unit and source beside it), or a task form's labels, options and required flags, and get
a new draft version, validated with the model's test cases, ready to deploy.
Its route is added to the model pages' blueprint (``app.process_model.pages``)."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from app.errors import NotFoundError
from app.policy import profiles
from app.process_model import diffs, parameters, versions
from app.process_model import form_editor as form_editor_rules
from app.process_model.draft_pages import save_draft
from app.process_model.models import ProcessModel
from app.user.models import Role
from app.web.access import roles_required

# Values of the deployment's policy profile that are not the model's: shown beside the parameters.
PROFILE_VALUES = (
    ("evaluation_window_days", "补充评价期限", parameters.WORKING, "办件结束后可补充评价的期限"),
    ("default_rating.after_natural_days", "默认评价天数", parameters.NATURAL, "办件结束后仍未评价即默认评价"),
)


def rule_view(model: ProcessModel, entered: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the version page shows about the rules: each parameter, and the profile values beside them."""
    profile = profiles.active()
    values = parameters.read(model.bpmn_xml, model.process_id)
    rows = parameters.rows(values, profile.values)
    for row in rows:
        if entered and row["key"] in entered:
            row["value"] = entered[row["key"]]
    profile_rows = []
    for key, label, unit, note in PROFILE_VALUES:
        value: Any = profile.values
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        profile_rows.append({"label": label, "unit": unit, "note": note,
                             "value": f"{value} 个{unit}" if value is not None else "不适用"})
    return {"parameter_rows": rows, "profile_rows": profile_rows, "profile": profile,
            "limits": diffs.describe_limits(model.bpmn_xml, model.process_id)}


@roles_required(Role.policy_admin)
def change_parameters(process_id: str, version: int):
    base = versions.get_version(process_id, version)
    current = parameters.read(base.bpmn_xml, process_id)
    values, problems = parameters.parse_form(request.form, current)
    changed = parameters.changes(current, values)
    if not problems and not changed:
        flash("时限参数没有变化，未保存新版本。")
        return redirect(url_for("model_pages.version", process_id=process_id, version=version))
    if not problems:
        comment = (request.form.get("comment") or "").strip()[:2000] or "；".join(c["text"] for c in changed)
        done, problems = save_draft(
            lambda number: f"已保存为草稿第 {number} 版（{comment}），校验与测试用例全部通过。"
                           "可先查看影响预估，确认后部署。",
            process_id=process_id, bpmn_xml=parameters.write(base.bpmn_xml, values), forms=base.forms,
            test_cases=base.test_cases, comment=comment, source="parameters", deploy=False)
        if done:
            return done
    base = versions.get_version(process_id, version)
    return render_template("models/version.html", model=base, problems=problems,
                           **rule_view(base, entered=values)), 422


def _form_of(model: ProcessModel, name: str) -> dict[str, Any]:
    schema = (model.forms or {}).get(name)
    if not isinstance(schema, dict):
        raise NotFoundError("没有这个表单")
    return schema


@roles_required(Role.policy_admin)
def form_editor(process_id: str, version: int, name: str):
    model = versions.get_version(process_id, version)
    schema = _form_of(model, name)
    return render_template("models/form_editor.html", model=model, name=name, schema=schema,
                           rows=form_editor_rules.rows(schema), problems=None)


@roles_required(Role.policy_admin)
def save_form(process_id: str, version: int, name: str):
    base = versions.get_version(process_id, version)
    schema, problems = form_editor_rules.apply(_form_of(base, name), request.form)
    if not problems and schema == base.forms[name]:
        flash("表单没有变化，未保存新版本。")
        return redirect(url_for("model_pages.form_editor", process_id=process_id, version=version, name=name))
    if not problems:
        title = schema.get("title", name)
        comment = (request.form.get("comment") or "").strip()[:2000] or f"修改表单“{title}”"
        done, problems = save_draft(
            lambda number: f"已保存为草稿第 {number} 版（{comment}），校验与测试用例全部通过。确认无误后可部署。",
            process_id=process_id, bpmn_xml=base.bpmn_xml, forms={**base.forms, name: schema},
            test_cases=base.test_cases, comment=comment, source="form-editor", deploy=False)
        if done:
            return done
    base = versions.get_version(process_id, version)
    return render_template("models/form_editor.html", model=base, name=name, schema=schema,
                           rows=form_editor_rules.rows(schema), problems=problems), 422
