"""Control characters are refused in every single-line field, at the root (issue 11)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.base.text import bad_character, one_line
from engine.model.forms import FormInvalid, validate_draft, validate_submission
from engine.org.directory import OrgError, import_org

FORM = {"type": "object", "required": ["title"], "properties": {
    "title": {"type": "string", "title": "标题", "maxLength": 100},
    "name": {"type": "string", "title": "名称"},
    "body": {"type": "string", "title": "正文", "ui": {"widget": "textarea"}},
}}
CONTROLS = st.one_of(st.characters(min_codepoint=0, max_codepoint=0x1F),
                     st.characters(min_codepoint=0x7F, max_codepoint=0x9F),
                     st.sampled_from(["\ud800", "\udfff", "\u2028", "\u2029"]))
TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=20)


@st.composite
def poisoned(draw) -> str:
    """A short text with at least one control character somewhere inside."""
    return draw(TEXT) + draw(CONTROLS) + draw(TEXT)


@settings(max_examples=60, deadline=None)
@given(value=poisoned(), field=st.sampled_from(["title", "name"]))
def test_single_line_fields_refuse_any_control_character(value, field):
    data = {"title": "标题", field: value}
    for check in (validate_submission, validate_draft):
        with pytest.raises(FormInvalid) as err:
            check(FORM, data)
        assert err.value.errors[field] == ["不能包含换行符或其他控制字符。"]


@settings(max_examples=60, deadline=None)
@given(value=TEXT)
def test_clean_text_passes_and_one_line_keeps_it(value):
    if value.strip():
        assert validate_submission(FORM, {"title": value})["title"] == value
    assert one_line(value) == value


@settings(max_examples=60, deadline=None)
@given(value=poisoned())
def test_one_line_output_never_holds_a_control_character(value):
    assert bad_character(one_line(value)) is None


def test_multi_line_fields_keep_line_breaks_but_refuse_nul():
    body = "第一段\r\n第二段\t完"
    assert validate_submission(FORM, {"title": "t", "body": body})["body"] == body
    with pytest.raises(FormInvalid) as err:
        validate_submission(FORM, {"title": "t", "body": "a\x00b"})
    assert err.value.errors["body"] == ["不能包含控制字符。"]


def test_unbounded_text_fields_get_a_default_size_limit():
    with pytest.raises(FormInvalid) as err:
        validate_draft(FORM, {"name": "名" * 2001})
    assert "2000" in err.value.errors["name"][0]


@settings(max_examples=25, deadline=None)
@given(value=poisoned(), where=st.sampled_from(["dept", "name", "email", "username"]))
def test_org_import_refuses_control_characters_anywhere(value, where):
    user = {"username": "u1", "name": "某人", "email": "u1@h.test", "department": "科"}
    dept = {"name": "科"}
    if where == "dept":
        dept["name"] = user["department"] = value
    else:
        user[where] = value
    with pytest.raises(OrgError, match="控制字符"):
        import_org(None, {"departments": [dept], "users": [user]})
