"""The designer's properties panel gets its extension properties from the engine's registry."""

from __future__ import annotations

from engine.model import extensions


def test_the_modeler_source_carries_the_property_registry(browse):
    source = browse("songyu").get("/designer/models/three_review/source.json").get_json()
    assert source["properties"] == extensions.panel()
    by_name = {p["name"]: p for p in source["properties"]}
    assert by_name["reviewStage"]["type"] == "flag"
    assert by_name["requiredApprovals"]["elements"] == ["endEvent"]
    assert by_name["formName"]["labels"] == {"startEvent": "发起表单"}
