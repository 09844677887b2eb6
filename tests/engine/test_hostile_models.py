"""Hostile models: refused at deploy where the text shows it, bounded at run time otherwise."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.base.errors import Refused
from engine.model.budget import MAX_CARDINALITY, BudgetExceeded
from engine.model.expressions import Evaluator, UnsafeExpression, check_expression
from engine.model.loading import ModelError, check_model
from tests.hostile_models import FORMS, instance_count, model_xml, smuggle

SQUARING = "x = 3\n" + "x = x * x\n" * 15
HUGE = {
    "replace": "('x'*20000).replace('', 'y'*20000) == 'x'",
    "percent-width": "'%0300000000d' % 1",
    "fstring-width": "f'{1:>300000000}'",
    "fstring-nested-width": "f'{1:>{10**9}}'",
    "join": "('y'*50000).join(['a', 'b', 'c'])",
    "repeat-list": "[1, 2] * 10**6",
    "pow": "(2**64) ** 64",
}


def problems(xml: str) -> list[str]:
    with pytest.raises(ModelError) as refused:
        check_model(xml, "hostile.bpmn", FORMS)
    return refused.value.problems


@pytest.mark.parametrize("source", HUGE.values(), ids=HUGE.keys())
def test_huge_results_are_refused_before_they_are_built(source):
    with pytest.raises(BudgetExceeded, match="超出运行限制"):
        Evaluator().evaluate(source, {})


def test_repeated_squaring_is_refused():
    with pytest.raises(BudgetExceeded, match="整数超过"):
        Evaluator().execute(SQUARING, {})


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["'x' * {n}", "'%{n}d' % 1", "f'{{1:>{n}}}'", "'ab'.replace('', ' ' * {n})",
                        "10 ** {n}", "[0] * {n}", "'-'.join(['a'] * {n})"]),
       st.integers(min_value=0, max_value=10**9))
def test_every_result_stays_within_its_bound(template, n):
    """Whatever the size asked for, the evaluator answers small or refuses, never builds it."""
    try:
        value = Evaluator().evaluate(template.format(n=n), {})
    except (BudgetExceeded, UnsafeExpression):
        return
    assert len(str(value)) <= 100_000 * 3


def test_deep_nesting_is_refused_at_deploy():
    for source in ("-" * 3000 + "1", "(" * 1900 + "1" + ")" * 1900, "[" * 200 + "]" * 200):
        with pytest.raises(UnsafeExpression, match="嵌套过深|语法错误|过于复杂|过长"):
            check_expression(source)


@pytest.mark.parametrize(("kind", "value", "words"), [
    ("timeDuration", "'not a duration'", "不是合法的 ISO 8601 时长"),
    ("timeDuration", "'P99999999D'", "时长超过"),
    ("timeDuration", "'P99999999Y'", "时长超过"),
    ("timeDate", "'yesterday'", "不是合法的 ISO 8601 时间"),
    ("timeCycle", "'R99999999/PT1H'", "循环次数"),
])
def test_timers_that_cannot_work_are_refused_at_deploy_naming_the_element(kind, value, words):
    found = problems(model_xml(timer=(kind, value)))
    assert len(found) == 1 and "「时限」" in found[0] and words in found[0]


@pytest.mark.parametrize(("assignee", "words"), [
    ("'x' * 3", "表达式被拒绝"),  # not a literal: checked at run time, this one refused (no helper)
    (repr("u" * 99_999), "不是合法的用户名"),
    ("-" * 3000 + "1", "嵌套过深"),
])
def test_assignees_that_cannot_work_are_refused_at_deploy(assignee, words):
    if assignee == "'x' * 3":
        check_model(model_xml(assignee=assignee), "hostile.bpmn", FORMS)  # a valid expression
        return
    found = problems(model_xml(assignee=assignee))
    assert any(words in p and "「办理」" in p for p in found), found


def test_unknown_assignee_is_refused_when_deployed(engine, tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "hostile.bpmn").write_text(model_xml(assignee="'nobody_here'"))
    with pytest.raises(ModelError, match="不是已有用户"):
        engine.deploy_directory(tmp_path / "p", FORMS)


@pytest.mark.parametrize("cardinality", ["20000", "-1", "'many'"])
def test_multi_instance_count_is_capped_at_deploy(cardinality):
    found = problems(model_xml(cardinality=cardinality))
    assert any(f"0 到 {MAX_CARDINALITY}" in p for p in found), found


def test_loop_without_a_wait_state_is_refused_at_deploy():
    found = problems(model_xml(loop_back=True, script="x = x + 1"))
    assert any("循环「计算、再来」" in p and "loop with no wait state" in p for p in found), found


RUNTIME = {
    "cardinality-computed": dict(script="x = 1", cardinality="100 * 200"),
    "squaring": dict(script=SQUARING),
    "replace": dict(script=f"ok = {HUGE['replace']}"),
    "percent": dict(script=f"ok = {HUGE['percent-width']}"),
    "fstring": dict(script=f"ok = {HUGE['fstring-width']}"),
    "timer-from-data": dict(script="d = 'P99999999D'", timer=("timeDuration", "d")),
    "timer-garbage": dict(script="d = 'not a duration'", timer=("timeDuration", "d")),
    "assignee-unknown": dict(script="who = 'u' * 99", assignee="who"),
}


@pytest.mark.parametrize("kwargs", RUNTIME.values(), ids=RUNTIME.keys())
def test_hostile_model_in_the_database_is_refused_at_start_and_leaves_nothing(engine, kwargs):
    """A model that slipped past deploy (written into the database) still cannot run away."""
    smuggle(engine, model_xml(**kwargs))
    before = instance_count(engine)
    with pytest.raises(Refused) as refused:
        engine.start("hostile", "zhangwei")
    assert type(refused.value) in (Refused, BudgetExceeded), refused.value
    assert any(w in refused.value.message for w in ("超出运行限制", "办理人")), refused.value.message
    assert instance_count(engine) == before


def test_a_conflict_names_who_acted_only_to_participants(engine, drive):
    from tests.support import DRAFT

    item = drive.start("three_review", "zhangwei", {"title": "冬季养生", "media": ["官网"]})
    draft = drive.task(item, "Task_draft")
    engine.complete(draft.id, "zhangwei", DRAFT)
    for outsider in ("zhoujie", "lina"):  # a reviewer-to-be and a colleague: neither took part
        with pytest.raises(Refused) as refused:
            engine.claim(draft.id, outsider)
        assert "zhangwei" not in refused.value.message
    with pytest.raises(Refused) as refused:
        engine.complete(draft.id, "zhangwei", DRAFT)
    assert "由 zhangwei 办理" in refused.value.message
