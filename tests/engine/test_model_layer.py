"""The model layer: one parse per model per deploy, one registry of extension properties,
typed specs of every procedure that agree with its XML."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from engine.base import xmlsafe
from engine.model import extensions, spec, specs, trees
from engine.model.deployment import load_directory
from engine.model.loading import ModelError, check_model, library
from engine.model.namespaces import NS
from engine.run.assignment import role_of_lane

ROOT = Path(__file__).resolve().parents[2]
PROCESSES, FORMS = ROOT / "processes", ROOT / "forms"
MODELS = sorted(PROCESSES.glob("*.bpmn"))
THREE = (PROCESSES / "three_review.bpmn").read_text(encoding="utf-8")


class ParseCounter:
    """Counts the hardened parser's real parses (it still parses: nothing is faked)."""

    def __init__(self, real):
        self.real, self.count = real, 0

    def __call__(self, *args, **kwargs):
        self.count += 1
        return self.real(*args, **kwargs)


@pytest.fixture
def parses(monkeypatch) -> ParseCounter:
    """Count every XML parse from a cold start: no tree or spec remembered."""
    trees.forget()
    spec.forget()
    counter = ParseCounter(xmlsafe.parse)
    monkeypatch.setattr(xmlsafe, "parse", counter)
    yield counter
    trees.forget()
    spec.forget()


def test_a_deploy_parses_each_model_file_once(engine, parses, tmp_path):
    for path in MODELS:  # new content: every model becomes a new version, fully checked
        text = path.read_text(encoding="utf-8")
        (tmp_path / path.name).write_text(f"{text.rstrip()}\n<!-- 第2版 -->\n", encoding="utf-8")
    deployed = engine.deploy_directory(tmp_path, FORMS)
    assert len(deployed) == len(MODELS) and all(d.created for d in deployed)
    assert parses.count == len(MODELS)  # was 4 + 3×(called models) per model: 69 in all


def test_checking_a_model_again_parses_nothing(parses):
    load_directory(PROCESSES, FORMS)
    first = parses.count
    load_directory(PROCESSES, FORMS)
    assert first == len(MODELS) and parses.count == first


def test_a_spec_is_built_once_per_version(parses):
    models = library(PROCESSES)
    called = {k: models[k] for k in ("tier3_review", "incident_closure", "four_review",
                                     "three_review")}
    first = specs.model_spec(models["post_review"], called)
    assert specs.model_spec(models["post_review"], dict(reversed(called.items()))) is first


# -- the registry -----------------------------------------------------------------


def _properties(path: Path):
    for prop in xmlsafe.parse(path.read_bytes()).iterfind(".//spiffworkflow:property", NS):
        yield prop.get("name"), etree.QName(prop.getparent().getparent().getparent()).localname


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_every_property_a_procedure_uses_is_registered_for_its_element(path):
    for name, element in _properties(path):
        assert name in extensions.REGISTRY, name
        assert element in extensions.REGISTRY[name].elements, (name, element)


def test_every_registered_property_has_a_meaning_and_a_chinese_label():
    for prop in extensions.REGISTRY.values():
        assert prop.meaning and prop.elements and prop.type in {
            "form", "flag", "text", "expression", "labels"}
        assert any("\u4e00" <= ch <= "\u9fff" for ch in prop.label), prop.name


@settings(max_examples=12, deadline=None)
@given(name=st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,20}", fullmatch=True)
       .filter(lambda n: n not in extensions.REGISTRY))
def test_an_unknown_property_is_refused_at_deploy(name):
    xml = THREE.replace('name="recordLabel" value="审稿"', f'name="{name}" value="审稿"')
    assert xml != THREE
    with pytest.raises(ModelError) as err:
        check_model(xml, "three_review.bpmn", FORMS)
    assert any(f"扩展属性 {name!r}不是本系统认可的属性" in p for p in err.value.problems)


def test_a_misspelt_review_stage_is_refused_not_ignored():
    xml = THREE.replace('name="reviewStage"', 'name="reviewstage"')
    with pytest.raises(ModelError, match="'reviewstage'不是本系统认可的属性"):
        check_model(xml, "three_review.bpmn", FORMS)


