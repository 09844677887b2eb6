"""Model text is never run as Python: hostile expressions are refused at deploy and at run time."""

import hashlib
from pathlib import Path

import pytest

from engine.base.errors import Refused
from engine.model.expressions import Evaluator, UnsafeExpression, check_expression, check_script
from engine.model.loading import ModelError, check_model
from engine.store.schema import ModelVersion
from tests.support import APPROVE, DRAFT

ROOT = Path(__file__).resolve().parents[2]
THREE_REVIEW = (ROOT / "processes" / "three_review.bpmn").read_text(encoding="utf-8")
CONDITION = 'decision == "return"'

HOSTILE = {
    "import": "__import__('os').system('touch {marker}')",
    "dunder walk": "().__class__.__base__.__subclasses__()",
    "private attribute": "decision._secret",
    "huge exponent": "9 ** 9 ** 9",
    "lambda": "(lambda: open('{marker}', 'w'))()",
    "comprehension": "[x for x in ().__class__.__mro__]",
    "unknown function": "open('{marker}', 'w')",
    "method call": "decision.format_map({{}})",
}


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_condition_is_refused_at_deploy_with_file_and_line(tmp_path, source):
    marker = tmp_path / "pwned"
    xml = THREE_REVIEW.replace(CONDITION, source.format(marker=marker), 1)
    with pytest.raises(ModelError) as refused:
        check_model(xml, "three_review.bpmn", ROOT / "forms")
    line = next(i for i, text in enumerate(THREE_REVIEW.splitlines(), 1) if CONDITION in text)
    assert refused.value.problems[0].startswith("three_review.bpmn:")
    assert "表达式被拒绝" in refused.value.problems[0]
    assert int(refused.value.problems[0].split(":")[1]) == line
    assert not marker.exists()


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_expression_is_never_executed_at_run_time(tmp_path, source):
    marker = tmp_path / "pwned"
    with pytest.raises(UnsafeExpression):
        Evaluator().evaluate(source.format(marker=marker), {"decision": "return"})
    # Defence in depth: the run-time evaluator alone refuses them too.
    with pytest.raises(Exception) as refused:
        Evaluator()._simple({"decision": "return"}).eval(source.format(marker=marker))
    assert refused.type.__module__ in ("simpleeval", "engine.model.budget") or \
        isinstance(refused.value, SyntaxError)
    assert not marker.exists()


def test_model_smuggled_into_the_database_still_cannot_run_python(engine, drive, tmp_path):
    """Even a version written straight into the database bypassing deploy is refused."""
    marker = tmp_path / "pwned"
    xml = THREE_REVIEW.replace(CONDITION, f"__import__('os').system('touch {marker}')", 1)
    with engine.db.transaction() as s:
        good = s.query(ModelVersion).filter_by(model_key="three_review").one()
        s.add(ModelVersion(model_key="three_review", version=99, name=good.name,
                           content_hash=hashlib.sha256(xml.encode()).hexdigest(), bpmn_xml=xml,
                           forms=good.forms, deployed_at=good.deployed_at))
    instance = drive.start("three_review", "zhangwei", {"title": "t", "media": ["官网"]})
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    with pytest.raises(Refused, match="流程执行出错"):
        drive.act(instance, "Task_review", "zhoujie", APPROVE)
    assert not marker.exists()
    assert drive.open_specs(instance) == ["Task_review"]


@pytest.mark.parametrize("source, value", [
    ('decision == "return"', True),
    ('decision in ["approve", "return"] and not urgent', True),
    ("score ** 2 + 1", 10),
    ('{"a": 1}.get("a")', 1),
    ('title.strip().lower()', "post"),
])
def test_ordinary_expressions_work(source, value):
    names = {"decision": "return", "urgent": False, "score": 3, "title": " POST "}
    assert Evaluator().evaluate(source, names) == value


def test_scripts_only_assign_names():
    assert Evaluator().execute("a = 1\nb = a + 1", {}) == {"a": 1, "b": 2}
    for bad in ["import os", "x.y = 1", "def f(): pass", "for i in x: pass", "del x"]:
        with pytest.raises(UnsafeExpression):
            check_script(bad)


def test_syntax_errors_are_reported_as_refusals():
    with pytest.raises(UnsafeExpression, match="语法错误"):
        check_expression("decision ==")
