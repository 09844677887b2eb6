"""Form files are data: checked when loaded, validated by marshmallow on submit."""

import json

import pytest

from engine.forms import FormError, FormInvalid, load_form_file, validate_submission

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
