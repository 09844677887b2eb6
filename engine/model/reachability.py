"""Deploy-time check: every flow node can be reached from a start event.

Each scope (the process, each sub-process) is a graph of its own flow nodes
joined by sequence flows; a boundary event is reached with the activity it
is attached to, an event sub-process with its enclosing scope.
"""

from __future__ import annotations

from lxml import etree

from engine.model.namespaces import BPMN, NS

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


#: Flow nodes where an instance stops and waits for a person, a message or time.
WAITING = {"userTask", "manualTask", "receiveTask", "intermediateCatchEvent", "callActivity",
           "eventBasedGateway"}
WAITING_DEFINITIONS = {"timerEventDefinition", "messageEventDefinition", "signalEventDefinition"}


def _waits(el: etree._Element) -> bool:
    """Return True if reaching ``el`` ends the step (a call activity may wait in its callee)."""
    if _local(el) in WAITING:
        return True
    if _local(el) == "boundaryEvent":
        return any(_local(c) in WAITING_DEFINITIONS for c in el if isinstance(c.tag, str))
    if _local(el) in ("subProcess", "transaction"):
        return any(_waits(c) for c in _nodes(el))
    return False


def _busy_cycle(scope: etree._Element) -> list[etree._Element]:
    """Return the nodes on cycles that pass no waiting node (they would spin in one step)."""
    nodes = {el.get("id"): el for el in _nodes(scope) if not _waits(el)}
    edges: dict[str | None, set[str | None]] = {i: set() for i in nodes}
    for flow in scope.findall("bpmn:sequenceFlow", NS):
        if flow.get("sourceRef") in nodes and flow.get("targetRef") in nodes:
            edges[flow.get("sourceRef")].add(flow.get("targetRef"))
    for el in nodes.values():
        if _local(el) == "boundaryEvent" and el.get("attachedToRef") in nodes:
            edges[el.get("attachedToRef")].add(el.get("id"))
    changed = True
    while changed:  # peel off nodes with no way in or no way out: what stays is on a cycle
        targets = {t for i in edges for t in edges[i]}
        keep = {i for i in edges if i in targets and edges[i] & edges.keys()}
        changed = keep != edges.keys()
        edges = {i: edges[i] & keep for i in keep}
    return sorted((nodes[i] for i in edges), key=lambda el: el.sourceline or 0)


def check_busy_loops(tree, filename, forms_dir, forms) -> list[str]:
    """A loop must pass a user task, a timer or a message; otherwise it never stops."""
    problems = []
    for scope in [*tree.iterfind(".//bpmn:process", NS), *tree.iterfind(".//bpmn:subProcess", NS)]:
        cycle = _busy_cycle(scope)
        if cycle:
            labels = "、".join(el.get("name") or el.get("id") for el in cycle[:5])
            problems.append(f"{filename}:{cycle[0].sourceline}: 循环「{labels}」中没有用户任务、"
                            f"定时器或消息事件，会无休止地运行 (loop with no wait state)")
    return problems
