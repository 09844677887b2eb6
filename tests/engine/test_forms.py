"""Form files are data: checked when loaded, validated by marshmallow on submit."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.model.forms import FormError, FormInvalid, load_form_file, validate_submission

SPEC = {
    "title": "测试", "type": "object",
    "properties": {
        "count": {"type": "integer", "title": "数量", "minimum": 1, "maximum": 5},
        "when": {"type": "string", "format": "date", "title": "日期"},
        "url": {"type": "string", "format": "uri", "title": "网址"},
        "tags": {"type": "array", "title": "标签", "items": {"type": "string", "enum": ["a", "b"]}},
        "ok": {"type": "boolean", "title": "确认"},
    },
    "required": ["count", "tags"],
}


def errors_of(data):
    with pytest.raises(FormInvalid) as refused:
        validate_submission(SPEC, data)
    return refused.value.errors


def test_valid_submission_is_normalised():
    assert validate_submission(SPEC, {"count": 2, "when": "2026-12-01", "tags": ["a"]}) == {
        "count": 2, "when": "2026-12-01", "tags": ["a"]}


@pytest.mark.parametrize("data, field, message", [
    ({"count": "2", "tags": ["a"]}, "count", "请输入数字。"),
    ({"count": 9, "tags": ["a"]}, "count", "数值应在 1 到 5 之间。"),
    ({"count": 1, "tags": []}, "tags", "至少选择 1 项。"),
    ({"count": 1, "tags": ["z"]}, "tags", "请从给定选项中选择。"),
    ({"count": 1, "tags": ["a"], "when": "明天"}, "when", "请输入有效日期 (YYYY-MM-DD)。"),
    ({"count": 1, "tags": ["a"], "url": "javascript:alert(1)"}, "url", "请输入有效网址 (http/https)。"),
    ({"tags": ["a"]}, "count", "此项为必填项。"),
])
def test_invalid_values_get_chinese_messages(data, field, message):
    assert message in json.dumps(errors_of(data)[field], ensure_ascii=False)


def test_non_object_submission_is_refused():
    assert errors_of(["not", "a", "dict"]) == {"_schema": ["提交的数据必须是一个对象。"]}


@pytest.mark.parametrize("form, message", [
    ({"type": "array"}, "type=object"),
    ({"type": "object", "properties": {"x": {"type": "blob", "title": "X"}}}, "不受支持"),
    ({"type": "object", "properties": {"x": {"type": "string"}}}, "缺少中文标题"),
    ({"type": "object", "properties": {}, "required": ["ghost"]}, "不存在"),
    ({"type": "object", "properties": {"decision": {"type": "string", "title": "结论"}}},
     "必须有 comment"),
    ({"type": "object", "properties": {"x": {"$ref": "../../etc/passwd"}}}, "_shared"),
])
def test_bad_form_files_are_refused(tmp_path, form, message):
    (tmp_path / "f.json").write_text(json.dumps(form), encoding="utf-8")
    with pytest.raises(FormError, match=message):
        load_form_file(tmp_path, "f")


def test_form_names_cannot_escape_the_forms_directory(tmp_path):
    with pytest.raises(FormError, match="非法的表单名"):
        load_form_file(tmp_path, "../secrets")


# -- conditional fields (x-when): required only when shown, hidden otherwise ----------

WHEN = {
    "title": "条件", "type": "object",
    "properties": {
        "decision": {"type": "string", "title": "结论", "enum": ["approve", "return", "experts"],
                     "enumNames": ["通过", "退回", "提请专家评议"]},
        "comment": {"type": "string", "title": "意见"},
        "experts": {"type": "array", "title": "专家", "items": {"type": "string"},
                    "x-when": {"decision": ["experts"]}},
        "note": {"type": "string", "title": "附言", "x-when": {"decision": "return"}},
    },
    "required": ["decision", "experts"],
}


@pytest.mark.parametrize("data, errors", [
    ({"decision": "approve"}, None),
    ({"decision": "experts", "comment": "评议", "experts": ["fengxue"]}, None),
    ({"decision": "return", "comment": "改", "note": "见批注"}, None),
    ({"decision": "return", "comment": "改"}, None),
    ({"decision": "experts", "comment": "评议"}, {"experts": ["此项为必填项。"]}),
    ({"decision": "approve", "experts": ["fengxue"]},
     {"experts": ["仅在「结论」为「提请专家评议」时填写此项。"]}),
    ({"decision": "approve", "note": "x"}, {"note": ["仅在「结论」为「退回」时填写此项。"]}),
])
def test_a_conditional_field_is_required_only_when_shown_and_refused_when_hidden(data, errors):
    if errors is None:
        assert validate_submission(WHEN, data) == data
        return
    with pytest.raises(FormInvalid) as refused:
        validate_submission(WHEN, data)
    assert refused.value.errors == errors


@given(decision=st.sampled_from(["approve", "return", "experts"]),
       experts=st.one_of(st.none(), st.lists(st.sampled_from(["fengxue", "hanmei"]), max_size=2)))
@settings(max_examples=40, deadline=None)
def test_conditional_fields_accept_exactly_the_shown_and_filled(decision, experts):
    """Any decision/experts pair: accepted iff experts are given exactly when asked for."""
    data = {"decision": decision, "comment": "意见"}
    if experts is not None:
        data["experts"] = experts
    accepted = (decision == "experts") == bool(experts)
    try:
        validate_submission(WHEN, data)
    except FormInvalid as refused:
        assert not accepted and set(refused.errors) == {"experts"}
    else:
        assert accepted


@pytest.mark.parametrize("when, message", [
    ({"ghost": "x"}, "不存在的字段"),
    ({"experts": "x"}, "不存在的字段"),
    ({"decision": ["nope"]}, "不在 decision 的选项中"),
    ({}, "非空对象"),
])
def test_bad_conditions_are_refused(tmp_path, when, message):
    form = json.loads(json.dumps(WHEN))
    form["properties"]["experts"]["x-when"] = when
    (tmp_path / "f.json").write_text(json.dumps(form), encoding="utf-8")
    with pytest.raises(FormError, match=message):
        load_form_file(tmp_path, "f")
