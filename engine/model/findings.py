"""Deploy-time problems placed on the diagram: each ``file:line: message`` to its element.

Designers read the findings in Chinese and on the element at fault.  The checks
in :mod:`engine.loading` write Chinese with an English note in brackets (kept
there for logs and the CLI); :func:`chinese` drops the notes and the English
details parsers add, through the table :data:`MESSAGES`, so the checks
themselves need no change.  A problem of a lane (no role, an unknown role) is
placed on the lane, not on the task that revealed it.
"""

from __future__ import annotations

import re

from engine.base import xmlsafe
from engine.model.namespaces import BPMN_TAG
from engine.model.trees import tree_of

_PROBLEM = re.compile(r"^(?P<file>[^:]*):(?P<line>\d+): (?P<message>.*)$", re.S)
#: " (user task has no lane)": the English note after a Chinese message
_ENGLISH_NOTE = re.compile(r"\s*\((?=[A-Za-z])[A-Za-z0-9 ,.'/_-]*\)")
_CJK = re.compile(r"[\u3400-\u9fff]")

#: English details that parsers put in a message, in Chinese: (pattern, replacement)
MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"XML 语法错误：?.*?line (\d+), column (\d+).*$", re.S), r"XML 语法错误：第\1行第\2列附近格式不正确"),
    (re.compile(r"语法错误：\s*invalid syntax.*$"), "语法错误"),
    (re.compile(r"\bnot found\b", re.I), "未找到"),
]
#: findings about the lane an element sits in: they belong on the lane
LANE_FINDINGS = ("所在泳道未指定角色", "不是已知角色")


def chinese(message: str) -> str:
    """Return ``message`` in Chinese only: English notes dropped, known English details translated."""
    text = _ENGLISH_NOTE.sub("", message)
    text = re.sub(r":\s+", "：", text) if _CJK.search(text) else text
    for pattern, replacement in MESSAGES:
        text = pattern.sub(replacement, text)
    parts = text.split("：")
    while len(parts) > 1 and not _CJK.search(parts[-1]) and "`" not in parts[-1]:
        parts.pop()  # a trailing English detail: the Chinese before it says what is wrong
    return "：".join(parts) if _CJK.search(text) else f"模型校验未通过：{text}"


def locate(xml: str, problems: list[str]) -> list[dict]:
    """Return each problem, in Chinese, with the id of the BPMN element at fault (None if none)."""
    try:
        tree = tree_of(xml)
    except xmlsafe.UnsafeXML:
        tree = None
    by_line, lanes = _elements(tree)
    located = []
    for problem in problems:
        match = _PROBLEM.match(problem)
        line = int(match["line"]) if match else None
        message = match["message"] if match else problem
        element = by_line.get(line) if line else None
        if element and any(key in message for key in LANE_FINDINGS):
            element = lanes.get(element, element)
        located.append({"line": line, "element_id": element, "message": chinese(message)})
    return located


def _elements(tree) -> tuple[dict[int, str], dict[str, str]]:
    """Return the id of the element on each line, and each flow node's lane."""
    by_line: dict[int, str] = {}
    lanes: dict[str, str] = {}
    if tree is None:
        return by_line, lanes
    for el in tree.iter():
        if isinstance(el.tag, str) and el.get("id") and el.tag.startswith(BPMN_TAG):
            by_line.setdefault(el.sourceline, el.get("id"))
        if el.tag == f"{BPMN_TAG}lane" and el.get("id"):
            for ref in el.iter(f"{BPMN_TAG}flowNodeRef"):
                lanes[(ref.text or "").strip()] = el.get("id")
    return by_line, lanes
