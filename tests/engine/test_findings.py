"""Designer findings: in Chinese only, on the element at fault (a lane's problem on the lane)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.model.findings import chinese, locate
from engine.model.loading import ModelError, check_model

ROOT = Path(__file__).resolve().parent.parent.parent
THREE = (ROOT / "processes" / "three_review.bpmn").read_text(encoding="utf-8")

#: ways a designer breaks the model: (name, edit)
BROKEN = {
    "lane without role": lambda x: x.replace('name="拟稿人 (initiator)"', 'name="拟稿人"'),
    "unknown role": lambda x: x.replace('name="拟稿人 (initiator)"', 'name="拟稿人 (nobody_here)"'),
    "task outside lanes": lambda x: x.replace("<bpmn:flowNodeRef>Task_draft</bpmn:flowNodeRef>", ""),
    "no form": lambda x: x.replace('<spiffworkflow:property name="formName" value="post_draft" />', ""),
    "unknown property": lambda x: x.replace('name="formName" value="post_draft"', 'name="other" value="x"'),
    "no default flow": lambda x: x.replace('default="Flow_sign_ok"', ""),
    "bad condition": lambda x: x.replace('decision == "return"', "decision ==", 1),
    "malformed XML": lambda x: x[:400],
    "unreachable": lambda x: x.replace('targetRef="Task_review"', 'targetRef="Task_nope"', 1),
}


def findings(xml: str) -> list[dict]:
    with pytest.raises(ModelError) as err:
        check_model(xml, "three_review.bpmn", ROOT / "forms")
    return locate(xml, err.value.problems)


def english_words(message: str) -> list[str]:
    """Return English words outside quoted names and code (`…`, '…', 「…」)."""
    bare = re.sub(r"`[^`]*`|'[^']*'|「[^」]*」", "", message)
    return [w for w in re.findall(r"[A-Za-z]{3,}", bare) if w != "XML"]


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_every_finding_is_chinese_only(name):
    found = findings(BROKEN[name](THREE))
    assert found, name
    for item in found:
        assert re.search(r"[\u4e00-\u9fff]", item["message"]), item
        assert english_words(item["message"]) == [], item


@pytest.mark.parametrize("name", ["lane without role", "unknown role"])
def test_a_lane_problem_is_placed_on_the_lane(name):
    found = [f for f in findings(BROKEN[name](THREE)) if "泳道" in f["message"]]
    assert found and {f["element_id"] for f in found} == {"Lane_initiator"}


def test_a_task_problem_stays_on_the_task():
    (found,) = findings(BROKEN["no form"](THREE))
    assert found["element_id"] == "Task_draft" and found["message"].endswith("未指定表单")


@settings(max_examples=60, deadline=None)
@given(head=st.text(alphabet="审核泳道角色表单网关流程", min_size=1, max_size=12),
       note=st.text(alphabet="abcdefghij klmnop", min_size=1, max_size=30).map(str.strip)
       .filter(lambda s: s and s[0].isalpha()),
       detail=st.sampled_from(["", ": invalid syntax", ": unexpected EOF while parsing"]))
def test_english_notes_and_details_never_reach_the_designer(head, note, detail):
    assert english_words(chinese(f"{head} ({note}){detail}")) == []