def test_a_property_on_the_wrong_element_is_refused():
    xml = THREE.replace('name="reviewStage" value="true"', 'name="requiredApprovals" value="审稿"', 1)
    with pytest.raises(ModelError, match="'requiredApprovals'不能用于此类元素 'userTask'"):
        check_model(xml, "three_review.bpmn", FORMS)


@pytest.mark.parametrize(("name", "raw", "value"), [
    ("reviewStage", "true", True), ("reviewStage", "TRUE", True), ("reviewStage", "", False),
    ("reviewStage", None, False), ("reviewStage", "no", False),
    ("requiredApprovals", "审稿， 核稿,审签,", ["审稿", "核稿", "审签"]),
    ("formName", "post_draft", "post_draft"), ("formName", None, None),
    ("recordLabel", "", None),
])
def test_properties_are_read_typed(name, raw, value):
    assert extensions.read({name: raw} if raw is not None else {}, name) == value


def test_the_panel_lists_the_registry():
    assert [p["name"] for p in extensions.panel()] == list(extensions.REGISTRY)
    assert extensions.panel()[0]["labels"] == {"startEvent": "发起表单"}


# -- the specs of every procedure ---------------------------------------------------


def _by_id(tree, tag: str) -> dict[str, etree._Element]:
    return {el.get("id"): el for el in tree.iterfind(f".//bpmn:{tag}", NS)}


def _lanes(tree) -> dict[str, str]:
    return {(ref.text or "").strip(): lane.get("name") for lane in tree.iterfind(".//bpmn:lane", NS)
            for ref in lane.iterfind("bpmn:flowNodeRef", NS)}


def _props(el) -> dict[str, str]:
    path = "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
    return {p.get("name"): p.get("value") for p in el.iterfind(path, NS)}


def _own_spec(path: Path) -> spec.ModelSpec:
    models = library(PROCESSES)
    model = check_model(path.read_text(encoding="utf-8"), path.name, FORMS, models)
    return specs.model_spec(model.xml, model.called)


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_the_spec_of_every_procedure_says_what_its_xml_says(path):
    tree = etree.parse(str(path))
    key, lanes = path.stem, _lanes(tree)
    found = _own_spec(path)
    tasks = {t.id: t for t in found.user_tasks if t.process == key}
    assert set(tasks) == set(_by_id(tree, "userTask"))
    for task_id, el in _by_id(tree, "userTask").items():
        props, task = _props(el), tasks[task_id]
        assert (task.name, task.form, task.record_label, task.assignee) == (
            el.get("name"), props.get("formName"), props.get("recordLabel"), props.get("assignee"))
        assert task.review_stage == (props.get("reviewStage") == "true")
        assert task.role == role_of_lane(lanes[task_id])
    calls = {c.id: c.called for c in found.calls if c.process == key}
    assert calls == {i: el.get("calledElement") for i, el in _by_id(tree, "callActivity").items()}
    ends = {e.id: list(e.required_approvals) for e in found.ends if e.process == key}
    assert {i for i, labels in ends.items() if labels} == {
        i for i, el in _by_id(tree, "endEvent").items() if _props(el).get("requiredApprovals")}
    timers = {t.id for t in found.timers if t.process == key}
    assert timers == {el.getparent().get("id") for el in tree.iterfind(
        ".//bpmn:timerEventDefinition", NS)}


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_the_start_of_every_procedure_is_its_first_start_event(path):
    tree = etree.parse(str(path))
    first = tree.find("bpmn:process/bpmn:startEvent", NS)
    start = _own_spec(path).start
    assert start is not None and start.id == first.get("id")
    assert start.form == _props(first).get("formName")
    assert start.role == role_of_lane(_lanes(tree).get(first.get("id"), "") or "initiator")
    assert start.documentation == (first.findtext("bpmn:documentation", "", NS) or "").strip()


def test_record_labels_come_from_the_spec_of_the_version_and_its_called_models():
    labels = _own_spec(PROCESSES / "post_review.bpmn").record_labels()
    assert labels["Task_review_dept"] == "审稿" and labels["Task_final"] == "党委书记把关"
    assert labels["Task_expert"] == "专家评议"  # a multi-instance task, by its element id
