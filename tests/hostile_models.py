"""Hostile models for tests: one script task, one user task, and a place for mischief."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from sqlalchemy import select

from engine.model.deployment import store_version as deploy
from engine.model.loading import Model
from engine.model.namespaces import BPMN, SPIFF
from engine.store.schema import Instance

FORMS = Path(__file__).parent / "engine" / "models" / "forms"
SIMPLE_TASK = {"title": "办理", "type": "object",
               "properties": {"note": {"type": "string", "title": "说明", "maxLength": 200}}}


HEADER = (f'<bpmn:definitions xmlns:bpmn="{BPMN}" '
          f'xmlns:spiffworkflow="{SPIFF}" '
          'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Defs_h" '
          'targetNamespace="http://shenfa.example/bpmn">')


def model_xml(key: str = "hostile", script: str = "x = 1", cardinality: str | None = None,
              timer: tuple[str, str] | None = None, assignee: str | None = None,
              loop_back: bool = False) -> str:
    """Return a model: start, script task (optionally multi-instance), user task, end."""
    multi = (f'<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>{escape(cardinality)}'
             f'</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>'
             if cardinality is not None else "")
    props = '<spiffworkflow:property name="formName" value="simple_task" />'
    if assignee is not None:
        props += f'<spiffworkflow:property name="assignee" value={quoteattr(assignee)} />'
    boundary = ""
    if timer:
        boundary = (f'<bpmn:boundaryEvent id="Timer_1" name="时限" attachedToRef="Task_1">'
                    f'<bpmn:outgoing>F4</bpmn:outgoing><bpmn:timerEventDefinition id="TED_1">'
                    f'<bpmn:{timer[0]} xsi:type="bpmn:tFormalExpression">{escape(timer[1])}'
                    f'</bpmn:{timer[0]}></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
                    f'<bpmn:sequenceFlow id="F4" sourceRef="Timer_1" targetRef="End_1" />')
    back = ('<bpmn:exclusiveGateway id="Gw_1" name="再来" default="F6"><bpmn:incoming>F2a</bpmn:incoming>'
            '<bpmn:outgoing>F5</bpmn:outgoing><bpmn:outgoing>F6</bpmn:outgoing></bpmn:exclusiveGateway>'
            '<bpmn:sequenceFlow id="F2a" sourceRef="Script_1" targetRef="Gw_1" />'
            '<bpmn:sequenceFlow id="F5" sourceRef="Gw_1" targetRef="Script_1">'
            '<bpmn:conditionExpression>x &lt; 10</bpmn:conditionExpression></bpmn:sequenceFlow>'
            '<bpmn:sequenceFlow id="F6" sourceRef="Gw_1" targetRef="Task_1" />'
            if loop_back else '<bpmn:sequenceFlow id="F2" sourceRef="Script_1" targetRef="Task_1" />')
    return f"""<?xml version="1.0" encoding="UTF-8"?>
{HEADER}
  <bpmn:process id="{key}" name="恶意模型（测试）" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1"><bpmn:lane id="Lane_1" name="发起人 (initiator)">
      <bpmn:flowNodeRef>Start_1</bpmn:flowNodeRef><bpmn:flowNodeRef>Script_1</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>Task_1</bpmn:flowNodeRef><bpmn:flowNodeRef>End_1</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="Start_1" name="开始"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="Script_1" name="计算"><bpmn:incoming>F1</bpmn:incoming>
      {multi}<bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="Task_1" name="办理"><bpmn:extensionElements><spiffworkflow:properties>
      {props}</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>
    <bpmn:endEvent id="End_1" name="结束" />
    <bpmn:sequenceFlow id="F1" sourceRef="Start_1" targetRef="Script_1" />
    {back}
    <bpmn:sequenceFlow id="F3" sourceRef="Task_1" targetRef="End_1" />
    {boundary}
  </bpmn:process>
</bpmn:definitions>"""


def smuggle(engine, xml: str, key: str = "hostile") -> None:
    """Store ``xml`` as a deployed version without the deploy checks (as a tampered DB would)."""
    model = Model(key=key, name="恶意模型", xml=xml, forms={"simple_task": SIMPLE_TASK},
                  filename=f"{key}.bpmn")
    with engine.db.transaction() as session:
        deploy(session, model, engine.clock.now())


def instance_count(engine) -> int:
    """Return how many items exist (a refused start must leave none behind)."""
    with engine.db.reading() as session:
        return len(session.scalars(select(Instance.id)).all())


#: A script that spends the whole step budget: 200 instances of 60 list additions each.
BURN_LINE = "y = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] + [1, 2, 3, 4, 5, 6, 7, 8, 9]\n"


def burning_model(first_call: str | None = None) -> str:
    """Return a model whose start spends its full budget, then is refused.

    ``first_call`` names a registered helper the script calls before burning
    (tests use it to know the hostile step is under way).
    """
    script = (f"s = {first_call}()\n" if first_call else "") + BURN_LINE * 55
    return model_xml(script=script, cardinality="200")
