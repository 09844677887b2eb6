"""Submitted form data in the form's own words: Chinese titles and option labels.

Pages, the timeline and the printed records show what a reviewer chose through
these functions, never the stored keys (``experts`` reads 提请专家评议, an
expert's username reads as the expert's name).
"""

from __future__ import annotations

from typing import Any

#: checklist answers (第七、九、十条)
ANSWERS = {"pass": "符合", "fail": "不符合"}
#: shown on their own by every view of a submission, so not repeated in the field list
SHOWN_APART = frozenset({"decision", "comment"})


def option_label(spec: dict, value: Any, names: dict[str, str] | None = None) -> str:
    """Return how one value of field ``spec`` reads: its enumName, a person's name, 是/否."""
    if isinstance(value, bool):
        return "是" if value else "否"
    inner = spec.get("items", spec) if spec.get("type") == "array" else spec
    labels = dict(zip(inner.get("enum") or [], inner.get("enumNames") or [], strict=False))
    if value in labels:
        return str(labels[value])
    if (spec.get("ui") or {}).get("choices") and names:
        return names.get(value, str(value))
    return ANSWERS.get(value, str(value)) if isinstance(value, str) else str(value)


def decision_label(spec: dict | None, value: Any) -> str | None:
    """Return the label of a ``decision`` value as the form offered it, or None."""
    field = ((spec or {}).get("properties") or {}).get("decision")
    return option_label(field, value) if field and value is not None else None


def value_text(spec: dict, value: Any, names: dict[str, str] | None = None) -> str:
    """Return a submitted value as a reader would write it (lists joined with 、)."""
    if isinstance(value, list):
        return "、".join(option_label(spec, v, names) for v in value)
    if isinstance(value, dict):
        props = spec.get("properties") or {}
        return "；".join(f"{props.get(k, {}).get('title', k)}：{value_text(props.get(k, {}), v, names)}"
                        for k, v in value.items())
    return option_label(spec, value, names)


def described(spec: dict | None, data: dict | None,
              names: dict[str, str] | None = None) -> list[dict[str, str]]:
    """Return ``[{"name", "title", "text"}]`` for the fields of ``data``, in the form's order.

    Decision and comment are left to the caller; checklists (their failing items
    are shown apart) and the post body (shown as the post) are left out.
    """
    props = (spec or {}).get("properties") or {}
    data = data or {}
    rows = []
    for name, field in props.items():
        if name in SHOWN_APART or field.get("x-checklist") or _is_post_body(field):
            continue
        if data.get(name) in (None, "", []):
            continue
        rows.append({"name": name, "title": field.get("title", name),
                     "text": value_text(field, data[name], names)})
    return rows


def _is_post_body(field: dict) -> bool:
    return (field.get("ui") or {}).get("widget") == "markdown"
