"""Reading uploaded BPMN safely: no DTD, no entities, no network, bounded size.

An uploaded model is untrusted. lxml is told not to resolve entities, load DTDs or touch the network,
and any document that declares a DOCTYPE at all is refused before parsing: that is where
"billion laughs" and external-entity (XXE) payloads live, and no BPMN editor writes one.
"""
from __future__ import annotations

import re

from lxml import etree

MAX_XML_BYTES = 2_000_000
_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)


class UnsafeXmlError(ValueError):
    """The document is too large, not UTF-8, declares a DTD or entities, or is not well-formed."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_pis=True)


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
    return root


def text_of(document: str | bytes) -> str:
    """The document as text (for storage), after the same checks."""
    parse(document)
    return document if isinstance(document, str) else document.decode("utf-8")
