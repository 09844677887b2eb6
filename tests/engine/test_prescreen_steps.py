"""The pre-screen with the steps (issue 15): stored by the drafting step, shown to the
reviewers, an approval over a high finding needs a reason — through the tasks service
that the page, the API and the CLI all call — and replay stays exact."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.app import screening
from engine.app import tasks as service
from engine.audit.replay import verify_instance
from engine.base.errors import Invalid
from tests.support import APPROVE, DRAFT, returned

START = {"title": "冬季心血管健康提示", "media": ["订阅号"]}
RISKY = {**DRAFT, "body": "患者张某（电话 13912345678）经我院治疗，糖尿病已根治。"}
REASON = "已与患者确认同意公开，号码为科室值班电话；“根治”改为“控制良好”后发布。"


def draft(drive, body: dict) -> int:
    instance = drive.start("three_review", "zhangwei", START)
    task = drive.task(instance, "Task_draft")
    service.complete(drive.engine, task.id, "zhangwei", body)
    return instance


def review(drive, instance: int, data: dict, user: str = "zhoujie") -> None:
    task = drive.task(instance, "Task_review")
    if task.assignee is None:
        drive.engine.claim(task.id, user)
    service.complete(drive.engine, task.id, user, data)


def test_the_drafting_step_records_what_the_reviewers_will_be_shown(drive):
    instance = draft(drive, RISKY)
    event = drive.events(instance, "task_completed")[-1]
    recorded = event["payload"]["prescreen"]
    assert recorded["drafted"] is True and recorded["post"] == screening.post_key(RISKY)
    highs = [f for f in recorded["findings"] if f["severity"] == "high"]
    assert {f["text"] for f in highs} >= {"13912345678", "根治"}
    for f in recorded["findings"]:
        if f["field"] in ("title", "body", "source"):
            assert RISKY[f["field"]][f["start"]:f["end"]] == f["text"] != ""
        else:  # something missing (no author department): the whole post, no span
            assert f["field"] == "post" and f["start"] == f["end"] == 0
        assert f["checklist"] in screening.CHECKLIST_TITLES and f["article"].startswith("第")


def test_a_reviewer_is_shown_the_stored_findings_of_the_post_as_it_stands(drive):
    instance = draft(drive, RISKY)
    seq = drive.events(instance, "task_completed")[-1]["seq"]
    task = drive.task(instance, "Task_review")
    with drive.engine.db.reading() as session:
        detail = service.task_detail(session, task.id)
    assert detail.prescreen is not None
    assert detail.prescreen["stored"] is True and detail.prescreen["seq"] == seq
    assert "prescreen" in detail.as_dict()


def test_approving_over_a_high_finding_without_a_reason_is_refused_and_changes_nothing(drive):
    instance = draft(drive, RISKY)
    before = len(drive.events(instance))
    with pytest.raises(Invalid) as refused:
        review(drive, instance, APPROVE)
    assert screening.REASON_FIELD in refused.value.errors
    with pytest.raises(Invalid):
        review(drive, instance, {**APPROVE, screening.REASON_FIELD: "   "})
    assert drive.open_specs(instance) == ["Task_review"]
    assert len(drive.events(instance)) == before + 1  # only the claim


def test_with_a_reason_the_approval_goes_on_and_the_step_keeps_what_it_was_shown(drive):
    instance = draft(drive, RISKY)
    drafted = drive.events(instance, "task_completed")[-1]
    review(drive, instance, {**APPROVE, screening.REASON_FIELD: REASON})
    assert drive.open_specs(instance) == ["Task_check"]
    event = drive.events(instance, "task_completed")[-1]
    shown = event["payload"]["prescreen"]
    assert shown["drafted"] is False and shown["stored"] is True and shown["seq"] == drafted["seq"]
    assert shown["findings"] == drafted["payload"]["prescreen"]["findings"]
    assert event["payload"]["data"][screening.REASON_FIELD] == REASON
    assert verify_instance(drive.engine, instance).ok


def test_returning_needs_no_reason_and_a_clean_post_approves_freely(drive):
    risky = draft(drive, RISKY)
    review(drive, risky, returned("涉及患者隐私", "lawful"))
    assert drive.open_specs(risky) == ["Task_draft"]
    clean = draft(drive, DRAFT)
    review(drive, clean, APPROVE)
    assert drive.open_specs(clean) == ["Task_check"]
    assert not screening.high(drive.events(clean, "task_completed")[-1]["payload"]["prescreen"])


def test_a_revised_post_is_screened_again_and_replay_stays_exact(drive):
    instance = draft(drive, RISKY)
    review(drive, instance, returned("涉及患者隐私", "lawful"))
    service.complete(drive.engine, drive.task(instance, "Task_draft").id, "zhangwei", DRAFT)
    task = drive.task(instance, "Task_review")
    with drive.engine.db.reading() as session:
        shown = service.task_detail(session, task.id).prescreen
    assert shown is not None and shown["post"] == screening.post_key(DRAFT)
    assert not screening.high(shown)
    review(drive, instance, APPROVE)  # the old high findings no longer stand
    for spec, user in [("Task_check", "sunli"), ("Task_sign", "zhengqiang")]:
        drive.act(instance, spec, user, APPROVE)
    verdict = verify_instance(drive.engine, instance)
    assert verdict.ok, verdict.message


def test_a_post_drafted_without_the_service_is_screened_when_the_reviewer_opens_it(drive):
    instance = drive.start("three_review", "zhangwei", START)
    drive.act(instance, "Task_draft", "zhangwei", RISKY)  # the engine alone: nothing stored
    task = drive.task(instance, "Task_review")
    with drive.engine.db.reading() as session:
        shown = service.task_detail(session, task.id).prescreen
    assert shown is not None and shown["stored"] is False and screening.high(shown)
    with pytest.raises(Invalid):
        review(drive, instance, APPROVE)


FINDING = st.fixed_dictionaries({"severity": st.sampled_from(["high", "medium", "low"])})
DECISIONS = st.sampled_from(["approve", "return", "experts", None])
REASONS = st.one_of(st.none(), st.text(max_size=5))


@settings(max_examples=60, deadline=None)
@given(st.lists(FINDING, max_size=4), DECISIONS, REASONS, st.booleans())
def test_the_rule_refuses_exactly_an_unexplained_approval_over_a_high_finding(found, decision, reason,
                                                                             own_field):
    props = {"decision": {"enum": ["approve", "return"]}, "comment": {}}
    if own_field:
        props[screening.REASON_FIELD] = {}
    field = screening.REASON_FIELD if own_field else "comment"
    data = {"decision": decision, field: reason}
    refused = decision == "approve" and any(f["severity"] == "high" for f in found) \
        and not (reason or "").strip()
    try:
        screening.check_reason({"properties": props}, data, {"findings": found})
    except Invalid as err:
        assert refused and field in err.errors
    else:
        assert not refused


def test_the_step_screens_with_the_deployed_rules_and_records_their_version(drive, tmp_path):
    import shutil

    from engine.app import prescreen as rule_sets
    from engine.prescreen import rules_dir
    from tests.conftest import START as NOW

    folder = tmp_path / "rules"
    shutil.copytree(rules_dir(), folder)
    (folder / "advertising.yaml").unlink()  # this version does not look for 根治
    with drive.engine.db.transaction() as session:
        deployed = rule_sets.deploy(session, folder, NOW, "admin")
    instance = draft(drive, RISKY)
    recorded = drive.events(instance, "task_completed")[-1]["payload"]["prescreen"]
    assert recorded["rules"] == deployed["version"]
    assert "根治" not in {f["text"] for f in recorded["findings"]}
    assert "13912345678" in {f["text"] for f in recorded["findings"]}
