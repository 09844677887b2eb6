"""Write BPMN files with complete diagrams from a compact description.

A design aid for the procedures in ``processes/``: each model is described
by lanes, nodes placed on a (column, lane, row) grid, and flows; this module
emits the BPMN XML with a collaboration, lanes and a complete BPMNDiagram so
bpmn-js can draw it.  The written ``.bpmn`` files are the source of truth
once edited by a designer; this tool only saves typing the layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

X0, COLW, LANE_H, LANE_X = 230, 150, 190, 150
SIZES = {"task": (100, 80), "gateway": (50, 50), "event": (36, 36)}
KINDS = {"startEvent": "event", "endEvent": "event", "boundaryEvent": "event",
         "userTask": "task", "scriptTask": "task", "callActivity": "task",
         "exclusiveGateway": "gateway", "parallelGateway": "gateway"}


@dataclass
class Node:
    id: str
    tag: str
    name: str
    lane: str
    col: float
    row: float = 0
    doc: str | None = None
    props: dict[str, str] = field(default_factory=dict)
    script: str | None = None
    post_script: str | None = None
    called: str | None = None
    default: str | None = None
    attached: str | None = None
    duration: str | None = None
    cycle: str | None = None
    interrupting: bool = True
    loop: dict[str, str] | None = None
    slot: int = 0
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)
    bounds: tuple[float, float, float, float] = (0, 0, 0, 0)


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str = ""
    condition: str | None = None


class Model:
    """One process: lanes (role key, Chinese title), nodes and flows."""

    def __init__(self, key: str, name: str, doc: str):
        self.key, self.name, self.doc = key, name, doc
        self.lanes: list[tuple[str, str]] = []
        self.nodes: dict[str, Node] = {}
        self.flows: list[Flow] = []

    def lane(self, role: str, title: str) -> None:
        self.lanes.append((role, title))

    def node(self, id: str, tag: str, name: str, lane: str, col: float, **kw) -> Node:
        node = Node(id, tag, name, lane, col, **kw)
        self.nodes[id] = node
        return node

    def start(self, id, name, lane, col, form=None, **kw):
        return self.node(id, "startEvent", name, lane, col,
                         props={"formName": form} if form else {}, **kw)

    def timer_start(self, id, name, lane, col, cycle, **kw):
        """A timer start event: an item is started once per period of ``cycle`` (ISO 8601)."""
        return self.node(id, "startEvent", name, lane, col, cycle=cycle, **kw)

    def end(self, id, name, lane, col, **kw):
        return self.node(id, "endEvent", name, lane, col, **kw)

    def user(self, id, name, lane, col, form, review=False, label=None, assignee=None, **kw):
        props = {"formName": form}
        if review:
            props["reviewStage"] = "true"
        if label:
            props["recordLabel"] = label
        if assignee:
            props["assignee"] = assignee
        return self.node(id, "userTask", name, lane, col, props=props, **kw)

    def script(self, id, name, lane, col, script, **kw):
        return self.node(id, "scriptTask", name, lane, col, script=script, **kw)

    def call(self, id, name, lane, col, called, **kw):
        return self.node(id, "callActivity", name, lane, col, called=called, **kw)

    def xgw(self, id, name, lane, col, default=None, **kw):
        return self.node(id, "exclusiveGateway", name, lane, col, default=default, **kw)

    def pgw(self, id, name, lane, col, **kw):
        return self.node(id, "parallelGateway", name, lane, col, **kw)

    def timer(self, id, name, attached, duration, interrupting=True, doc=None, slot=0):
        """Attach a timer to ``attached``; ``slot`` 1 puts a second timer left of the first."""
        host = self.nodes[attached]
        node = self.node(id, "boundaryEvent", name, host.lane, host.col, row=host.row,
                         attached=attached, duration=duration, interrupting=interrupting,
                         doc=doc)
        node.slot = slot
        return node

    def flow(self, id, source, target, name="", condition=None) -> None:
        self.flows.append(Flow(id, source, target, name, condition))
        self.nodes[source].outgoing.append(id)
        self.nodes[target].incoming.append(id)

    # -- writing ------------------------------------------------------------------

    def xml(self) -> str:
        self._layout()
        parts = [HEADER.format(key=self.key),
                 f'  <bpmn:collaboration id="Collaboration_{self.key}">\n'
                 f'    <bpmn:participant id="Participant_{self.key}" name={quoteattr(self.name)} '
                 f'processRef="{self.key}" />\n  </bpmn:collaboration>\n',
                 f'  <bpmn:process id="{self.key}" name={quoteattr(self.name)} '
                 f'isExecutable="true">\n',
                 f'    <bpmn:documentation>{escape(self.doc)}</bpmn:documentation>\n',
                 self._properties(),
                 self._lane_set()]
        parts += [self._node_xml(n) for n in self.nodes.values()]
        parts += [self._flow_xml(f) for f in self.flows]
        parts.append("  </bpmn:process>\n")
        parts.append(self._diagram())
        parts.append("</bpmn:definitions>\n")
        return "".join(parts)

    def _properties(self) -> str:
        """Declare the collections multi-instance tasks read and write (BPMN item-aware)."""
        refs = [(n.loop[k], n.loop.get(f"{k}_title", n.loop[k])) for n in self.nodes.values()
                if n.loop for k in ("input", "output") if n.loop.get(k)]
        return "".join(f'    <bpmn:property id="{ref}" name={quoteattr(title)} />\n'
                       for ref, title in refs)

    def _lane_set(self) -> str:
        out = [f'    <bpmn:laneSet id="LaneSet_{self.key}">\n']
        for role, title in self.lanes:
            out.append(f'      <bpmn:lane id="Lane_{role}" name={quoteattr(f"{title} ({role})")}>\n')
            out += [f"        <bpmn:flowNodeRef>{n.id}</bpmn:flowNodeRef>\n"
                    for n in self.nodes.values() if n.lane == role]
            out.append("      </bpmn:lane>\n")
        out.append("    </bpmn:laneSet>\n")
        return "".join(out)

    def _node_xml(self, n: Node) -> str:
        attrs = f'id="{n.id}" name={quoteattr(n.name)}'
        if n.called:
            attrs += f' calledElement="{n.called}"'
        if n.default:
            attrs += f' default="{n.default}"'
        if n.attached:
            attrs += f' attachedToRef="{n.attached}"'
            attrs += "" if n.interrupting else ' cancelActivity="false"'
        body = []
        if n.doc:
            body.append(f"      <bpmn:documentation>{escape(n.doc)}</bpmn:documentation>\n")
        body.append(_extensions(n))
        body += [f"      <bpmn:incoming>{f}</bpmn:incoming>\n" for f in n.incoming]
        body += [f"      <bpmn:outgoing>{f}</bpmn:outgoing>\n" for f in n.outgoing]
        if n.loop:
            body.append(_loop(n.loop))
        if n.script:
            body.append(f"      <bpmn:script>{escape(n.script)}</bpmn:script>\n")
        if n.duration:
            body.append(f'      <bpmn:timerEventDefinition id="{n.id}_def"><bpmn:timeDuration '
                        f'xsi:type="bpmn:tFormalExpression">"{n.duration}"</bpmn:timeDuration>'
                        f"</bpmn:timerEventDefinition>\n")
        if n.cycle:
            body.append(f'      <bpmn:timerEventDefinition id="{n.id}_def"><bpmn:timeCycle '
                        f'xsi:type="bpmn:tFormalExpression">"{n.cycle}"</bpmn:timeCycle>'
                        f"</bpmn:timerEventDefinition>\n")
        return f"    <bpmn:{n.tag} {attrs}>\n{''.join(body)}    </bpmn:{n.tag}>\n"

    def _flow_xml(self, f: Flow) -> str:
        head = (f'    <bpmn:sequenceFlow id="{f.id}" name={quoteattr(f.name)} '
                f'sourceRef="{f.source}" targetRef="{f.target}"')
        if not f.condition:
            return head + " />\n"
        return (head + ">\n      <bpmn:conditionExpression xsi:type=\"bpmn:tFormalExpression\">"
                f"{escape(f.condition)}</bpmn:conditionExpression>\n    </bpmn:sequenceFlow>\n")

    # -- layout -------------------------------------------------------------------

    def _lane_top(self, role: str) -> float:
        return 60 + [r for r, _ in self.lanes].index(role) * LANE_H

    def _layout(self) -> None:
        for n in self.nodes.values():
            w, h = SIZES[KINDS[n.tag]]
            if n.attached:
                host = self.nodes[n.attached]
                hx, hy, hw, hh = host.bounds
                n.bounds = (hx + hw - 28 - 44 * n.slot, hy + hh - 18, w, h)
                continue
            cx = X0 + n.col * COLW
            cy = self._lane_top(n.lane) + LANE_H / 2 + n.row * 48
            n.bounds = (cx - w / 2, cy - h / 2, w, h)

    def _width(self) -> float:
        return max(n.bounds[0] + n.bounds[2] for n in self.nodes.values()) + 80 - LANE_X

    def _diagram(self) -> str:
        width, height = self._width(), LANE_H * len(self.lanes)
        out = [f'  <bpmndi:BPMNDiagram id="BPMNDiagram_{self.key}">\n'
               f'    <bpmndi:BPMNPlane id="BPMNPlane_{self.key}" '
               f'bpmnElement="Collaboration_{self.key}">\n',
               _shape(f"Participant_{self.key}", (LANE_X - 30, 60, width + 30, height), True)]
        for role, _ in self.lanes:
            out.append(_shape(f"Lane_{role}", (LANE_X, self._lane_top(role), width, LANE_H), True))
        for n in self.nodes.values():
            marker = n.tag == "exclusiveGateway"
            out.append(_shape(n.id, n.bounds, False, marker))
        for f in self.flows:
            out.append(_edge(f.id, self._waypoints(f)))
        out.append("    </bpmndi:BPMNPlane>\n  </bpmndi:BPMNDiagram>\n")
        return "".join(out)

    def _waypoints(self, f: Flow) -> list[tuple[float, float]]:
        s, t = self.nodes[f.source], self.nodes[f.target]
        sx, sy, sw, sh = s.bounds
        tx, ty, tw, th = t.bounds
        scx, scy, tcx, tcy = sx + sw / 2, sy + sh / 2, tx + tw / 2, ty + th / 2
        if s.attached:
            return [(scx, sy + sh), (scx, tcy), (tx, tcy)] if tx > scx else \
                [(scx, sy + sh), (scx, sy + sh + 30), (tcx, sy + sh + 30), (tcx, ty + th)]
        if tx >= sx + sw:
            if abs(scy - tcy) < 1:
                return [(sx + sw, scy), (tx, tcy)]
            mid = (sx + sw + tx) / 2
            return [(sx + sw, scy), (mid, scy), (mid, tcy), (tx, tcy)]
        top = min(sy, ty) - 18
        return [(scx, sy), (scx, top), (tcx, top), (tcx, ty)]


HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
                  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="Definitions_{key}" targetNamespace="http://shenfa.example/bpmn">
"""


