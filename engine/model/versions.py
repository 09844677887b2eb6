"""Differences between two versions of a model: elements added, removed, changed.

Elements are matched by id; an element changed when its kind, name,
attributes, documentation, expressions or Spiff properties differ.  The
diagram (DI) is ignored: moving a shape is no change to the procedure.
"""

from __future__ import annotations

from lxml import etree

from engine.model import extensions
from engine.model.namespaces import BPMN
from engine.model.trees import tree_of

#: Elements that contain other elements: their own signature reads only direct children,
#: so that a change inside (a task's property) is not reported on the process too.
CONTAINERS = {"process", "subProcess", "transaction", "adHocSubProcess", "laneSet", "lane"}


def _signature(el: etree._Element) -> dict:
    props = extensions.of_element(el)
    scope = el.iterchildren() if etree.QName(el).localname in CONTAINERS else el.iter()
    texts = {etree.QName(child).localname: (child.text or "").strip()
             for child in scope if child is not el and isinstance(child.tag, str)
             and (child.text or "").strip() and child.tag.startswith(f"{{{BPMN}}}")
             and etree.QName(child).localname not in ("incoming", "outgoing", "flowNodeRef")}
    attrs = {k: v for k, v in el.attrib.items() if k != "id"}
    return {"kind": etree.QName(el).localname, "attributes": attrs, "texts": texts,
            "properties": props}


def _elements(xml: str) -> dict[str, tuple[str, dict]]:
    tree = tree_of(xml)
    found = {}
    for process in tree.iterfind(f".//{{{BPMN}}}process"):
        for el in process.iter():
            if isinstance(el.tag, str) and el.tag.startswith(f"{{{BPMN}}}") and el.get("id"):
                found[el.get("id")] = (el.get("name") or el.get("id"), _signature(el))
    return found


def diff_models(old_xml: str, new_xml: str) -> dict[str, list[dict]]:
    """Return ``{"added": [...], "removed": [...], "changed": [...]}`` between two versions."""
    old, new = _elements(old_xml), _elements(new_xml)
    changed = []
    for element_id in sorted(set(old) & set(new)):
        (_name, before), (_n, after) = old[element_id], new[element_id]
        fields = sorted(k for part in ("attributes", "texts", "properties")
                        for k in set(before[part]) | set(after[part])
                        if before[part].get(k) != after[part].get(k))
        if before["kind"] != after["kind"]:
            fields.insert(0, "kind")
        if fields:
            changed.append({"id": element_id, "name": new[element_id][0], "fields": fields,
                            "before": {f: _value(before, f) for f in fields},
                            "after": {f: _value(after, f) for f in fields}})
    return {
        "added": [{"id": i, "name": new[i][0], "kind": new[i][1]["kind"]} for i in sorted(set(new) - set(old))],
        "removed": [{"id": i, "name": old[i][0], "kind": old[i][1]["kind"]} for i in sorted(set(old) - set(new))],
        "changed": changed,
    }


def _value(signature: dict, field: str):
    if field == "kind":
        return signature["kind"]
    for part in ("attributes", "texts", "properties"):
        if field in signature[part]:
            return signature[part][field]
    return None
