"""Lay out the procedures of the measures and write them to ``processes/``.

Run ``python -m tools.procedures`` after changing a description in one of the
``tools/models_*.py`` modules; each function describes one model with
:class:`tools.bpmn_writer.Model`.
"""

from __future__ import annotations

from pathlib import Path

from tools.models_accounts import account_approval, account_reinstatement, commendation
from tools.models_incidents import complaint_handling, incident_closure, patrol
from tools.models_releases import matrix_report, press_release
from tools.models_review import four_review, post_review, three_review, tier3_review

PROCESSES = Path(__file__).resolve().parent.parent / "processes"

MODELS = [three_review, four_review, post_review, tier3_review, account_approval,
          incident_closure, complaint_handling, press_release, matrix_report, patrol,
          commendation, account_reinstatement]


def main() -> None:
    for build in MODELS:
        model = build()
        (PROCESSES / f"{model.key}.bpmn").write_text(model.xml(), encoding="utf-8")
        print(f"wrote {model.key}.bpmn")


if __name__ == "__main__":
    main()
