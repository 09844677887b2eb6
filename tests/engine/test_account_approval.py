"""新媒体平台认证审批 (附件1, 第五、六条): stages, one account per type, registration."""

import threading

import pytest
from sqlalchemy import func, select

from engine.base.errors import Refused
from engine.read.queries import current_values
from engine.run.runtime import Engine
from engine.store.persistence import Database
from engine.store.schema import Account
from tests.proc_support import account, account_named, recorded_inputs

CHECK_PASS = {k: "pass" for k in ("medical_only", "not_in_hospital_name", "commitment",
                                  "one_per_type")}
AGREE = {"decision": "approve", "checklist": CHECK_PASS, "comment": "同意。"}
STAGES = [("Task_dept", "lina"), ("Task_functional", "zhoujie"), ("Task_office", "sunli"),
          ("Task_leader", "zhengqiang")]


def reject(reason: str, failing: str = "medical_only") -> dict:
    return {"decision": "reject", "comment": reason, "checklist": {**CHECK_PASS, failing: "fail"}}


def application(tier: int, platform: str, name: str, **extra) -> dict:
    return {"title": f"开设{name}", "tier": tier, "platform_type": platform,
            "platform_name": platform, "account_name": name,
            "purpose": "心血管疾病健康科普", "commitment": True, **extra}


def approve_all(drive, instance, stages=STAGES) -> None:
    for spec, user in stages:
        assert drive.open_specs(instance) == [spec]
        drive.act(instance, spec, user, AGREE)


def _account_id(engine, instance) -> int:
    with engine.db.transaction() as session:
        return session.scalar(select(Account.id).where(Account.instance_id == instance))


def test_tier3_application_is_approved_and_registered(drive, engine):
    instance = drive.start("account_approval", "liuyang", application(3, "抖音", "刘洋说推拿"))
    assert account(engine, _account_id(engine, instance))["status"] == "applied"
    readings = {r["helper"]: r["result"] for r in recorded_inputs(engine, instance)}
    assert (readings["same_type_accounts"], readings["apply_account"]) == (
        0, _account_id(engine, instance))
    approve_all(drive, instance, [("Task_dept", "chenjing"), *STAGES[1:]])
    assert drive.status(instance) == "completed"
    registered = account(engine, _account_id(engine, instance))
    assert (registered["status"], registered["tier"], registered["holder"]) == (
        "registered", 3, "liuyang")
    assert registered["department"] == "针灸推拿科"
    assert registered["supervisors"] == "所属科室负责人、支部负责人"
    signers = [(e["task_spec"], e["actor"], e["role"]) for e in drive.events(
        instance, "task_completed")]
    assert signers == [("Task_dept", "chenjing", "department_head"),
                       ("Task_functional", "zhoujie", "functional_dept"),
                       ("Task_office", "sunli", "general_office"),
                       ("Task_leader", "zhengqiang", "publicity_leader")]


def test_tier2_application_for_a_new_platform_type_needs_no_consent(drive, engine):
    instance = drive.start("account_approval", "lina",
                           application(2, "抖音", "心血管内科抖音"))
    # lina heads the department and applies herself: 科室审核 passes to the functional departments
    assert (drive.task(instance, "Task_dept").role, drive.task(instance, "Task_dept").pool) == (
        "functional_dept", True)
    approve_all(drive, instance, [("Task_dept", "wuhua"), *STAGES[1:]])
    registered = account(engine, _account_id(engine, instance))
    assert (registered["status"], registered["holder"], registered["supervisors"]) == (
        "registered", None, "党政综合办公室")


@pytest.mark.parametrize("stage", range(4), ids=["科室审核", "职能科审核", "党政综合办审核", "分管领导"])
def test_any_stage_can_reject_with_reasons_the_applicant_sees(drive, engine, stage):
    instance = drive.start("account_approval", "liuyang", application(3, "快手", "刘洋推拿课"))
    stages = [("Task_dept", "chenjing"), *STAGES[1:]]
    approve_all(drive, instance, stages[:stage])
    spec, user = stages[stage]
    drive.act(instance, spec, user, reject("内容涉及商业推广", "medical_only"))
    assert drive.status(instance) == "completed"
    assert drive.open_specs(instance) == []
    result = account(engine, _account_id(engine, instance))
    assert (result["status"], result["status_reason"]) == ("rejected", "内容涉及商业推广")
    with engine.db.transaction() as session:
        assert current_values(session, instance)["comment"] == "内容涉及商业推广"
    last = drive.events(instance, "task_completed")[-1]
    assert (last["actor"], last["payload"]["decision"]) == (user, "reject")


