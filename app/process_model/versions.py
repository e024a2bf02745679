"""Stored model versions: adding, deploying and retiring them, and which version new cases use.

Nothing is stored unless it passed validation (``app.process_model.validation``); deploying validates
again (the calendar or the product's functions may have changed since). Services flush; the caller
commits, so a state change and its audit record share one transaction.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app import audit
from app.clock import now
from app.db import db
from app.errors import ConflictError, NotFoundError
from app.process_model import diffs, parameters, validation
from app.process_model.models import ModelStatus, ProcessModel
from app.settings import PROJECT_ROOT
from app.workflow.errors import ModelError
from app.workflow.registry import checksum, read_model_files

DEFAULT_MODELS = {"bad_review": PROJECT_ROOT / "bpmn" / "bad_review.bpmn"}


def deployed(process_id: str) -> ProcessModel | None:
    return db.session.scalar(select(ProcessModel).where(
        ProcessModel.process_id == process_id, ProcessModel.status == ModelStatus.deployed)
        .order_by(ProcessModel.version.desc()).limit(1))


def latest(process_id: str) -> ProcessModel | None:
    return db.session.scalar(select(ProcessModel).where(ProcessModel.process_id == process_id)
                             .order_by(ProcessModel.version.desc()).limit(1))


def all_versions(process_id: str) -> list[ProcessModel]:
    return list(db.session.scalars(select(ProcessModel).where(ProcessModel.process_id == process_id)
                                   .order_by(ProcessModel.version.desc())))


def process_ids() -> list[str]:
    stored = set(db.session.scalars(select(ProcessModel.process_id).distinct()))
    return sorted(stored | set(DEFAULT_MODELS))


def get_version(process_id: str, version: int) -> ProcessModel:
    model = db.session.scalar(select(ProcessModel).where(ProcessModel.process_id == process_id,
                                                         ProcessModel.version == version))
    if model is None:
        raise NotFoundError(f"流程模型 {process_id} 第 {version} 版不存在")
    return model


def default_test_cases(process_id: str) -> dict[str, Any] | None:
    path = DEFAULT_MODELS.get(process_id)
    test_file = path.with_suffix(".test.json") if path else None
    if test_file is None or not test_file.exists():
        return None
    return json.loads(test_file.read_text(encoding="utf-8"))


def add_version(*, process_id: str, bpmn_xml: str, forms: dict, source: str, actor: str,
                comment: str | None = None, deploy: bool = True, test_cases: dict | None = None,
                actor_id: int | None = None, reuse_validation: bool = False) -> ProcessModel:
    """Validates (every check; the dry run when test cases are given) and stores a new version.

    Raises ModelError listing every problem, and stores nothing, when validation fails. Deploying
    the new version retires the previously deployed one.
    """
    check = validation.validate_once if reuse_validation else validation.validate
    report = check(bpmn_xml, forms, process_id, test_cases=test_cases, source=source)
    report.raise_if_failed()
    bundle = report.bundle
    previous = latest(process_id)
    model = ProcessModel(
        process_id=process_id, version=(previous.version if previous else 0) + 1, bpmn_xml=bundle.bpmn_xml,
        forms=forms, spec_json=bundle.spec_json, checksum=bundle.checksum, source=source, comment=comment,
        created_at=now(), created_by=actor, created_by_id=actor_id, status=ModelStatus.draft,
        test_cases=test_cases, validation={**report.as_dict(), "checked_at": now().isoformat()},
        diff_summary=diffs.summary(previous.bpmn_xml if previous else None, previous.forms if previous else None,
                                   bundle.bpmn_xml, forms, process_id,
                                   against_version=previous.version if previous else None))
    db.session.add(model)
    db.session.flush()
    audit.record(actor=actor, action="model.version_added", subject_type="model", subject_id=model.id,
                 payload={"process_id": process_id, "version": model.version, "checksum": model.checksum,
                          "source": source, "comment": comment, "diff": model.diff_summary})
    if deploy:
        _make_deployed(model, actor)
    return model


def deploy(model: ProcessModel, *, actor: str) -> ProcessModel:
    """Makes ``model`` the version new cases start on, after validating it again."""
    if model.status == ModelStatus.deployed:
        raise ConflictError(f"第 {model.version} 版已是部署版本")
    report = validation.validate(model.bpmn_xml, model.forms, model.process_id, test_cases=model.test_cases,
                                 source=f"{model.process_id}@v{model.version}")
    model.validation = {**report.as_dict(), "checked_at": now().isoformat()}
    report.raise_if_failed()
    _make_deployed(model, actor)
    return model


def _make_deployed(model: ProcessModel, actor: str) -> None:
    previous = deployed(model.process_id)
    if previous is not None and previous.id != model.id:
        previous.status, previous.retired_at = ModelStatus.retired, now()
    model.status, model.deployed_at, model.retired_at = ModelStatus.deployed, now(), None
    db.session.flush()
    audit.record(actor=actor, action="model.deployed", subject_type="model", subject_id=model.id,
                 payload={"process_id": model.process_id, "version": model.version, "checksum": model.checksum,
                          "replaces_version": previous.version if previous is not None else None})


def retire(model: ProcessModel, *, actor: str) -> ProcessModel:
    """Withdraws a draft (or an older version); the deployed version is replaced by deploying another."""
    if model.status == ModelStatus.deployed:
        raise ConflictError("不能停用正在使用的部署版本：请先部署另一个版本")
    if model.status == ModelStatus.retired:
        raise ConflictError(f"第 {model.version} 版已停用")
    model.status, model.retired_at = ModelStatus.retired, now()
    audit.record(actor=actor, action="model.retired", subject_type="model", subject_id=model.id,
                 payload={"process_id": model.process_id, "version": model.version})
    return model


def revalidate(model: ProcessModel, *, actor: str) -> dict[str, Any]:
    report = validation.validate(model.bpmn_xml, model.forms, model.process_id, test_cases=model.test_cases,
                                 source=f"{model.process_id}@v{model.version}")
    model.validation = {**report.as_dict(), "checked_at": now().isoformat()}
    audit.record(actor=actor, action="model.validated", subject_type="model", subject_id=model.id,
                 payload={"process_id": model.process_id, "version": model.version, "ok": report.ok,
                          "problems": len(report.problems)})
    return model.validation


def sync_defaults(actor: str = "system") -> list[ProcessModel]:
    """Stores the shipped models as new deployed versions when they differ from the deployed ones."""
    added = []
    for process_id, path in DEFAULT_MODELS.items():
        xml, forms = read_model_files(path)
        current = deployed(process_id)
        if current is None or current.checksum != checksum(xml, forms):
            added.append(add_version(process_id=process_id, bpmn_xml=xml, forms=forms,
                                     source=f"bpmn/{Path(path).name}", actor=actor, comment="随产品发布的默认模型",
                                     test_cases=default_test_cases(process_id), reuse_validation=True))
    return added


def for_new_case(process_id: str) -> ProcessModel:
    """The deployed version; on a fresh database the shipped model is deployed first."""
    model = deployed(process_id)
    if model is None:
        sync_defaults()
        model = deployed(process_id)
    return model


def upload_defaults(process_id: str, forms: dict | None, test_cases: dict | None) -> tuple[dict, dict | None]:
    """Forms and test cases an upload leaves out are those of the latest version (or the shipped ones)."""
    previous = latest(process_id)
    if forms is None:
        if previous is not None:
            forms = previous.forms
        elif process_id in DEFAULT_MODELS:
            forms = read_model_files(DEFAULT_MODELS[process_id])[1]
        else:
            forms = {}
    if test_cases is None:
        test_cases = previous.test_cases if previous is not None else default_test_cases(process_id)
    return forms, test_cases


def add_upload(*, process_id: str, bpmn_xml: str | bytes, forms: dict | None, test_cases: dict | None,
               comment: str | None, actor: str, actor_id: int | None, source: str,
               deploy: bool = False) -> ProcessModel:
    """A version from an upload or the editor: a draft unless ``deploy``; nothing is stored when invalid."""
    forms, test_cases = upload_defaults(process_id, forms, test_cases)
    return add_version(process_id=process_id, bpmn_xml=_text(bpmn_xml), forms=forms, source=source, actor=actor,
                       comment=comment, deploy=deploy, test_cases=test_cases, actor_id=actor_id)


def check_upload(*, process_id: str, bpmn_xml: str | bytes, forms: dict | None,
                 test_cases: dict | None) -> dict[str, Any]:
    forms, test_cases = upload_defaults(process_id, forms, test_cases)
    report = validation.validate(bpmn_xml, forms, process_id, test_cases=test_cases)
    return {**report.as_dict(), "checked_at": now().isoformat()}


def _text(bpmn_xml: str | bytes) -> str:
    if isinstance(bpmn_xml, str):
        return bpmn_xml
    try:
        return bpmn_xml.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelError("BPMN 文件无法读取", [{"element": "", "line": None, "message": "文件必须是 UTF-8 编码"}]) \
            from None


def present(model: ProcessModel, *, detail: bool = False) -> dict[str, Any]:
    row = {key: getattr(model, key) for key in (
        "id", "process_id", "version", "checksum", "source", "comment", "created_at", "created_by", "deployed_at",
        "retired_at", "validation", "diff_summary")}
    row["status"] = str(model.status)
    if detail:
        row.update(forms=model.forms, test_cases=model.test_cases,
                   limits=diffs.describe_limits(model.bpmn_xml, model.process_id),
                   parameters=parameters.read(model.bpmn_xml, model.process_id))
    return row


def overview() -> list[dict[str, Any]]:
    rows = []
    for process_id in process_ids():
        versions = all_versions(process_id)
        current = next((v for v in versions if v.status == ModelStatus.deployed), None)
        rows.append({"process_id": process_id, "deployed_version": current.version if current else None,
                     "latest_version": versions[0].version if versions else None, "versions": len(versions)})
    return rows
