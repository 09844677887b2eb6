"""The XML namespaces of a model, defined once for every module that reads BPMN.

``NS`` is the prefix map for ``find``/``xpath``; the ``*_TAG`` prefixes are for
Clark-notation tags (``f"{BPMN_TAG}userTask"``).
"""

from __future__ import annotations

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"

NS = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "spiffworkflow": SPIFF}

#: Clark-notation prefixes: ``f"{BPMN_TAG}process"`` is ``{<BPMN>}process``
BPMN_TAG = f"{{{BPMN}}}"
SPIFF_TAG = f"{{{SPIFF}}}"
DC_TAG = f"{{{DC}}}"
