"""三级平台审核 (第十二条): department head, joint review, expert panel, party-member report."""

import pytest

from engine.base.errors import Invalid, Refused
from engine.read import queries
from engine.registry import accounts
from tests.conftest import START as NOW
from tests.proc_support import account_id
from tests.support import APPROVE, CHECKLIST_PASS, DRAFT, returned

REVIEW_OK = {k: v for k, v in APPROVE.items() if k != "proofread"}
HEAD_OK = {**REVIEW_OK, "head_disputed": False}
ACK = {"acknowledged": True, "conduct_ok": "yes", "opinion": "符合党员网络行为规范"}


def joint(decision="approve", experts=(), comment="同意", failing="scientific") -> dict:
    data = {"decision": decision, "comment": comment, "checklist": CHECKLIST_PASS,
            "secrecy": "public", **({"experts": list(experts)} if decision == "experts" else {})}
    if decision != "approve":
        data["checklist"] = {**CHECKLIST_PASS, failing: "fail"}
    return data


def personal_account(engine, holder="liuyang", department="针灸推拿科") -> int:
    """Register a tier-3 account for ``holder`` (as if approved under 附件1)."""
    with engine.db.transaction() as session:
        dept = session.scalar(accounts.select(accounts.Department.id).where(
            accounts.Department.name == department))
        fields = {"tier": 3, "platform_type": "快手", "platform_name": "快手",
                  "account_name": f"{holder}的科普号", "department_id": dept,
                  "holder": holder, "operator": holder}
        row = accounts.apply(session, fields, None, NOW)
        accounts.set_status(session, row.id, "registered", None, NOW)
        return row.id


def start(drive, engine, user="zhangwei", account=None, **extra) -> int:
    ident = account or account_id(engine, "张伟医生谈心脏")
    instance = drive.start("tier3_review", user, {"account_id": ident, "title": "高血压用药误区",
                                                  "planned_date": "2026-12-01", **extra})
    drive.act(instance, "Task_draft", user, DRAFT)
    return instance


def to_joint(drive, engine, **extra) -> int:
    instance = start(drive, engine, disputed=True, **extra)
    drive.act(instance, "Task_head", "lina", HEAD_OK)
    return instance


def test_ordinary_content_of_a_non_member_needs_only_the_department_head(drive, engine):
    instance = start(drive, engine, "liuyang", personal_account(engine))
    assert drive.open_specs(instance) == ["Task_head"]
    assert drive.task(instance, "Task_head").assignee == "chenjing"
    drive.act(instance, "Task_head", "chenjing", HEAD_OK)
    assert drive.status(instance) == "completed"


def test_a_party_members_post_is_reported_to_the_branch_in_parallel(drive, engine):
    instance = start(drive, engine)
    assert drive.open_specs(instance) == ["Task_branch_report", "Task_head"]
    assert drive.task(instance, "Task_branch_report").assignee == "wangfang"
    drive.act(instance, "Task_head", "lina", HEAD_OK)
    assert drive.status(instance) == "running"
    drive.act(instance, "Task_branch_report", "wangfang", ACK)
    assert drive.status(instance) == "completed"
    report = [e for e in drive.events(instance, "task_completed")
              if e["task_spec"] == "Task_branch_report"][0]
    assert (report["actor"], report["role"]) == ("wangfang", "party_branch_head")
    assert report["payload"]["data"]["acknowledged"] is True


def test_the_department_head_returns_and_the_author_revises(drive, engine):
    instance = start(drive, engine, "liuyang", personal_account(engine))
    back = {k: v for k, v in returned("疗效表述夸大", "scientific").items() if k != "proofread"}
    drive.act(instance, "Task_head", "chenjing", {**back, "head_disputed": False})
    assert drive.open_specs(instance) == ["Task_revise"]
    drive.act(instance, "Task_revise", "liuyang", DRAFT)
    drive.act(instance, "Task_head", "chenjing", HEAD_OK)
    assert drive.status(instance) == "completed"


@pytest.mark.parametrize("marked_by", ["author", "head"])
def test_disputed_content_goes_to_a_parallel_joint_review(drive, engine, marked_by):
    instance = start(drive, engine, disputed=marked_by == "author")
    drive.act(instance, "Task_head", "lina", {**HEAD_OK, "head_disputed": marked_by == "head"})
    assert drive.open_specs(instance) == ["Task_branch_report", "Task_joint_medical",
                                          "Task_joint_office"]
    drive.act(instance, "Task_branch_report", "wangfang", ACK)
    drive.act(instance, "Task_joint_office", "zhaolei", joint())
    assert drive.status(instance) == "running"
    drive.act(instance, "Task_joint_medical", "zhoujie", joint())
    assert drive.status(instance) == "completed"


@pytest.mark.parametrize("who", ["office", "medical"])
def test_either_joint_reviewer_can_return_the_post(drive, engine, who):
    instance = to_joint(drive, engine)
    office = joint("return", comment="引用文献未经认证") if who == "office" else joint()
    medical = joint("return", comment="剂量表述错误") if who == "medical" else joint()
    drive.act(instance, "Task_joint_office", "zhaolei", office)
    drive.act(instance, "Task_joint_medical", "zhoujie", medical)
    assert "Task_revise" in drive.open_specs(instance)
    drive.act(instance, "Task_revise", "zhangwei", DRAFT)
    drive.act(instance, "Task_head", "lina", HEAD_OK)
    assert "Task_joint_office" in drive.open_specs(instance)


