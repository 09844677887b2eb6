"""Printed-record layouts are files a designer edits (records/*.yaml); bad ones are refused clearly."""

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.audit.layouts import covered, for_procedure, load_all, parse
from engine.base.errors import Refused

ROOT = Path(__file__).resolve().parents[2]
GOOD = {"key": "r", "title": "登记表", "procedures": ["p"], "layout": "table",
        "rows": [{"label": "标题", "field": "title"}]}


def test_the_product_records_print_the_measures_procedures():
    layouts = load_all(ROOT / "records")
    assert set(layouts) == {"form1", "form2"}
    assert layouts["form1"].full_title == "附件1 二、三级新媒体平台认证审批表"
    assert covered(ROOT / "records") == {"account_approval", "three_review", "four_review",
                                         "post_review", "tier3_review"}
    assert for_procedure("complaint_handling", ROOT / "records") is None


BAD = [None, [], {**GOOD, "key": ""}, {**GOOD, "layout": "poster"}, {**GOOD, "procedures": []},
       {**GOOD, "procedures": "p"}, {**GOOD, "rows": [{"label": "x"}]},
       {**GOOD, "rows": [{"label": "x", "field": "a", "box": "b"}]},
       {**GOOD, "rows": [{"label": "x", "value": "password_hash"}]}, {**GOOD, "rows": ["x"]},
       {**GOOD, "boxes": {"审稿": {"title": "审稿"}}}, {**GOOD, "paper": {"media": ["官网"]}},
       {**GOOD, "media": "官网"}, {**GOOD, "heading": 5}, {**GOOD, "rows": 3}]


@pytest.mark.parametrize("data", BAD, ids=range(len(BAD)))
def test_a_bad_layout_is_refused_naming_its_file(data):
    with pytest.raises(Refused, match="^bad.yaml: "):
        parse("bad.yaml", data)


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["key", "title", "procedures", "layout", "rows",
                                                       "label", "field", "value", "box", "boxes",
                                                       "paper", "media", "heading"]), inner, max_size=5),
                    max_leaves=12))
def test_any_file_content_parses_or_is_refused(data):
    try:
        parse("any.yaml", data)
    except Refused as err:
        assert err.message.startswith("any.yaml: ")


def test_an_unreadable_file_and_a_duplicate_key_are_refused(tmp_path):
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(GOOD), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(GOOD), encoding="utf-8")
    with pytest.raises(Refused, match="重复定义"):
        load_all(tmp_path)
    (tmp_path / "b.yaml").write_text("key: [unclosed", encoding="utf-8")
    with pytest.raises(Refused, match="^b.yaml: 不是有效的 YAML"):
        load_all(tmp_path)
