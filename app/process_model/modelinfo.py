"""What a BPMN document says, read from its XML: flow nodes, lanes, expressions, data flow, time limits.

Validation and the version diff both work from this reading (not from SpiffWorkflow's spec), so they
can report on a model the engine cannot parse, and name every element by its BPMN id.
"""
from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from app.workflow import sandbox

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}

FLOW_NODES = frozenset({
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "exclusiveGateway",
    "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway"})
HUMAN_TASKS = frozenset({"userTask", "manualTask", "task"})
TIMER_KINDS = ("timeDate", "timeDuration", "timeCycle")


@dataclass(frozen=True)
class Expression:
    element: str  # BPMN id of the element that holds it
    kind: str  # condition | script | timeDate | timeDuration | timeCycle | loop | rule
    source: str
    mode: str  # "eval" or "exec"
    line: int | None = None


@dataclass
class Node:
    id: str
    kind: str  # local tag name: userTask, scriptTask, …
    name: str
    lane: str | None
    parent: str | None  # enclosing subProcess id
    properties: dict[str, str] = field(default_factory=dict)
    line: int | None = None


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


class ModelInfo:
    """A reading of one process (``process_id``) of a BPMN document."""

    def __init__(self, root: etree._Element, process_id: str):
        self.root = root
        self.process = root.find(f"bpmn:process[@id='{process_id}']", NS) if _safe_id(process_id) else None
        self.nodes: dict[str, Node] = {}
        self.flows: list[tuple[str, str, str, str | None]] = []  # (flow id, source, target, condition)
        self.lanes: dict[str, str] = {}  # lane id -> lane name
        self.lines: dict[str, int | None] = {}  # element id -> source line
        self._by_id: dict[str, etree._Element] = {}
        if self.process is not None:
            self._read()

    # -- reading --------------------------------------------------------------------------------
    def _read(self) -> None:
        lane_of: dict[str, str] = {}
        for lane in self.process.iterfind(".//bpmn:lane", NS):
            self.lanes[lane.get("id", "")] = lane.get("name") or ""
            for ref in lane.iterfind("bpmn:flowNodeRef", NS):
                lane_of[_text(ref)] = lane.get("name") or ""
        for element in self.process.iter():
            kind = _local(element)
            if element.get("id"):
                self._by_id.setdefault(element.get("id"), element)
            if kind in FLOW_NODES and element.get("id"):
                parent = next((a.get("id") for a in element.iterancestors()
                               if _local(a) in {"subProcess", "transaction"}), None)
                self.nodes[element.get("id")] = Node(
                    element.get("id"), kind, element.get("name") or "", lane_of.get(element.get("id")), parent,
                    _properties(element), element.sourceline)
            elif kind == "sequenceFlow":
                self.lines[element.get("id", "")] = element.sourceline
                condition = element.find("bpmn:conditionExpression", NS)
                self.flows.append((element.get("id", ""), element.get("sourceRef", ""),
                                   element.get("targetRef", ""), _text(condition) or None))

    def element(self, element_id: str) -> etree._Element | None:
        return self._by_id.get(element_id)

    def human_tasks(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind in HUMAN_TASKS]

    def expressions(self) -> list[Expression]:
        found: list[Expression] = []
        for flow_id, _, _, condition in self.flows:
            if condition:
                found.append(Expression(flow_id, "condition", condition, "eval", self.lines.get(flow_id)))
        for element in self.process.iter():
            kind = _local(element)
            owner = _owner_id(element)
            if (kind == "script" and _local(element.getparent()) == "scriptTask") \
                    or kind in {"preScript", "postScript"}:
                found.append(Expression(owner, "script", element.text or "", "exec", element.sourceline))
            elif kind in TIMER_KINDS:
                found.append(Expression(owner, kind, _text(element), "eval", element.sourceline))
            elif kind in {"loopCardinality", "completionCondition", "condition"} and _text(element):
                found.append(Expression(owner, "loop" if kind != "condition" else "condition", _text(element),
                                        "eval", element.sourceline))
        return found

    # -- data flow -------------------------------------------------------------------------------
    def successors(self) -> dict[str, set[str]]:
        graph: dict[str, set[str]] = {node_id: set() for node_id in self.nodes}
        for _, source, target, _ in self.flows:
            graph.setdefault(source, set()).add(target)
        for node in self.nodes.values():
            if node.kind in {"subProcess", "transaction"}:
                inner = [n for n in self.nodes.values() if n.parent == node.id]
                graph[node.id] |= {n.id for n in inner if n.kind == "startEvent"}
                after = set(graph[node.id]) - {n.id for n in inner}
                for end in (n for n in inner if n.kind == "endEvent"):
                    graph[end.id] |= after
            if node.kind == "boundaryEvent":
                attached = self.element(node.id).get("attachedToRef")
                graph.setdefault(attached, set()).add(node.id)
                for inner in (n for n in self.nodes.values() if n.parent == attached):
                    graph[inner.id].add(node.id)
        return graph

    def upstream(self, node_id: str, graph: dict[str, set[str]] | None = None) -> set[str]:
        """Every node from which ``node_id`` can be reached (not itself, unless on a loop)."""
        graph = graph or self.successors()
        reverse: dict[str, set[str]] = {}
        for source, targets in graph.items():
            for target in targets:
                reverse.setdefault(target, set()).add(source)
        seen: set[str] = set()
        queue = deque(reverse.get(node_id, ()))
        while queue:
            current = queue.popleft()
            if current not in seen:
                seen.add(current)
                queue.extend(reverse.get(current, ()))
        return seen

    def produced_by(self, node_id: str, forms: dict[str, Any]) -> set[str]:
        """Data names a node makes: its scripts' assignments, its form's fields, its loop output."""
        node = self.nodes[node_id]
        element = self.element(node_id)
        names: set[str] = set()
        for script in element.iter(f"{{{BPMN}}}script", f"{{{SPIFF}}}preScript", f"{{{SPIFF}}}postScript"):
            names |= sandbox.names_written(script.text or "")
        if node.kind in HUMAN_TASKS:
            form = forms.get(node.properties.get("form", node.id))
            if isinstance(form, dict):
                names |= set((form.get("properties") or {}).keys())
        loop = element.find("bpmn:multiInstanceLoopCharacteristics", NS)
        if loop is not None:
            names |= {_text(loop.find("bpmn:loopDataOutputRef", NS))}
            names |= {item.get("name") or item.get("id") or "" for item in loop.iterfind("bpmn:inputDataItem", NS)}
            names |= {item.get("name") or item.get("id") or "" for item in loop.iterfind("bpmn:outputDataItem", NS)}
        for variable in element.iter(f"{{{SPIFF}}}messageVariable"):
            names.add(_text(variable))
        return names - {""}

    def breadth_first(self) -> list[str]:
        """Node ids from the process's start events outwards (each once)."""
        graph = self.successors()
        starts = [n.id for n in self.nodes.values() if n.kind == "startEvent" and n.parent is None]
        order, seen, queue = [], set(starts), deque(starts)
        while queue:
            current = queue.popleft()
            order.append(current)
            for following in sorted(graph.get(current, ())):
                if following not in seen:
                    seen.add(following)
                    queue.append(following)
        return order + [n for n in self.nodes if n not in seen]

    # -- limits ----------------------------------------------------------------------------------
    def limits(self) -> dict[str, Any]:
        """Numbers set as literals in the model's scripts (``limit_days.general`` → 5), first assignment wins."""
        found: dict[str, Any] = {}
        for expression in self.expressions():
            if expression.kind == "script":
                for name, value in literal_numbers(expression.source):
                    if "days" in name or "limit" in name:  # time limits, not counters such as appeal_count
                        found.setdefault(name, value)
        return found


