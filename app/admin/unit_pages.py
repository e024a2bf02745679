"""机构管理: the org tree within the system administrator's scope; adding child units and renaming units.

Changes go through ``app.org.service``; the route owns the commit, as on the account pages.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from app.admin import forms, queries
from app.db import db
from app.errors import ValidationError
from app.org import service as org_service
from app.org.models import OrgUnit
from app.user.models import Role
from app.web.access import page_principal, roles_required

bp = Blueprint("unit_pages", __name__, url_prefix="/admin/units")

ADMIN = (Role.sysadmin,)


@bp.get("")
@roles_required(*ADMIN)
def tree():
    values = forms.unit_values(MultiDict({"parent": request.args.get("parent", "")}))
    return _tree_page(values, {})


@bp.post("")
@roles_required(*ADMIN)
def create():
    principal = page_principal()
    values = forms.unit_values(request.form)
    errors = org_service.unit_problems(code=values["code"], name=values["name"], level=values["level"])
    parent = forms.unit_in_scope(values["parent"], principal, errors, "parent")
    supervises = forms.unit_in_scope(values["supervises"], principal, errors, "supervises", required=False)
    if errors:
        return _tree_page(values, errors, 422)
    try:
        unit = org_service.create(code=values["code"], name=values["name"], level=values["level"], parent=parent,
                                  supervises=supervises, actor=principal.label)
    except ValidationError as err:  # a taken code answers 409
        db.session.rollback()
        return _tree_page(values, forms.field_errors(err), err.status)
    db.session.commit()
    flash(f"已新建机构 {unit.name}（{unit.code}），上级：{parent.name}", "success")
    return redirect(url_for(".tree", _anchor=f"unit-{unit.id}"))


def _tree_page(values: dict, errors: dict, status: int = 200):
    principal = page_principal()
    units = queries.scope_units(principal)
    return render_template("admin/units.html", tree=queries.tree(units), values=values, errors=errors,
                           supervised_by=queries.supervised_by(units), counts=queries.account_counts(principal),
                           org_options=queries.unit_options(units), level_options=forms.LEVEL_OPTIONS), status


@bp.get("/<int:unit_id>")
@roles_required(*ADMIN)
def unit(unit_id: int):
    return _unit_page(queries.get_unit(unit_id, page_principal()))


@bp.post("/<int:unit_id>/name")
@roles_required(*ADMIN)
def rename(unit_id: int):
    principal = page_principal()
    unit = queries.get_unit(unit_id, principal)
    before, name = unit.name, request.form.get("name", "")
    try:
        org_service.rename(unit, name=name, actor=principal.label)
    except ValidationError as err:
        db.session.rollback()
        return _unit_page(unit, name=name, errors=forms.field_errors(err), status=err.status)
    db.session.commit()
    flash(f"已将机构 {unit.code} 的名称由「{before}」改为「{unit.name}」", "success")
    return redirect(url_for(".unit", unit_id=unit.id))


def _unit_page(unit: OrgUnit, *, name: str | None = None, errors: dict | None = None, status: int = 200):
    principal = page_principal()
    units = queries.scope_units(principal)
    return render_template("admin/unit.html", unit=unit, name=unit.name if name is None else name,
                           errors=errors or {}, children=[u for u in units if u.parent_id == unit.id],
                           supervisors=queries.supervised_by(units).get(unit.id, []),
                           accounts=queries.account_counts(principal)[unit.id],
                           parent_visible=unit.parent is not None and principal.can_see(unit.parent)), status