def test_a_rejection_must_give_a_reason_and_name_the_failing_item(drive, engine):
    instance = drive.start("account_approval", "liuyang", application(3, "快手", "刘洋推拿课"))
    task = drive.task(instance, "Task_dept")
    with pytest.raises(Refused) as refused:
        engine.complete(task.id, "chenjing", {"decision": "reject", "checklist": CHECK_PASS})
    assert "comment" in refused.value.errors
    assert drive.open_specs(instance) == ["Task_dept"]


def test_a_second_account_of_the_same_type_needs_the_supervisors_consent_first(drive, engine):
    """第六条: zhangwei already holds a Douyin account; a second one needs consent."""
    instance = drive.start("account_approval", "zhangwei", application(3, "抖音", "张伟医生第二号"))
    assert drive.open_specs(instance) == ["Task_consent_dept"]
    assert drive.task(instance, "Task_consent_dept").assignee == "lina"
    drive.act(instance, "Task_consent_dept", "lina", {"decision": "approve", "comment": "工作需要"})
    approve_all(drive, instance)
    assert account(engine, _account_id(engine, instance))["status"] == "registered"


def test_a_second_tier2_account_needs_the_general_offices_consent(drive, engine):
    instance = drive.start("account_approval", "lina",
                           application(2, "订阅号", "心血管内科第二订阅号"))
    assert drive.open_specs(instance) == ["Task_consent_office"]
    drive.act(instance, "Task_consent_office", "zhaolei",
              {"decision": "reject", "comment": "已有订阅号，不同意重复开设"})
    assert drive.status(instance) == "completed"
    result = account(engine, _account_id(engine, instance))
    assert (result["status"], result["status_reason"]) == ("rejected", "已有订阅号，不同意重复开设")


def test_a_pending_application_counts_for_the_one_per_type_rule(drive, engine):
    drive.start("account_approval", "liuyang", application(3, "微博", "刘洋微博"))
    second = drive.start("account_approval", "liuyang", application(3, "微博", "刘洋微博二"))
    assert drive.open_specs(second) == ["Task_consent_dept"]


def test_a_person_may_not_open_an_account_in_the_hospitals_name(drive, engine):
    with engine.db.transaction() as session:
        before = session.scalar(select(func.count()).select_from(Account))
    with pytest.raises(Refused) as refused:
        drive.start("account_approval", "liuyang", application(3, "抖音", "绍兴市中医院推拿科普"))
    assert "禁止任何个人以医院名义" in refused.value.message
    with engine.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Account)) == before


def test_the_commitment_must_be_signed(drive):
    with pytest.raises(Refused) as refused:
        drive.start("account_approval", "liuyang",
                    application(3, "抖音", "刘洋说推拿", commitment=False))
    assert "commitment" in refused.value.errors


def test_the_seeded_tier1_accounts_are_registered(engine):
    website = account_named(engine, "绍兴市中医院")
    assert (website["tier"], website["department"], website["status"]) == (
        1, "党政综合办公室", "registered")


def test_an_other_platform_must_be_named(drive):
    with pytest.raises(Refused) as refused:
        drive.start("account_approval", "liuyang", application(3, "其他", "刘洋推拿"))
    assert "请注明" in refused.value.message
    instance = drive.start("account_approval", "liuyang",
                           application(3, "其他", "刘洋推拿", platform_other="小红书"))
    assert drive.open_specs(instance) == ["Task_dept"]


def test_a_department_account_is_applied_for_by_the_department_head(drive):
    with pytest.raises(Refused) as refused:
        drive.start("account_approval", "zhangwei", application(2, "微博", "心血管内科微博"))
    assert "应由科室负责人申请" in refused.value.message


def test_two_simultaneous_applications_of_one_holder_are_counted_in_turn(engine, drive, db_url):
    """第六条 under concurrency: of two same-type applications at once, the second needs consent."""
    engines = [Engine(Database(db_url), engine.clock) for _ in range(2)]
    barrier, started = threading.Barrier(2), []

    def apply(eng, name):
        barrier.wait()
        started.append(eng.start("account_approval", "liuyang", application(3, "微博", name)))

    threads = [threading.Thread(target=apply, args=(e, f"刘洋微博{i}"))
               for i, e in enumerate(engines)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.db.dispose()
    assert sorted(drive.open_specs(i)[0] for i in started) == ["Task_consent_dept", "Task_dept"]
