"""Parser checks: a model (BPMN with its forms) read into the engine's specs, and the parsed specs cached per
stored version."""
from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from app.workflow import xmlsafe
from app.workflow.errors import ModelError
from app.workflow.serializer import serializer


class StoredModel(Protocol):
    """What the cache needs of a stored model version (the registry's table row)."""

    id: int
    process_id: str
    version: int
    bpmn_xml: str
    forms: dict[str, Any]
    checksum: str


@dataclass
class ModelBundle:
    """A parsed model version: what starting and restoring cases need."""

    process_id: str
    bpmn_xml: str
    forms: dict[str, Any]
    spec: Any
    subprocess_specs: dict[str, Any]
    spec_dict: dict[str, Any] = field(repr=False)
    checksum: str = ""

    @cached_property
    def parameters(self) -> dict[str, int]:
        """The model's rule parameters (``parameter:<name>`` properties): start data every new case receives."""
        return model_parameters(self.spec.task_specs.values())

    @cached_property
    def spec_json(self) -> str:
        return json.dumps(self.spec_dict, sort_keys=True)

    def user_task_specs(self) -> list[Any]:
        specs = list(self.spec.task_specs.values())
        for sub in self.subprocess_specs.values():
            specs.extend(sub.task_specs.values())
        return [s for s in specs if getattr(s, "manual", False) and getattr(s, "bpmn_id", None)]


PARAMETER_PREFIX = "parameter:"


def model_parameters(task_specs: Iterable[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for task_spec in task_specs:
        for name, value in _properties(task_spec).items():
            if name.startswith(PARAMETER_PREFIX):
                try:
                    found.setdefault(name[len(PARAMETER_PREFIX):], int(value))
                except ValueError:
                    raise ModelError("时限参数无效", [{"element": getattr(task_spec, "bpmn_id", "") or "",
                                                      "message": f"参数 {name} 的值 {value!r} 不是整数"}]) from None
    return found


def checksum(bpmn_xml: str, forms: dict[str, Any]) -> str:
    body = bpmn_xml.encode() + json.dumps(forms, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(body).hexdigest()


def parse(bpmn_xml: str, forms: dict[str, Any], process_id: str, source: str = "model.bpmn") -> ModelBundle:
    """Parses and checks a model; raises ModelError listing the problems found.

    The XML is read by the safe reader (no DTD, entities or network) and handed to SpiffWorkflow as a
    tree, so the library's own parser never sees the uploaded bytes.
    """
    try:
        root = xmlsafe.parse(bpmn_xml)
    except xmlsafe.UnsafeXmlError as err:
        raise ModelError("BPMN 文件无法读取", [{"element": "", "line": err.line, "message": err.message}]) from None
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(root, filename=source)
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except ValidationException as err:
        raise ModelError("BPMN 模型无效", [{"element": err.id or "", "line": err.line_number,
                                            "message": str(err).splitlines()[0]}]) from None
    bundle = ModelBundle(process_id, bpmn_xml, forms, spec, subprocess_specs, spec_dict={},
                         checksum=checksum(bpmn_xml, forms))
    bundle.parameters  # noqa: B018 - a parameter that is not a number is reported now, not at the first case
    missing = [s.bpmn_id for s in bundle.user_task_specs()
               if _properties(s).get("form", s.bpmn_id) not in forms]
    if missing:
        raise ModelError("用户任务缺少表单定义", [{"element": t, "message": "缺少表单 bpmn/forms/<form>.json"}
                                                for t in missing])
    state = serializer.to_dict(BpmnWorkflow(spec, subprocess_specs))
    bundle.spec_dict = {"spec": state["spec"], "subprocess_specs": state["subprocess_specs"]}
    return bundle


def engine_problems(root: etree._Element, process_id: str, source: str) -> list[dict[str, Any]]:
    """What the BPMN 2.0 schema and SpiffWorkflow's parser find wrong with a document (empty when nothing)."""
    VALIDATOR.preprocess(root)
    if not VALIDATOR.validator.validate(root):
        return [_problem(_element_at_line(root, error.line), f"不符合 BPMN 2.0 规范：{error.message}", error.line)
                for error in VALIDATOR.validator.error_log]
    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(root, filename=source)
        parser.get_spec(process_id)
        parser.get_subprocess_specs(process_id)
    except ValidationException as err:
        return [_problem(err.id or "", f"流程引擎无法解析：{str(err).splitlines()[0]}", err.line_number or None)]
    except Exception as err:  # noqa: BLE001 - the parser raises many kinds on odd input; report, don't crash
        return [_problem("", f"流程引擎无法解析：{type(err).__name__}: {err}")]
    return []


def _problem(element: str, message: str, line: int | None = None) -> dict[str, Any]:
    return {"element": element or "", "line": line, "message": message}


def _element_at_line(root: etree._Element, line: int | None) -> str:
    for element in root.iter():
        element_id = element.get("id")
        if isinstance(element.tag, str) and element.sourceline == line and element_id:
            return str(element_id)
    return ""


def _properties(task_spec: Any) -> dict[str, str]:
    properties: dict[str, str] = (getattr(task_spec, "extensions", None) or {}).get("properties", {}) or {}
    return properties


def read_model_files(bpmn_path: Path) -> tuple[str, dict[str, Any]]:
    """The BPMN text and its form schemas (``forms/<form>.json`` beside the model)."""
    forms_dir = bpmn_path.parent / "forms"
    forms = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(forms_dir.glob("*.json"))}
    return bpmn_path.read_text(encoding="utf-8"), forms


def load_bundle_from_files(bpmn_path: Path, process_id: str) -> ModelBundle:
    xml, forms = read_model_files(bpmn_path)
    return parse(xml, forms, process_id, source=bpmn_path.name)


_cache: dict[int, ModelBundle] = {}
_cache_lock = threading.Lock()


def get_bundle(model: StoredModel) -> ModelBundle:
    """The parsed spec of a stored version, parsed once per process."""
    with _cache_lock:
        bundle = _cache.get(model.id)
        if bundle is None or bundle.checksum != model.checksum:
            source = f"{model.process_id}@v{model.version}"
            bundle = parse(model.bpmn_xml, model.forms, model.process_id, source=source)
            _cache[model.id] = bundle
        return bundle
