"""Deploy-time bounds: timers, multi-instance counts and assignees that can work.

A model whose timer cannot be parsed (``'not a duration'``), lies beyond any
calendar (``P99999999D``), asks for 20,000 parallel instances or names an
assignee no account can have would be accepted and then fail every start.
These checks refuse it at deploy, naming the element; the same timer and
count checks run again at run time on values computed from task data.
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition as Timer

from engine.model import extensions
from engine.model.budget import MAX_CARDINALITY, refuse
from engine.model.budget import check_cardinality as check_count
from engine.model.namespaces import NS

#: Longest a timer may wait: ten years (a deadline past that is a typing error).
MAX_TIMER_DAYS = 3660
MAX_CYCLES = 1000
#: Usernames are at most 64 characters (``users.username``).
MAX_USERNAME = 64
_DAYS = {"years": 366, "months": 31, "weeks": 7, "days": 1, "hours": 1 / 24,
         "minutes": 1 / 1440, "seconds": 1 / 86400}
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _duration_problem(text: str) -> str | None:
    try:
        parsed = Timer.parse_iso_duration(text)
    except Exception:  # noqa: BLE001 - SpiffWorkflow raises a bare Exception
        return f"不是合法的 ISO 8601 时长: {text[:40]!r}"
    days = sum(_DAYS[k] * v for k, v in parsed.items())
    if days > MAX_TIMER_DAYS:
        return f"时长超过 {MAX_TIMER_DAYS} 天: {text[:40]!r}"
    return None


def _date_problem(text: str) -> str | None:
    try:
        when = Timer.parse_iso_week(text) if "W" in text.upper() else Timer.get_datetime(text)
    except (ValueError, TypeError, AttributeError, OverflowError):
        return f"不是合法的 ISO 8601 时间: {text[:40]!r}"
    if abs((when - _EPOCH).days) > 200 * 366:
        return f"时间超出可用范围: {text[:40]!r}"
    return None


def _cycle_problem(text: str) -> str | None:
    parts = text.upper().replace("--", "/").split("/")
    if len(parts) not in (2, 3) or not parts[0].startswith("R"):
        return f"不是合法的 ISO 8601 循环: {text[:40]!r}"
    count = parts[0][1:]
    if count and (not count.isdigit() or int(count) > MAX_CYCLES):
        return f"循环次数必须是不超过 {MAX_CYCLES} 的整数: {text[:40]!r}"
    for part in parts[1:]:
        problem = _duration_problem(part) if part.startswith("P") else _date_problem(part)
        if problem:
            return problem
    return None


TIMER_CHECKS = {"timeDuration": _duration_problem, "timeDate": _date_problem,
                "timeCycle": _cycle_problem}


def timer_problem(kind: str, value: object) -> str | None:
    """Return why a timer value of ``kind`` (``timeDuration`` …) cannot work, or None."""
    if not isinstance(value, str) or len(value) > 200:
        return "定时器的值必须是不超过 200 个字符的 ISO 8601 文本"
    return TIMER_CHECKS[kind](value.strip())


def _constant(text: str) -> object:
    """Return the value of an expression that is a literal, else a marker."""
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _constant


def where(filename: str, el) -> str:
    """Return ``file:line: 「element」`` for a problem found at ``el``."""
    owner = el
    while owner is not None and (not owner.get("id") or "EventDefinition" in str(owner.tag)
                                 or "LoopCharacteristics" in str(owner.tag)):
        owner = owner.getparent()
    label = (owner.get("name") or owner.get("id")) if owner is not None else "?"
    return f"{filename}:{el.sourceline}: 「{label}」"


def check_timers(tree, filename, forms_dir, forms) -> list[str]:
    """Every constant timer is a parseable ISO 8601 value within ten years."""
    problems = []
    for kind in TIMER_CHECKS:
        for el in tree.iterfind(f".//bpmn:{kind}", NS):
            value = _constant(el.text or "")
            if value is not _constant and (problem := timer_problem(kind, value)):
                problems.append(f"{where(filename, el)}的定时器无法使用 (timer refused): {problem}")
    return problems


def check_cardinality(tree, filename, forms_dir, forms) -> list[str]:
    """A constant multi-instance count is an integer of at most MAX_CARDINALITY."""
    problems = []
    for el in tree.iterfind(".//bpmn:loopCardinality", NS):
        value = _constant(el.text or "")
        if value is _constant:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CARDINALITY:
            problems.append(f"{where(filename, el)}的多实例数量必须是 0 到 {MAX_CARDINALITY} 的整数 "
                            f"(loopCardinality refused): {str(value)[:40]}")
    return problems


_USERNAME = re.compile(rf"[\w.@-]{{1,{MAX_USERNAME}}}")


def constant_assignees(tree) -> dict[str, tuple[Any, object]]:
    """Return the literal ``assignee`` of each user task that names one, by element."""
    found = {}
    for task, prop in extensions.occurrences(tree, "assignee"):
        value = _constant(prop.get("value") or "")
        if value is not _constant:
            found[task.get("name") or task.get("id")] = (prop, value)
    return found


def check_assignees(tree, filename, forms_dir, forms) -> list[str]:
    """A literal assignee is a string that could be a username (who exists is checked at deploy)."""
    return [f"{filename}:{prop.sourceline}: 「{label}」的办理人不是合法的用户名 "
            f"(assignee refused): {str(value)[:40]!r}"
            for label, (prop, value) in constant_assignees(tree).items()
            if value is not None and not (isinstance(value, str) and _USERNAME.fullmatch(value))]


CHECKS = [check_timers, check_cardinality, check_assignees]


def unknown_assignees(session, xml: str, filename: str) -> list[str]:
    """Return a problem for each literal assignee that names no account."""
    from sqlalchemy import select

    from engine.model.trees import tree_of
    from engine.store.schema import User

    named = constant_assignees(tree_of(xml, filename))
    wanted = {v for _p, v in named.values() if isinstance(v, str)}
    known = set(session.scalars(select(User.username).where(User.username.in_(wanted)))) \
        if wanted else set()
    return [f"{filename}:{prop.sourceline}: 「{label}」的办理人 {value!r} 不是已有用户 "
            f"(unknown assignee)" for label, (prop, value) in named.items()
            if isinstance(value, str) and value not in known]


def _timer_kind(definition) -> str | None:
    from SpiffWorkflow.bpmn.specs.event_definitions import timer

    kinds = {timer.DurationTimerEventDefinition: "timeDuration",
             timer.TimeDateEventDefinition: "timeDate",
             timer.CycleTimerEventDefinition: "timeCycle"}
    return kinds.get(type(definition))


def check_value(task, expression: str, value: object) -> None:
    """Refuse at run time a multi-instance count or timer value the model computed badly."""
    spec = task.task_spec
    if expression == getattr(spec, "cardinality", None):
        check_count(value)
    definition: Any = getattr(spec, "event_definition", None)
    kind = _timer_kind(definition)
    if kind and expression == definition.expression and (problem := timer_problem(kind, value)):
        raise refuse(f"「{spec.bpmn_name or spec.name}」的定时器无法使用：{problem}")
