"""Forms as pages: field views built from a form schema, and posted fields read back.

The widget of each field comes from :data:`WIDGETS`, a registry tried in
order; ``ui.widget`` in the schema wins where it names a known widget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from engine.app.forms import applies, item_labels

__all__ = ["FieldView", "fields_for", "item_labels", "parse_form", "widget_of"]

CHECK_LABELS = [("pass", "符合"), ("fail", "不符合")]
KNOWN = {"radio", "select", "checkboxes", "checkbox", "textarea", "markdown", "date",
         "datetime", "number", "text", "checklist", "group"}


@dataclass
class FieldView:
    """What the template needs to draw one field."""

    name: str
    title: str
    widget: str
    required: bool = False
    help: str = ""
    placeholder: str = ""
    value: Any = None
    errors: list[str] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)
    children: list[FieldView] = field(default_factory=list)
    max_length: int | None = None
    when: dict[str, list[str]] | None = None  # x-when with prefixed names: drawn by formview.js
    hidden: bool = False  # a conditional field whose condition the values do not meet


def _options(spec: dict) -> list[tuple[str, str]]:
    values = spec.get("enum") or spec.get("items", {}).get("enum") or []
    labels = spec.get("enumNames") or spec.get("items", {}).get("enumNames") or values
    return [(str(v), str(label)) for v, label in zip(values, labels, strict=False)]


WIDGETS: list[tuple[Callable[[dict], bool], str]] = [
    (lambda s: s.get("type") == "object" and bool(s.get("x-checklist")), "checklist"),
    (lambda s: s.get("type") == "object", "group"),
    (lambda s: s.get("type") == "array", "checkboxes"),
    (lambda s: s.get("type") == "boolean", "checkbox"),
    (lambda s: s.get("type") in ("integer", "number"), "number"),
    (lambda s: "enum" in s and len(s["enum"]) > 4, "select"),
    (lambda s: "enum" in s, "radio"),
    (lambda s: s.get("format") == "date", "date"),
    (lambda s: s.get("format") == "date-time", "datetime"),
    (lambda s: (s.get("maxLength") or 0) > 500, "textarea"),
]


def widget_of(spec: dict) -> str:
    """Return the widget drawing ``spec``."""
    hinted = (spec.get("ui") or {}).get("widget")
    if hinted in KNOWN and spec.get("type") != "object":
        return "textarea" if hinted == "markdown" else hinted
    return next((w for test, w in WIDGETS if test(spec)), "text")


def fields_for(schema: dict, values: dict | None, errors: dict | None,
               prefix: str = "") -> list[FieldView]:
    """Return the field views of ``schema`` filled with ``values`` and ``errors``."""
    values, errors = values or {}, errors or {}
    required = set(schema.get("required", []))
    views = [_view(name, spec, _starred(spec, name in required), values.get(name),
                   errors.get(name), prefix)
             for name, spec in schema.get("properties", {}).items()]
    for view, spec in zip(views, schema.get("properties", {}).values(), strict=True):
        _condition(view, spec, values, prefix)
    return views


def _starred(spec: dict, required: bool) -> bool:
    """Tell whether a field must be filled: an unticked checkbox is an answer unless it must be ticked."""
    if spec.get("type") == "boolean":
        return spec.get("const") is True
    return required


def _condition(view: FieldView, spec: dict, values: dict, prefix: str) -> None:
    """Note a conditional field's condition for the script, and hide it while unmet."""
    when = spec.get("x-when")
    if when:
        view.when = {prefix + k: (v if isinstance(v, list) else [v]) for k, v in when.items()}
        view.hidden = not applies(when, values)


def _view(name, spec, required, value, error, prefix) -> FieldView:
    ui = spec.get("ui") or {}
    view = FieldView(name=prefix + name, title=spec.get("title", name), widget=widget_of(spec),
                     required=required, help=ui.get("help", ""),
                     placeholder=ui.get("placeholder", ""), value=value,
                     options=_options(spec), max_length=spec.get("maxLength"))
    view.errors = _messages(error)
    if view.widget == "checklist":
        view.children = [_check_item(view.name, key, item, value, error)
                         for key, item in spec["properties"].items()]
    elif view.widget == "group":
        view.children = fields_for(spec, value if isinstance(value, dict) else {},
                                   error if isinstance(error, dict) else {}, view.name + ".")
    return view


def _check_item(parent: str, key: str, item: dict, value: Any, error: Any) -> FieldView:
    answers = value if isinstance(value, dict) else {}
    nested = error.get(key) if isinstance(error, dict) else None
    return FieldView(name=f"{parent}.{key}", title=item.get("title", key), widget="radio",
                     required=True, help=(item.get("ui") or {}).get("help", ""),
                     value=answers.get(key), errors=_messages(nested), options=CHECK_LABELS)


def _messages(error: Any) -> list[str]:
    if isinstance(error, str):
        return [error]
    if isinstance(error, list):
        return [m for m in error if isinstance(m, str)]
    if isinstance(error, dict):
        return [m for k, v in error.items() if k == "_schema" for m in _messages(v)]
    return []


# -- reading a posted form --------------------------------------------------------


def parse_form(schema: dict, form: MultiDict, prefix: str = "") -> dict[str, Any]:
    """Return the submitted values of ``schema``'s fields; blanks are left out.

    A conditional field whose condition the other values do not meet was hidden
    on the page, so what it still carries was not meant: it is left out too.
    """
    data: dict[str, Any] = {}
    props = schema.get("properties", {})
    for name, spec in props.items():
        value = READERS.get(spec.get("type"), _read_string)(spec, form, prefix + name)
        if value is not None:
            data[name] = value
    return {k: v for k, v in data.items()
            if "x-when" not in props[k] or applies(props[k]["x-when"], data)}


def _read_string(spec: dict, form: MultiDict, key: str) -> Any:
    value = form.get(key)
    return value if value is not None and value.strip() != "" else None


def _read_number(spec: dict, form: MultiDict, key: str) -> Any:
    raw = _read_string(spec, form, key)
    if raw is None:
        return None
    try:
        return int(raw) if spec.get("type") == "integer" else float(raw)
    except ValueError:
        return raw.strip()


def _read_bool(spec: dict, form: MultiDict, key: str) -> Any:
    return form.get(key) in ("true", "on", "1")


def _read_array(spec: dict, form: MultiDict, key: str) -> Any:
    values = [v for v in form.getlist(key) if v.strip()]
    return values or None


def _read_object(spec: dict, form: MultiDict, key: str) -> Any:
    if spec.get("x-checklist"):
        answers = {k: form.get(f"{key}.{k}") for k in spec["properties"]}
        return {k: v for k, v in answers.items() if v}
    return parse_form(spec, form, key + ".")


READERS: dict[str, Callable[[dict, MultiDict, str], Any]] = {
    "string": _read_string, "integer": _read_number, "number": _read_number,
    "boolean": _read_bool, "array": _read_array, "object": _read_object,
}
