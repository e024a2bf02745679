"""The schemas' own messages in Chinese for the error report: the API schemas write their rules' messages
in Chinese already, while marshmallow's built-in ones (required, type, length, choices) are English."""
from __future__ import annotations

import re

_EXACT = {
    "Missing data for required field.": "必填，不能为空",
    "Field may not be null.": "不能为空",
    "Invalid value.": "值无效",
    "Not a valid string.": "须为文字",
    "Not a valid utf-8 string.": "须为文字",
    "Not a valid integer.": "须为整数",
    "Not a valid number.": "须为数字",
    "Number too large.": "数值过大",
    "Not a valid boolean.": "须为“是”或“否”（true/false）",
    "Not a valid datetime.": "不是有效的时间，例如 2026-11-20 10:00:00",
    "Not a valid aware datetime.": "时间须带时区，例如 2026-11-20T10:00:00+08:00",
    "Not a valid list.": "须为列表",
    "Not a valid IP address.": "不是有效的网络地址",
    "Unknown field.": "不认识的字段",
    "Invalid input type.": "须为 JSON 对象",
    "String does not match expected pattern.": "格式无效",
}
_PATTERNS = [
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), "长度须为 {0}–{1} 个字符"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), "长度至少 {0} 个字符"),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), "长度最多 {0} 个字符"),
    (re.compile(r"^Length must be (\d+)\.$"), "长度须为 {0} 个字符"),
    (re.compile(r"^Must be one of: (.*)\.$"), "须为以下之一：{0}"),
    (re.compile(r"^Must be (?:greater than or equal to|greater than) (\S+)\.$"), "不能小于 {0}"),
    (re.compile(r"^Must be (?:less than or equal to|less than) (\S+)\.$"), "不能大于 {0}"),
]
_CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese(message: str) -> str:
    """The message in Chinese; messages already in Chinese pass unchanged."""
    if _CJK.search(message):
        return message
    if message in _EXACT:
        return _EXACT[message]
    for pattern, template in _PATTERNS:
        match = pattern.match(message)
        if match:
            return template.format(*match.groups())
    return f"值无效（{message}）"


def flatten(messages: dict | list | str, field: str = "") -> list[tuple[str, str]]:
    """marshmallow's nested error messages as ``(field, Chinese message)`` pairs; a list item's problem is
    named by its position ("第 2 项：…"), a problem of the whole row by the field ``""``."""
    if isinstance(messages, str):
        return [(field, chinese(messages))]
    if isinstance(messages, list):
        return [pair for item in messages for pair in flatten(item, field)]
    pairs = []
    for key, value in messages.items():
        if isinstance(key, int):
            pairs += [(field, f"第 {key + 1} 项：{text}") for _, text in flatten(value, field)]
        else:
            pairs += flatten(value, "" if key == "_schema" else str(key))
    return pairs
