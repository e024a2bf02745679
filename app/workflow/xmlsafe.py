"""Reading uploaded BPMN safely: no DTD, no entities, no network, bounded size.

An uploaded model is untrusted. lxml is told not to resolve entities, load DTDs or touch the network,
and any document that declares a DOCTYPE at all is refused before parsing: that is where
"billion laughs" and external-entity (XXE) payloads live, and no BPMN editor writes one.
"""
from __future__ import annotations

import re

from lxml import etree

MAX_XML_BYTES = 2_000_000
# Elements may come from BPMN, its diagram interchange, SpiffWorkflow's extensions and bpmn-js's colours
# only: an XHTML or SVG element (a <script>) would run if a stored model were ever shown as a document.
ALLOWED_NAMESPACES = frozenset({
    "http://www.omg.org/spec/BPMN/20100524/MODEL", "http://www.omg.org/spec/BPMN/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DC", "http://www.omg.org/spec/DD/20100524/DI",
    "http://www.w3.org/2001/XMLSchema-instance", "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "http://bpmn.io/schema/bpmn/biocolor/1.0", "http://www.omg.org/spec/BPMN/non-normative/color/1.0"})
_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)


class UnsafeXmlError(ValueError):
    """The document is too large, not UTF-8, declares a DTD or entities, or is not well-formed."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False)


def parse(document: str | bytes) -> etree._Element:
    """The root element of a well-formed, DTD-free document; raises UnsafeXmlError otherwise."""
    data = document.encode("utf-8") if isinstance(document, str) else bytes(document)
    if len(data) > MAX_XML_BYTES:
        raise UnsafeXmlError(f"文件过大（{len(data)} 字节，上限 {MAX_XML_BYTES} 字节）")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnsafeXmlError("文件必须是 UTF-8 编码") from None
    match = _DECLARATIONS.search(data)
    if match:
        line = data[:match.start()].count(b"\n") + 1
        raise UnsafeXmlError("不允许 DOCTYPE 或实体声明（可能是 XXE 外部实体或“十亿笑”攻击），已拒绝", line)
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as err:
        raise UnsafeXmlError(f"不是格式正确的 XML：{err.msg}", err.lineno) from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise UnsafeXmlError("不允许 DOCTYPE 声明")
    _check_content(root)
    return root


def _check_content(root: etree._Element) -> None:
    siblings = [*root.itersiblings(preceding=True), *root.itersiblings()]
    for node in (*siblings, *root.iter()):
        if isinstance(node, etree._ProcessingInstruction):
            raise UnsafeXmlError(f"不允许处理指令 <?{node.target} …?>", node.sourceline)
        if isinstance(node.tag, str) and etree.QName(node).namespace not in ALLOWED_NAMESPACES:
            raise UnsafeXmlError(f"不允许的元素 {etree.QName(node).localname}（命名空间 "
                                 f"{etree.QName(node).namespace or '无'}）：BPMN 文件只能包含 BPMN、图形和"
                                 f"SpiffWorkflow 扩展元素", node.sourceline)


def text_of(document: str | bytes) -> str:
    """The document as text (for storage), after the same checks."""
    parse(document)
    return document if isinstance(document, str) else document.decode("utf-8")