def _extensions(n: Node) -> str:
    if not n.props and not n.post_script:
        return ""
    out = ["      <bpmn:extensionElements>\n"]
    if n.props:
        out.append("        <spiffworkflow:properties>\n")
        out += [f"          <spiffworkflow:property name=\"{k}\" value={quoteattr(v)} />\n"
                for k, v in n.props.items()]
        out.append("        </spiffworkflow:properties>\n")
    if n.post_script:
        out.append(f"        <spiffworkflow:postScript>{escape(n.post_script)}"
                   "</spiffworkflow:postScript>\n")
    out.append("      </bpmn:extensionElements>\n")
    return "".join(out)


def _loop(loop: dict[str, str]) -> str:
    out = ['      <bpmn:multiInstanceLoopCharacteristics isSequential="false" '
           'spiffworkflow:scriptsOnInstances="true">\n',
           f"        <bpmn:loopDataInputRef>{loop['input']}</bpmn:loopDataInputRef>\n"]
    if loop.get("output"):
        out.append(f"        <bpmn:loopDataOutputRef>{loop['output']}</bpmn:loopDataOutputRef>\n")
    out.append(f'        <bpmn:inputDataItem id="{loop["item"]}" name="{loop["item"]}" />\n')
    if loop.get("output_item"):
        item = loop["output_item"]
        out.append(f'        <bpmn:outputDataItem id="{item}" name="{item}" />\n')
    out.append("      </bpmn:multiInstanceLoopCharacteristics>\n")
    return "".join(out)


def _shape(element: str, bounds, horizontal: bool, marker: bool = False) -> str:
    x, y, w, h = (round(v) for v in bounds)
    extra = ' isHorizontal="true"' if horizontal else ""
    extra += ' isMarkerVisible="true"' if marker else ""
    return (f'      <bpmndi:BPMNShape id="{element}_di" bpmnElement="{element}"{extra}>\n'
            f'        <dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" />\n'
            "      </bpmndi:BPMNShape>\n")


def _edge(element: str, points) -> str:
    body = "".join(f'        <di:waypoint x="{round(x)}" y="{round(y)}" />\n' for x, y in points)
    return (f'      <bpmndi:BPMNEdge id="{element}_di" bpmnElement="{element}">\n{body}'
            "      </bpmndi:BPMNEdge>\n")
