"""Deploy-time check: every flow node can be reached from a start event.

Each scope (the process, each sub-process) is a graph of its own flow nodes
joined by sequence flows; a boundary event is reached with the activity it
is attached to, an event sub-process with its enclosing scope.
"""

from __future__ import annotations

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": BPMN}
NOT_NODES = {"sequenceFlow", "laneSet", "documentation", "extensionElements", "textAnnotation",
             "association", "dataObject", "dataObjectReference", "dataStoreReference",
             "ioSpecification", "property", "multiInstanceLoopCharacteristics",
             "standardLoopCharacteristics", "incoming", "outgoing"}


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _nodes(scope: etree._Element) -> list[etree._Element]:
    return [el for el in scope if isinstance(el.tag, str) and el.get("id")
            and _local(el) not in NOT_NODES and el.tag.startswith(f"{{{BPMN}}}")]


def _reached(scope: etree._Element) -> set[str]:
    nodes = {el.get("id"): el for el in _nodes(scope)}
    edges: dict[str, list[str]] = {}
    for flow in scope.findall("bpmn:sequenceFlow", NS):
        edges.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
    boundaries: dict[str, list[str]] = {}
    for el in nodes.values():
        if _local(el) == "boundaryEvent":
            boundaries.setdefault(el.get("attachedToRef"), []).append(el.get("id"))
    todo = [i for i, el in nodes.items()
            if _local(el) == "startEvent" or el.get("triggeredByEvent") == "true"]
    seen: set[str] = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        todo.extend(edges.get(node, []) + boundaries.get(node, []))
    return seen


def check_reachable(tree, filename, forms_dir, forms) -> list[str]:
    """Flow nodes that no path from a start event reaches are reported."""
    problems = []
    scopes = [*tree.iterfind(".//bpmn:process", NS), *tree.iterfind(".//bpmn:subProcess", NS)]
    for scope in scopes:
        reached = _reached(scope)
        for el in _nodes(scope):
            if el.get("id") not in reached:
                label = el.get("name") or el.get("id")
                problems.append(f"{filename}:{el.sourceline}: 「{label}」从开始事件无法到达 "
                                f"(unreachable element)")
    return problems
