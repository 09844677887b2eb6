"""The one registry of the ``spiffworkflow:property`` names the product reads.

A model carries its product-specific settings as Spiff extension properties
(``<spiffworkflow:property name="formName" value="post_draft"/>``).  Every name
the engine, the records and the designer understand is registered here with
its type, the elements it is allowed on, its meaning and its Chinese label in
the designer's properties panel.  Reading goes through :func:`read` (an
unregistered name is a programming error), and a model that carries an
unregistered name, or a registered one on the wrong element, is refused at
deploy by :func:`check_properties` — a misspelt ``reviewstage`` would
otherwise silently switch off the three-review rule (第十一条).  New
properties are added with :func:`register`, as SpiffWorkflow adds task specs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from engine.model.namespaces import NS

#: the spelling of a true flag (``reviewStage="true"``)
TRUE = frozenset({"true", "yes", "1"})


@dataclass(frozen=True)
class Property:
    """One registered extension property."""

    name: str
    #: ``form`` (a form name), ``flag`` (true/false), ``text``, ``expression`` or ``labels``
    type: str
    #: BPMN element types it may sit on (local names: ``userTask``, ``startEvent`` …)
    elements: tuple[str, ...]
    meaning: str
    #: the label of its field in the designer's properties panel
    label: str
    help: str = ""
    #: a label of its own on some elements (``{"startEvent": "发起表单"}``)
    labels: dict[str, str] = field(default_factory=dict)

    def parse(self, raw: str | None) -> Any:
        """Return the typed value of ``raw``: bool for flags, list for labels, else text."""
        text = raw or ""
        if self.type == "flag":
            return text.lower() in TRUE
        if self.type == "labels":
            return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]
        return text or None


REGISTRY: dict[str, Property] = {}


def register(prop: Property) -> Property:
    """Add ``prop`` to the registry; a name is registered once."""
    if prop.name in REGISTRY:
        raise ValueError(f"extension property {prop.name!r} registered twice")
    REGISTRY[prop.name] = prop
    return prop


FORM = register(Property(
    "formName", "form", ("userTask", "startEvent"),
    "The form (forms/<name>.json) the task's assignee, or the starter, fills in.",
    "表单", labels={"startEvent": "发起表单"}))
REVIEW_STAGE = register(Property(
    "reviewStage", "flag", ("userTask",),
    "A review stage of the three-review rule: one person never does two review stages of an "
    "item, and the author never reviews it (第十一条).",
    "审核环节（三审：同一人不得办理同一事项的两个审核环节）"))
RECORD_LABEL = register(Property(
    "recordLabel", "text", ("userTask",),
    "The box of the printed record (附件1/附件2) this task's decision is written in.",
    "记录栏目（附件1/附件2）", "如 审稿、核稿、审签"))
ASSIGNEE = register(Property(
    "assignee", "expression", ("userTask",),
    "An expression naming the user who does the task instead of the lane's role.",
    "指定办理人（表达式，可选）"))
REQUIRED_APPROVALS = register(Property(
    "requiredApprovals", "labels", ("endEvent",),
    "Record labels whose latest review since the last return must have approved before the "
    "item may reach this end event.",
    "须经同意的审核环节",
    "记录栏目，逗号分隔，如 审稿,核稿,审签：最近一次退回后均须“同意”才能到达此结束事件"))


def read(properties: dict[str, str] | None, name: str) -> Any:
    """Return the typed value of registered property ``name`` in ``properties``."""
    return REGISTRY[name].parse((properties or {}).get(name))


def of_spec(task_spec) -> dict[str, str]:
    """Return the raw extension properties SpiffWorkflow parsed onto ``task_spec``."""
    return (getattr(task_spec, "extensions", None) or {}).get("properties", {}) or {}


def read_spec(task_spec, name: str) -> Any:
    """Return the typed value of property ``name`` of a SpiffWorkflow task spec."""
    return read(of_spec(task_spec), name)


def of_element(element) -> dict[str, str]:
    """Return the raw extension properties of a BPMN element of an lxml tree."""
    props = element.iterfind(
        "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)
    return {p.get("name"): p.get("value") for p in props}


def occurrences(tree, name: str):
    """Yield ``(element, property element)`` for each use of registered property ``name``."""
    known = REGISTRY[name]
    for local in known.elements:
        for element in tree.iterfind(f".//bpmn:{local}", NS):
            for prop in element.iterfind(
                    f"bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
                    f"[@name='{known.name}']", NS):
                yield element, prop


def _names(names) -> str:
    return "、".join(repr(n) for n in names)


def check_properties(tree, filename, forms_dir, forms) -> list[str]:
    """Every extension property is registered and sits on an element it is allowed on."""
    problems = []
    for prop in tree.iterfind(".//spiffworkflow:property", NS):
        element = prop.getparent().getparent().getparent()
        local = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        label = element.get("name") or element.get("id")
        name = prop.get("name") or ""
        where = f"{filename}:{element.sourceline}: 「{label}」的扩展属性 {name!r}"
        known = REGISTRY.get(name)
        if known is None:
            problems.append(f"{where}不是本系统认可的属性（可用的属性有 {_names(REGISTRY)}）"
                            f"(unknown extension property)")
        elif local not in known.elements:
            problems.append(f"{where}不能用于此类元素 {local!r}，仅用于 {_names(known.elements)} "
                            f"(property not allowed here)")
    return problems


def panel() -> list[dict]:
    """Return the registry as the designer's properties panel reads it."""
    return [{**asdict(p), "elements": list(p.elements)} for p in REGISTRY.values()]
