"""Form schemas: data files in ``forms/`` turned into marshmallow schemas.

A form file is a JSON-Schema subset::

    {"title": "审稿", "type": "object",
     "properties": {"decision": {"type": "string", "title": "审核结论",
                                 "enum": ["approve", "return"],
                                 "enumNames": ["通过", "退回修改"]}, ...},
     "required": ["decision"]}

Supported: ``string`` (``enum``, ``minLength``, ``maxLength``, ``format``:
``date``/``date-time``/``uri``/``email``), ``integer`` and ``number``
(``minimum``/``maximum``), ``boolean``, ``array`` of strings (``items.enum``,
``minItems``), and ``object`` with nested properties.  An object with
``"x-checklist": true`` is the publishing-rules checklist: each of its items is
answered ``pass`` or ``fail``.  ``{"$ref": "_shared/NAME.json"}`` includes a
shared fragment.  ``x-rules`` declares cross-field rules: ``{"if": {"decision":
"approve"}, "then": {"secrecy": "public"}, "message": "..."}``.  ``x-when`` on a field makes it
conditional: ``"experts": {..., "x-when": {"decision": ["experts"]}}`` shows the
field only while ``decision`` is one of the listed values; listed in ``required``,
it is required only then, and a value sent while it is hidden is refused.  ``ui`` hints
(``widget``, ``help``, ``placeholder``) are kept
for the renderer and ignored by validation.

The review convention (DOMAIN.md, 三审三校): a form with a ``decision`` field
needs a ``comment`` when the decision is not ``approve``; with a checklist,
approval requires every item to pass and a return must name a failing item.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from engine.base import text

# Reading form files lives in form_files; named here too, as the forms' one import.
from engine.model.form_files import APPROVE as APPROVE
from engine.model.form_files import CHECK_ANSWERS as CHECK_ANSWERS
from engine.model.form_files import NAME_RE as NAME_RE
from engine.model.form_files import FormError as FormError
from engine.model.form_files import FormInvalid as FormInvalid
from engine.model.form_files import read_form_file

# -- checking a form file before deploy --------------------------------------


def load_form_file(forms_dir: Path, name: str) -> dict:
    """Read form ``name`` from ``forms_dir``, resolve shared fragments and check it."""
    schema = read_form_file(forms_dir, name)
    check_form(schema)
    return schema


def check_form(schema: dict) -> None:
    """Raise FormError unless ``schema`` is a form this product can render and validate."""
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        raise FormError("表单必须是 type=object 且含 properties")
    _check_properties(schema, "")
    props = schema["properties"]
    for rule in schema.get("x-rules", []):
        fields_named = set(rule.get("if", {})) | set(rule.get("then", {}))
        if not fields_named or not fields_named <= set(props):
            raise FormError(f"x-rules 引用了不存在的字段: {sorted(fields_named - set(props))}")
    if "decision" in props and "comment" not in props:
        raise FormError("含 decision 的审核表单必须有 comment 字段")
    _check_anonymous(schema.get("x-anonymous"), props)


def _check_anonymous(rule: Any, props: dict) -> None:
    """Refuse an ``x-anonymous`` rule (engine/anonymity.py) that names missing fields or no readers."""
    if rule is None:
        return
    if not isinstance(rule, dict) or not isinstance(rule.get("if"), dict) or not rule["if"]:
        raise FormError("x-anonymous 须含非空的 if 条件")
    named = set(rule["if"]) | set(rule.get("identity") or [])
    if not rule.get("identity") or not named <= set(props):
        raise FormError(f"x-anonymous 引用了不存在的字段: {sorted(named - set(props))}")
    readers = rule.get("readers")
    if not isinstance(readers, list) or not readers or not all(isinstance(r, str) for r in readers):
        raise FormError("x-anonymous 须列出可见身份的角色 (readers)")


def _check_when(props: dict, name: str, prefix: str) -> None:
    """Refuse an ``x-when`` that names a missing field, itself, or a value not offered."""
    when = props[name].get("x-when")
    if when is None:
        return
    if not isinstance(when, dict) or not when:
        raise FormError(f"字段 {prefix}{name} 的 x-when 必须是非空对象")
    for other, wanted in when.items():
        if other == name or other not in props:
            raise FormError(f"字段 {prefix}{name} 的 x-when 引用了不存在的字段: {other!r}")
        offered = props[other].get("enum") or props[other].get("items", {}).get("enum")
        values = wanted if isinstance(wanted, list) else [wanted]
        if offered is not None and not set(values) <= set(offered):
            raise FormError(f"字段 {prefix}{name} 的 x-when 取值不在 {other} 的选项中: {values}")


def _check_properties(schema: dict, prefix: str) -> None:
    props = schema["properties"]
    for name in schema.get("required", []):
        if name not in props:
            raise FormError(f"required 中的字段不存在: {prefix}{name}")
    for name, spec in props.items():
        kind = spec.get("type")
        if kind not in FIELD_TYPES:
            raise FormError(f"字段 {prefix}{name} 的类型不受支持: {kind!r}")
        if not spec.get("title"):
            raise FormError(f"字段 {prefix}{name} 缺少中文标题 (title)")
        _check_when(props, name, prefix)
        if kind == "object":
            if not isinstance(spec.get("properties"), dict):
                raise FormError(f"对象字段 {prefix}{name} 缺少 properties")
            if spec.get("x-checklist"):
                spec = {"properties": {k: {**v, "type": "string"}
                                       for k, v in spec["properties"].items()}}
            _check_properties(spec, f"{prefix}{name}.")


# -- building marshmallow schemas ------------------------------------------

MESSAGES: dict[str, str | list | dict] = {
    "required": "此项为必填项。",
    "null": "此项不能为空。",
    "invalid": "格式不正确。",
}


MULTI_LINE_WIDGETS = {"textarea", "markdown"}
DEFAULT_MAX_LENGTH = {False: 2000, True: 200_000}


def is_multiline(spec: dict) -> bool:
    """Return True for a string field drawn as a text area (as ``web.formview`` draws it)."""
    widget = (spec.get("ui") or {}).get("widget")
    return widget in MULTI_LINE_WIDGETS or (spec.get("maxLength") or 0) > 500


def no_controls(multiline: bool) -> Callable[[str], None]:
    """Return a validator refusing control characters (CR/LF too unless ``multiline``)."""

    def check(value: str) -> None:
        if isinstance(value, str) and not text.is_clean(value, multiline):
            raise ValidationError(text.message(multiline))

    return check


def _string(spec: dict, required: bool) -> fields.Field:
    checks: list[Callable] = [no_controls(is_multiline(spec))]
    if "enum" in spec:
        checks.append(validate.OneOf(spec["enum"], error="请从给定选项中选择。"))
    if "minLength" in spec or "maxLength" in spec or required:
        low = spec.get("minLength", 1 if required else None)
        checks.append(validate.Length(min=low, max=spec.get("maxLength"),
                                      error=_length_message(low, spec.get("maxLength"))))
    if "maxLength" not in spec:  # every value is bounded, declared or not
        high = DEFAULT_MAX_LENGTH[is_multiline(spec)]
        checks.append(validate.Length(max=high, error=_length_message(None, high)))
    fmt = spec.get("format")
    if fmt in FORMATS:
        cls, message = FORMATS[fmt]
        extra: dict[str, Any] = {} if cls in (fields.Date, fields.DateTime) else {"validate": checks}
        return cls(required=required, error_messages={**MESSAGES, "invalid": message}, **extra)
    return fields.String(required=required, validate=checks, error_messages=MESSAGES)


FORMATS: dict[str, tuple[type[fields.Field], str]] = {
    "date": (fields.Date, "请输入有效日期 (YYYY-MM-DD)。"),
    "date-time": (fields.DateTime, "请输入有效的日期时间。"),
    "uri": (fields.Url, "请输入有效网址 (http/https)。"),
    "email": (fields.Email, "请输入有效的电子邮箱。"),
}


def _length_message(low: int | None, high: int | None) -> str:
    if low and high:
        return f"长度应在 {low} 到 {high} 个字符之间。"
    if high:
        return f"长度不能超过 {high} 个字符。"
    return "此项为必填项。"


def _number(spec: dict, required: bool, cls: Callable[..., fields.Field]) -> fields.Field:
    rng = validate.Range(min=spec.get("minimum"), max=spec.get("maximum"),
                         error=f"数值应在 {spec.get('minimum', '-∞')} 到 {spec.get('maximum', '∞')} 之间。")
    return cls(required=required, validate=[rng],
               error_messages={**MESSAGES, "invalid": "请输入数字。"})


def _integer(spec: dict, required: bool) -> fields.Field:
    return _number(spec, required, partial(fields.Integer, strict=True))  # 1.5 is no integer


def _float(spec: dict, required: bool) -> fields.Field:
    return _number(spec, required, fields.Float)


def _boolean(spec: dict, required: bool) -> fields.Field:
    checks = [validate.Equal(True, error="必须勾选确认。")] if spec.get("const") is True else []
    return fields.Boolean(required=required, validate=checks, error_messages=MESSAGES)


def _array(spec: dict, required: bool) -> fields.Field:
    inner = _string(spec.get("items", {"type": "string"}), False)
    low = spec.get("minItems", 1 if required else 0)
    return fields.List(inner, required=required,
                       validate=[validate.Length(min=low, max=spec.get("maxItems"),
                                                 error=f"至少选择 {low} 项。")],
                       error_messages=MESSAGES)


def _object(spec: dict, required: bool) -> fields.Field:
    if spec.get("x-checklist"):
        spec = {**spec, "properties": {k: {**v, "type": "string", "enum": CHECK_ANSWERS}
                                       for k, v in spec["properties"].items()},
                "required": list(spec["properties"])}
    return fields.Nested(schema_class(spec), required=required, error_messages=MESSAGES)


FIELD_TYPES: dict[str, Callable[[dict, bool], fields.Field]] = {
    "string": _string,
    "integer": _integer,
    "number": _float,
    "boolean": _boolean,
    "array": _array,
    "object": _object,
}


class _FormSchema(Schema):
    """Base for generated schemas: the review convention as a schema-level rule."""

    form_spec: dict = {}
    draft = False  # a draft is checked field by field; rules apply on completion

    @validates_schema
    def declared_rules(self, data: dict, **kwargs) -> None:
        if self.draft:
            return
        for rule in self.form_spec.get("x-rules", []):
            applies = all(data.get(k) == v for k, v in rule["if"].items())
            for field_name, wanted in rule["then"].items():
                if applies and data.get(field_name) != wanted:
                    raise ValidationError(rule.get("message", "与其他字段的取值冲突。"), field_name)

    @pre_load
    def drop_empty_hidden(self, data: Any, **kwargs) -> Any:
        """Leave out a hidden conditional field sent empty (``[]``, ``""``): nothing was given."""
        if not isinstance(data, dict):
            return data
        props = self.form_spec.get("properties", {})
        return {k: v for k, v in data.items()
                if not (k in props and "x-when" in props[k] and not _given(v)
                        and not applies(props[k]["x-when"], data))}

    @validates_schema
    def conditional_fields(self, data: dict, **kwargs) -> None:
        """Require a shown ``x-when`` field when listed as required; refuse a hidden one's value."""
        required = set(self.form_spec.get("required", []))
        errors: dict[str, list[str]] = {}
        for name, spec in self.form_spec.get("properties", {}).items():
            if "x-when" not in spec:
                continue
            shown, given = applies(spec["x-when"], data), _given(data.get(name))
            if shown and name in required and not given:
                errors[name] = [str(MESSAGES["required"])]
            elif not shown and given:
                errors[name] = [f"仅在{_when_text(self.form_spec, spec['x-when'])}时填写此项。"]
        if errors:
            raise ValidationError(errors)

    @validates_schema
    def review_convention(self, data: dict, **kwargs) -> None:
        decision = data.get("decision")
        if decision is None or self.draft or "decision" not in self.form_spec.get("properties", {}):
            return
        if decision != APPROVE and not (data.get("comment") or "").strip():
            raise ValidationError("退回或驳回时必须填写理由。", "comment")
        self._check_checklists(data, decision)

    def _check_checklists(self, data: dict, decision: str) -> None:
        for name, spec in self.form_spec["properties"].items():
            answers = data.get(name)
            if not spec.get("x-checklist") or not isinstance(answers, dict):
                continue
            failing = [k for k, v in answers.items() if v == "fail"]
            if decision == APPROVE and failing:
                raise ValidationError("有不符合项时不能审核通过。", name)
            if decision != APPROVE and not failing:
                raise ValidationError("退回时请标明不符合的核查项。", name)


