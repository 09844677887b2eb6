"""Every procedure model: deployable, Chinese names, article numbers, lanes, complete diagram."""

import re
from pathlib import Path

import pytest
from lxml import etree

from engine.model.deployment import load_directory
from engine.model.namespaces import DC_TAG, NS

ROOT = Path(__file__).resolve().parents[2]
MODELS = sorted((ROOT / "processes").glob("*.bpmn"))
DI = NS
CJK = re.compile(r"[\u4e00-\u9fff]")
ARTICLE = re.compile(r"第[一二三四五六七八九十、]+条|附件[12]")
FLOW_NODES = ("startEvent", "endEvent", "userTask", "scriptTask", "callActivity",
              "exclusiveGateway", "parallelGateway", "boundaryEvent")


def elements(tree, *tags):
    return [el for tag in tags for el in tree.iterfind(f".//bpmn:{tag}", NS)]


@pytest.fixture(scope="module")
def deployed():
    return {m.key: m for m in load_directory(ROOT / "processes", ROOT / "forms")}


def test_every_model_deploys_without_a_problem(deployed):
    assert {"account_approval", "post_review", "three_review", "four_review", "tier3_review",
            "incident_closure", "complaint_handling", "press_release"} <= set(deployed)


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_every_element_has_a_chinese_name(path):
    tree = etree.parse(str(path))
    named = elements(tree, *FLOW_NODES, "sequenceFlow", "lane", "process", "participant")
    unnamed = [el.get("id") for el in named if not CJK.search(el.get("name") or "")]
    assert unnamed == []


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_process_and_tasks_cite_the_measures(path):
    tree = etree.parse(str(path))
    documented = [tree.find("bpmn:process", NS), *elements(tree, "userTask")]
    uncited = [el.get("id") for el in documented
               if not ARTICLE.search(el.findtext("bpmn:documentation", "", NS))]
    assert uncited == []


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_the_diagram_draws_every_element(path):
    tree = etree.parse(str(path))
    drawn = {el.get("bpmnElement") for el in tree.iterfind(".//bpmndi:BPMNShape", DI)}
    drawn |= {el.get("bpmnElement") for el in tree.iterfind(".//bpmndi:BPMNEdge", DI)}
    wanted = {el.get("id") for el in elements(tree, *FLOW_NODES, "sequenceFlow", "lane",
                                                "participant")}
    assert wanted - drawn == set()


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_every_flow_node_sits_in_a_lane(path):
    tree = etree.parse(str(path))
    in_lanes = {ref.text for ref in tree.iterfind(".//bpmn:flowNodeRef", NS)}
    nodes = {el.get("id") for el in elements(tree, *FLOW_NODES)}
    assert nodes - in_lanes == set()


def _bounds(tree) -> dict[str, tuple[float, float, float, float]]:
    dc = f"{DC_TAG}Bounds"
    return {s.get("bpmnElement"): tuple(float(s.find(dc).get(k)) for k in ("x", "y", "width",
                                                                            "height"))
            for s in tree.iterfind(".//bpmndi:BPMNShape", DI)}


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_every_shape_is_drawn_inside_its_lane(path):
    tree = etree.parse(str(path))
    bounds, outside = _bounds(tree), []
    for lane in tree.iterfind(".//bpmn:lane", NS):
        _, top, _, height = bounds[lane.get("id")]
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            node = tree.find(f".//*[@id='{ref.text}']")
            _, y, _, h = bounds[ref.text]
            if not node.tag.endswith("boundaryEvent") and not top <= y <= y + h <= top + height:
                outside.append(ref.text)
    assert outside == []


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_no_two_shapes_overlap(path):
    tree = etree.parse(str(path))
    nodes = {el.get("id") for el in elements(tree, *FLOW_NODES)
             if not el.tag.endswith("boundaryEvent")}
    boxes = [(k, b) for k, b in _bounds(tree).items() if k in nodes]
    overlapping = [(a, b) for i, (a, (ax, ay, aw, ah)) in enumerate(boxes)
                   for b, (bx, by, bw, bh) in boxes[i + 1:]
                   if ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah]
    assert overlapping == []