def test_disputed_content_goes_to_joint_review_then_to_the_chosen_experts(drive, engine):
    instance = to_joint(drive, engine)
    drive.act(instance, "Task_joint_office", "zhaolei",
              joint("experts", ["fengxue"], "疗效证据需专家评议"))
    drive.act(instance, "Task_joint_medical", "zhoujie",
              joint("experts", ["hanmei", "fengxue"], "请心血管专家评议"))
    panel = [t for t in drive.open_tasks(instance) if t.role == "expert"]
    assert sorted(t.assignee for t in panel) == ["fengxue", "hanmei"]
    verdicts = {"fengxue": "agree", "hanmei": "revise"}
    for task in panel:
        engine.complete(task.id, task.assignee, {"conclusion": verdicts[task.assignee],
                                                 "opinion": f"{task.assignee}的意见"})
    assert sorted(s for s in drive.open_specs(instance) if s.startswith("Task_joint")) == [
        "Task_joint_medical", "Task_joint_office"]
    assert {(e["expert"], e["conclusion"]) for e in _opinions(drive, instance)} == {
        ("fengxue", "agree"), ("hanmei", "revise")}
    with engine.db.transaction() as session:
        seen = queries.task_detail(session, drive.task(instance, "Task_joint_office").id)
    in_view = {(s["actor"], s["data"]["opinion"]) for s in seen["submissions"]
               if s["role"] == "expert"}
    assert in_view == {("fengxue", "fengxue的意见"), ("hanmei", "hanmei的意见")}
    drive.act(instance, "Task_joint_office", "zhaolei", joint())
    drive.act(instance, "Task_joint_medical", "zhoujie", joint())
    drive.act(instance, "Task_branch_report", "wangfang", ACK)
    assert drive.status(instance) == "completed"


def _opinions(drive, instance) -> list[dict]:
    events = drive.events(instance, "task_completed")
    return [{"expert": e["actor"], **e["payload"]["data"]} for e in events
            if e["role"] == "expert"]


def test_an_expert_request_must_name_experts_and_approval_needs_none(drive, engine):
    """第十二条二: experts are named only when the panel is called (x-when on the form)."""
    instance = to_joint(drive, engine)
    office = drive.task(instance, "Task_joint_office")
    engine.claim(office.id, "zhaolei")
    for data, message in [(joint("experts", [], "需要评议"), "至少选择 1 项"),
                          ({**joint("experts", [], "需要评议")} | {"experts": None}, "不能为空"),
                          ({**joint("experts", [], "需要评议"), "experts": "drop"}, "此项为必填项"),
                          ({**joint(), "experts": ["fengxue"]}, "提请专家评议")]:
        data = {k: v for k, v in data.items() if v != "drop"}
        with pytest.raises(Invalid) as refused:
            engine.complete(office.id, "zhaolei", data)
        assert message in refused.value.errors["experts"][0]
    drive.act(instance, "Task_joint_office", "zhaolei", joint())
    drive.act(instance, "Task_joint_medical", "zhoujie", joint())
    drive.act(instance, "Task_branch_report", "wangfang", ACK)
    assert drive.status(instance) == "completed"


def test_a_chosen_expert_must_hold_the_expert_role(drive, engine):
    """Refused on the server when submitted (ui.choices), not only when the panel opens."""
    instance = to_joint(drive, engine)
    with pytest.raises(Refused) as refused:
        drive.act(instance, "Task_joint_office", "zhaolei", joint("experts", ["liuyang"], "评议"))
    assert "liuyang" in refused.value.message and "专家" in refused.value.message
    assert refused.value.errors == {"experts": [refused.value.message]}
    assert "Task_joint_office" in drive.open_specs(instance)


def test_the_joint_reviewers_cannot_be_the_department_head(drive, engine):
    """三审 convention: lina (department head) may not also take a joint-review stage."""
    with engine.db.transaction() as session:  # two holders: the task waits in the queue
        from engine.store.schema import RoleHolding

        session.add(RoleHolding(username="lina", role="medical_affairs"))
    instance = to_joint(drive, engine)
    with pytest.raises(Refused) as refused:
        engine.claim(drive.task(instance, "Task_joint_medical").id, "lina")
    assert "同一人不得承担同一事项的两个审核环节" in refused.value.message


def test_joint_review_may_call_the_panel_again_after_reading_the_opinions(drive, engine):
    instance = to_joint(drive, engine)
    for _ in range(2):
        drive.act(instance, "Task_joint_office", "zhaolei", joint("experts", ["fengxue"], "评议"))
        drive.act(instance, "Task_joint_medical", "zhoujie", joint())
        [expert] = [t for t in drive.open_tasks(instance) if t.role == "expert"]
        engine.complete(expert.id, "fengxue", {"conclusion": "revise", "opinion": "补充指南出处"})
    assert len(_opinions(drive, instance)) == 2
    drive.act(instance, "Task_joint_office", "zhaolei", joint())
    drive.act(instance, "Task_joint_medical", "zhoujie", joint())
    drive.act(instance, "Task_branch_report", "wangfang", ACK)
    assert drive.status(instance) == "completed"
