"""Deploy-time problems placed on the diagram: each ``file:line: message`` to its element."""

from __future__ import annotations

import re

from . import xmlsafe

_PROBLEM = re.compile(r"^(?P<file>[^:]*):(?P<line>\d+): (?P<message>.*)$", re.S)


def locate(xml: str, problems: list[str]) -> list[dict]:
    """Return each problem with the id of the BPMN element on its line (None if none)."""
    try:
        tree = xmlsafe.parse(xml)
    except xmlsafe.UnsafeXML:
        tree = None
    by_line: dict[int, str] = {}
    if tree is not None:
        for el in tree.iter():
            if isinstance(el.tag, str) and el.get("id") and "BPMN/20100524/MODEL" in el.tag:
                by_line.setdefault(el.sourceline, el.get("id"))
    located = []
    for problem in problems:
        match = _PROBLEM.match(problem)
        line = int(match["line"]) if match else None
        located.append({"line": line, "element_id": by_line.get(line) if line else None,
                        "message": match["message"] if match else problem})
    return located