def applies(when: dict, data: dict) -> bool:
    """Return True when ``data`` meets every condition of an ``x-when`` (any listed value)."""
    for name, wanted in when.items():
        values = wanted if isinstance(wanted, list) else [wanted]
        got = data.get(name)
        chosen = got if isinstance(got, list) else [got]
        if not any(v in values for v in chosen):
            return False
    return True


def _given(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _when_text(spec: dict, when: dict) -> str:
    """Say an ``x-when`` in the form's own words: 「复审结论」为「提请专家评议」."""
    parts = []
    for name, wanted in when.items():
        field_spec = spec["properties"][name]
        labels = dict(zip(field_spec.get("enum") or field_spec.get("items", {}).get("enum") or [],
                          field_spec.get("enumNames") or field_spec.get("items", {}).get("enumNames")
                          or [], strict=False))
        values = wanted if isinstance(wanted, list) else [wanted]
        shown = "或".join(f"「{labels.get(v, v)}」" for v in values)
        parts.append(f"「{field_spec.get('title', name)}」为{shown}")
    return "、".join(parts)


def _field(field_spec: dict, required: bool) -> fields.Field:
    """Build one field; a conditional one's presence is checked by ``conditional_fields``."""
    return FIELD_TYPES[field_spec["type"]](field_spec, required and "x-when" not in field_spec)


def schema_class(spec: dict, draft: bool = False) -> type[Schema]:
    """Build a marshmallow schema class for form ``spec`` (for drafts: rules off)."""
    required = set(spec.get("required", []))
    attrs: dict[str, Any] = {
        name: _field(field_spec, name in required)
        for name, field_spec in spec["properties"].items()
    }
    attrs["form_spec"], attrs["draft"] = spec, draft
    return type("FormSchema", (_FormSchema,), attrs)


_SCHEMA_CACHE: dict[tuple[str, bool], Schema] = {}


def _schema(spec: dict, draft: bool) -> Schema:
    key = (json.dumps(spec, sort_keys=True), draft)
    schema = _SCHEMA_CACHE.get(key)
    if schema is None:
        schema = _SCHEMA_CACHE[key] = schema_class(spec, draft)(unknown="raise")
    return schema


def validate_submission(spec: dict, data: Any) -> dict:
    """Return ``data`` validated and normalised for ``spec``, or raise FormInvalid."""
    if not isinstance(data, dict):
        raise FormInvalid({"_schema": ["提交的数据必须是一个对象。"]})
    try:
        loaded = _schema(spec, False).load(data)
    except ValidationError as err:
        raise FormInvalid(_translate(err.messages)) from None
    return _jsonable(loaded)


def validate_draft(spec: dict, data: Any) -> None:
    """Raise FormInvalid unless every filled field of draft ``data`` fits its type and size.

    A draft may leave fields empty and break cross-field rules (it is unfinished);
    it may not hold unknown fields, wrong types, oversized or control-character text.
    """
    if not isinstance(data, dict):
        raise FormInvalid({"_schema": ["提交的数据必须是一个对象。"]})
    filled = {k: v for k, v in data.items() if v not in (None, "", [], {})}
    try:
        _schema(spec, True).load(filled, partial=True)
    except ValidationError as err:
        raise FormInvalid(_translate(err.messages)) from None


def _translate(messages: Any) -> Any:
    if isinstance(messages, dict):
        return {k: _translate(v) for k, v in messages.items()}
    if isinstance(messages, list):
        return ["表单中没有此字段。" if m == "Unknown field." else _translate(m) for m in messages]
    return messages


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
