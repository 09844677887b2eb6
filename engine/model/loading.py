"""Load BPMN models and their forms, and check them before they are deployed.

Every problem is reported as ``file:line: message``.  A model is parsed by
SpiffWorkflow's Spiff flavour (so ``spiffworkflow:properties`` are read) after
the hardened parser in :mod:`engine.xmlsafe` and the BPMN XSD have accepted it.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from engine.base import xmlsafe
from engine.model import extensions, spec
from engine.model.expressions import UnsafeExpression, check_expression, check_script
from engine.model.forms import FormError, load_form_file
from engine.model.limits import CHECKS as LIMIT_CHECKS
from engine.model.limits import where
from engine.model.namespaces import NS
from engine.model.reachability import check_busy_loops, check_reachable
from engine.model.trees import tree_of
from engine.run import helpers  # noqa: F401 - helpers registers what models may call
from engine.run.assignment import known_roles, role_of_lane
from engine.run.timers import cycle_problem


class ModelError(ValueError):
    """Raised when a model fails validation; ``problems`` lists every finding."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Model:
    """A checked model: its process key, XML, the forms it uses and a hash."""

    key: str
    name: str
    xml: str
    forms: dict[str, dict] = field(default_factory=dict)
    filename: str = ""
    #: XML of every model reached through call activities, by process key (pinned).
    called: dict[str, str] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        content = {"xml": self.xml, "forms": self.forms}
        if self.called:
            content["called"] = self.called
        payload = json.dumps(content, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def parse_specs(xml: str, filename: str = "<model>", called: dict[str, str] | None = None):
    """Return ``(process_spec, subprocess_specs)`` for the executable process in ``xml``.

    ``called`` holds the XML of the models its call activities reach, by key.
    """
    tree = tree_of(xml, filename)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(tree, filename)
        for key, text in (called or {}).items():
            parser.add_bpmn_xml(tree_of(text, f"{key}.bpmn"), f"{key}.bpmn")
        key = process_key(tree, filename)
        process, subprocesses = parser.get_spec(key), parser.get_subprocess_specs(key)
    except ValidationException as err:
        line = getattr(err, "line_number", "") or 1
        raise ModelError([f"{filename}:{line}: {_first_line(err)}"]) from None
    spec.remember(xml, called, spec.build(key, process, subprocesses))
    return process, subprocesses


def load_model(path: Path, forms_dir: Path) -> Model:
    """Read and check the model at ``path``; models it calls come from its directory."""
    return check_model(path.read_text(encoding="utf-8"), path.name, forms_dir,
                       library(path.parent))


def library(processes: Path) -> dict[str, str]:
    """Return the XML of every readable model in ``processes`` by process key."""
    found = {}
    for path in sorted(processes.glob("*.bpmn")):
        xml = path.read_text(encoding="utf-8")
        try:
            found[process_key(tree_of(xml, path.name), path.name)] = xml
        except (ModelError, xmlsafe.UnsafeXML):
            continue
    return found


def check_model(xml: str, filename: str, forms_dir: Path,
                models: dict[str, str] | None = None) -> Model:
    """Check ``xml`` completely and return the :class:`Model`, or raise ModelError.

    ``models`` (key to XML) supplies the processes its call activities name;
    they are bundled into the model so that a deployed version stays pinned.
    """
    try:
        tree = tree_of(xml, filename)
    except xmlsafe.UnsafeXML as err:
        raise ModelError([str(err)]) from None
    key = process_key(tree, filename)
    called, problems = called_models(tree, filename, key, models or {})
    forms: dict[str, dict] = {}
    for check in CHECKS:
        problems.extend(check(tree, filename, forms_dir, forms))
    for other, text in called.items():
        problems.extend(check_forms(tree_of(text, f"{other}.bpmn"), f"{other}.bpmn", forms_dir, forms))
    if problems:
        raise ModelError(problems)
    parse_specs(xml, filename, called)
    name = tree.find("bpmn:process", NS).get("name") or key
    return Model(key=key, name=name, xml=xml, forms=forms, filename=filename, called=called)


def called_models(tree, filename: str, key: str,
                  models: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Return the XML of every process reached through call activities, and problems."""
    called: dict[str, str] = {}
    problems: list[str] = []
    pending = [(tree, filename)]
    while pending:
        current, name = pending.pop()
        for el in current.iterfind(".//bpmn:callActivity", NS):
            target = el.get("calledElement") or ""
            if target == key or target in called:
                continue
            if target not in models:
                label = el.get("name") or el.get("id")
                problems.append(f"{name}:{el.sourceline}: 调用活动「{label}」引用的流程 "
                                f"{target!r} 不存在 (called process not found)")
                continue
            called[target] = models[target]
            pending.append((tree_of(models[target], f"{target}.bpmn"), f"{target}.bpmn"))
    return called, problems


def process_key(tree: etree._ElementTree, filename: str) -> str:
    """Return the key (id) of the one executable process in ``tree``."""
    processes = [p for p in tree.findall("bpmn:process", NS)
                 if p.get("isExecutable", "true") != "false"]
    if len(processes) != 1:
        raise ModelError([f"{filename}:1: 模型必须且只能包含一个可执行流程 (exactly one "
                          f"executable process expected, found {len(processes)})"])
    return processes[0].get("id")


def _first_line(err: Exception) -> str:
    return str(err).splitlines()[0] if str(err) else type(err).__name__


def _properties(element: etree._Element) -> dict[str, str]:
    return extensions.of_element(element)


def user_task_properties(tree: etree._ElementTree) -> dict[str, dict[str, str]]:
    """Return the Spiff properties of every user task, by element id."""
    return {t.get("id"): _properties(t) for t in tree.iterfind(".//bpmn:userTask", NS)}


def _lanes(tree: etree._ElementTree) -> dict[str, etree._Element]:
    lanes = {}
    for lane in tree.iterfind(".//bpmn:lane", NS):
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            lanes[(ref.text or "").strip()] = lane
    return lanes


def check_lanes(tree, filename, forms_dir, forms) -> list[str]:
    """Every user task sits in a lane whose name is a known role."""
    problems, lanes, roles = [], _lanes(tree), known_roles()
    for task in tree.iterfind(".//bpmn:userTask", NS):
        lane = lanes.get(task.get("id"))
        where = f"{filename}:{task.sourceline}: 用户任务「{task.get('name') or task.get('id')}」"
        if lane is None:
            problems.append(f"{where}不在任何泳道中 (user task has no lane)")
        elif not (lane.get("name") or "").strip():
            problems.append(f"{where}所在泳道未指定角色 (lane names no role)")
        elif role_of_lane(lane.get("name") or "") not in roles:
            problems.append(f"{where}所在泳道「{lane.get('name')}」不是已知角色 (unknown role)")
    return problems


def check_forms(tree, filename, forms_dir, forms) -> list[str]:
    """Every user task names a form that exists in ``forms_dir``."""
    problems = []
    for task in tree.xpath(".//bpmn:userTask | .//bpmn:startEvent", namespaces=NS):
        form_name = extensions.read(_properties(task), "formName")
        where = f"{filename}:{task.sourceline}: 「{task.get('name') or task.get('id')}」"
        if not form_name:
            if task.tag.endswith("userTask"):
                problems.append(f"{where}未指定表单 (user task has no formName property)")
            continue
        try:
            forms[form_name] = load_form_file(forms_dir, form_name)
        except FormError as err:
            problems.append(f"{where}的表单 {form_name}: {err}")
    return problems


def check_gateways(tree, filename, forms_dir, forms) -> list[str]:
    """Exclusive gateways with more than one outgoing flow have a default flow."""
    problems = []
    for gw in tree.iterfind(".//bpmn:exclusiveGateway", NS):
        outgoing = gw.findall("bpmn:outgoing", NS)
        if len(outgoing) > 1 and not gw.get("default"):
            problems.append(f"{filename}:{gw.sourceline}: 排他网关「{gw.get('name') or gw.get('id')}」"
                            f"没有默认流 (exclusive gateway has no default flow)")
    return problems


def _expressions(tree):
    for tag in ("conditionExpression", "timeDuration", "timeDate", "timeCycle",
                "completionCondition", "loopCardinality"):
        for el in tree.iterfind(f".//bpmn:{tag}", NS):
            yield el, el.text or "", check_expression
    for el in tree.iterfind(".//bpmn:script", NS):
        yield el, el.text or "", check_script
    for tag in ("preScript", "postScript"):
        for el in tree.iterfind(f".//spiffworkflow:{tag}", NS):
            yield el, el.text or "", check_script
    for task in tree.iterfind(".//bpmn:userTask", NS):
        if "assignee" in (props := _properties(task)):
            yield task, props["assignee"], check_expression


def check_expressions(tree, filename, forms_dir, forms) -> list[str]:
    """Every condition, script and timer expression passes the safe evaluator."""
    problems = []
    for el, text, check in _expressions(tree):
        if not text.strip():
            continue
        try:
            check(text)
        except UnsafeExpression as err:
            snippet = re.sub(r"\s+", " ", text.strip())[:60]
            problems.append(f"{where(filename, el)}表达式被拒绝 (expression refused) "
                            f"`{snippet}`: {err}")
    return problems


RESERVED_IDS = {"Start", "End", "Root"}


def check_ids(tree, filename, forms_dir, forms) -> list[str]:
    """Element ids must not collide with SpiffWorkflow's internal task names."""
    return [f"{filename}:{el.sourceline}: 元素编号 {el.get('id')!r} 为引擎保留字 (reserved id)"
            for el in tree.iter() if el.get("id") in RESERVED_IDS]


def check_cycles(tree, filename, forms_dir, forms) -> list[str]:
    """A literal cycle timer repeats with an interval (``R100000/PT0S`` would never rest)."""
    problems = []
    for el in tree.iterfind(".//bpmn:timeCycle", NS):
        try:
            literal = ast.literal_eval((el.text or "").strip())
        except (ValueError, SyntaxError):
            continue  # computed at run time: checked when it fires (engine.timers)
        problem = cycle_problem(literal) if isinstance(literal, str) else None
        if problem:
            problems.append(f"{filename}:{el.sourceline}: 循环定时器{problem}")
    return problems


CHECKS = [check_ids, extensions.check_properties, check_lanes, check_forms, check_gateways,
          check_expressions, check_reachable, check_busy_loops, *LIMIT_CHECKS, check_cycles]
