"""Stored model versions: loading the models shipped in bpmn/, and which version new cases use."""
from __future__ import annotations

from sqlalchemy import func, select

from app import audit
from app.clock import now
from app.db import db
from app.settings import PROJECT_ROOT
from app.workflow.models import ModelStatus, ProcessModel
from app.workflow.registry import checksum, parse, read_model_files

DEFAULT_MODELS = {"bad_review": PROJECT_ROOT / "bpmn" / "bad_review.bpmn"}


def deployed(process_id: str) -> ProcessModel | None:
    return db.session.scalar(select(ProcessModel).where(
        ProcessModel.process_id == process_id, ProcessModel.status == ModelStatus.deployed)
        .order_by(ProcessModel.version.desc()).limit(1))


def add_version(*, process_id: str, bpmn_xml: str, forms: dict, source: str, actor: str,
                comment: str | None = None, deploy: bool = True) -> ProcessModel:
    """Validates and stores a new version; deploying it retires the previous deployed one."""
    bundle = parse(bpmn_xml, forms, process_id, source=source)
    latest = db.session.scalar(select(func.max(ProcessModel.version)).where(ProcessModel.process_id == process_id))
    model = ProcessModel(process_id=process_id, version=(latest or 0) + 1, bpmn_xml=bpmn_xml, forms=forms,
                         spec_json=bundle.spec_json, checksum=bundle.checksum, source=source, comment=comment,
                         created_at=now(), created_by=actor, status=ModelStatus.draft)
    db.session.add(model)
    db.session.flush()
    if deploy:
        previous = deployed(process_id)
        if previous is not None:
            previous.status = ModelStatus.retired
        model.status, model.deployed_at = ModelStatus.deployed, now()
    audit.record(actor=actor, action="model.deployed" if deploy else "model.added", subject_type="model",
                 subject_id=model.id, payload={"process_id": process_id, "version": model.version,
                                               "checksum": model.checksum, "source": source})
    return model


def sync_defaults(actor: str = "system") -> list[ProcessModel]:
    """Stores the shipped models as new deployed versions when they differ from the deployed ones."""
    added = []
    for process_id, path in DEFAULT_MODELS.items():
        xml, forms = read_model_files(path)
        current = deployed(process_id)
        if current is None or current.checksum != checksum(xml, forms):
            added.append(add_version(process_id=process_id, bpmn_xml=xml, forms=forms,
                                     source=f"bpmn/{path.name}", actor=actor, comment="随产品发布的默认模型"))
    return added


def for_new_case(process_id: str) -> ProcessModel:
    """The deployed version; on a fresh database the shipped model is deployed first."""
    model = deployed(process_id)
    if model is None:
        sync_defaults()
        model = deployed(process_id)
    return model
