"""Whoever decides next reads every earlier decision in the form's own words (第十二条二、三).

The tier-3 item at the expert panel (demo): the joint reviewer's task page and the
item page show both joint reviewers' 提请专家评议 with the experts they named, each
expert's conclusion and opinion, and the party branch's opinion — never stored keys.
"""

from __future__ import annotations

import re

import pytest

from tests.support import Driver


@pytest.fixture
def at_second_joint_round(app):
    from engine.demo.items import Walker
    from engine.demo.procedures import tier3_at_expert_panel

    drive = Driver(app.extensions["shenfa"])
    item = tier3_at_expert_panel(Walker(drive.engine, lambda line: None))
    drive.act(item, "Task_expert [child]", "hanmei", {"conclusion": "agree", "opinion": "证据充分",
                                                      "basis": "《中国高血压防治指南》"})
    return item, drive.task(item, "Task_joint_office").id


def timeline_of(html: str) -> str:
    section = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S).group(1)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))


@pytest.mark.parametrize("page", ["task", "item"])
def test_the_next_decider_reads_every_opinion_in_chinese(browse, at_second_joint_round, page):
    item, task = at_second_joint_round
    url = f"/tasks/{task}" if page == "task" else f"/items/{item}"
    told = timeline_of(browse("zhaolei").get(url).get_data(as_text=True))
    for words in ("提请专家评议", "评议专家：冯雪", "评议专家：韩梅", "停药建议需专家评议",
                  "评议结论：修改后发布", "评议意见：补充指南出处", "评议结论：同意发布",
                  "依据（指南、文献）：《中国高血压防治指南》", "支部意见：符合规范",
                  "是否符合《中国共产党党员网络行为规范》：符合", "保密审查结论：可公开"):
        assert words in told, words
    for key in ("experts", "revise", "agree", "fengxue", "hanmei", "conduct_ok", "public"):
        assert not re.search(rf"\b{key}\b", told), key