def literal_numbers(script: str) -> list[tuple[str, Any]]:
    try:
        tree = ast.parse(script)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return []
    found = []
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
                and isinstance(statement.targets[0], ast.Name):
            found.extend(_numbers(statement.targets[0].id, statement.value))
    return found


def _numbers(path: str, value: ast.AST) -> list[tuple[str, Any]]:
    if isinstance(value, ast.Constant) and isinstance(value.value, int | float) and not isinstance(value.value, bool):
        return [(path, value.value)]
    if isinstance(value, ast.Dict):
        found = []
        for key, item in zip(value.keys, value.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                found.extend(_numbers(f"{path}.{key.value}", item))
        return found
    return []


def _properties(element: etree._Element) -> dict[str, str]:
    properties = {}
    extensions = element.find("bpmn:extensionElements", NS)
    if extensions is not None:
        for prop in extensions.iterfind("spiffworkflow:properties/spiffworkflow:property", NS):
            properties[prop.get("name", "")] = prop.get("value", "")
    return properties


def _owner_id(element: etree._Element) -> str:
    for candidate in (element, *element.iterancestors()):
        if _local(candidate) in FLOW_NODES and candidate.get("id"):
            return candidate.get("id")
    return ""


def _safe_id(value: str) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 255 and "'" not in value
