"""停用账号恢复使用 (第十六、十八条): a suspended account returns only after review."""

import pytest

from engine.base.errors import Refused
from engine.registry import accounts
from tests.conftest import START as NOW
from tests.proc_support import account_id, account_named

CHECKS = {k: "pass" for k in ("content_cleaned", "responsibility", "review_in_place")}
AGREE = {"decision": "approve", "checklist": CHECKS}


def suspend(engine, name: str, status: str = "suspended") -> int:
    ident = account_id(engine, name)
    with engine.db.transaction() as session:
        accounts.set_status(session, ident, status, "负面舆情，停用整改", NOW)
    return ident


def apply(drive, ident: int, user: str = "chenjing") -> int:
    return drive.start("account_reinstatement", user, {
        "title": "针推科普恢复使用", "account_id": ident, "rectification": "已撤稿并落实专人审核"})


def test_a_suspended_account_is_restored_after_office_and_leader_agree(drive, engine):
    instance = apply(drive, suspend(engine, "针推科普"))
    drive.act(instance, "Task_office", "sunli", AGREE)
    assert account_named(engine, "针推科普")["status"] == "suspended"
    drive.act(instance, "Task_leader", "zhengqiang", AGREE)
    assert drive.status(instance) == "completed"
    assert account_named(engine, "针推科普")["status"] == "registered"


@pytest.mark.parametrize("stage", ["Task_office", "Task_leader"])
def test_either_reviewer_can_keep_the_account_suspended(drive, engine, stage):
    instance = apply(drive, suspend(engine, "针推科普"))
    if stage == "Task_leader":
        drive.act(instance, "Task_office", "sunli", AGREE)
    user = "sunli" if stage == "Task_office" else "zhengqiang"
    drive.act(instance, stage, user, {"decision": "reject", "comment": "整改不到位",
                                      "checklist": {**CHECKS, "responsibility": "fail"}})
    assert drive.status(instance) == "completed"
    assert account_named(engine, "针推科普")["status"] == "suspended"


def test_a_closed_account_cannot_be_reinstated(drive, engine):
    with pytest.raises(Refused) as refused:
        apply(drive, suspend(engine, "针推科普", "closed"))
    assert "只有停用的账号可以申请恢复" in refused.value.message


def test_only_the_accounts_own_people_may_apply(drive, engine):
    with pytest.raises(Refused) as refused:
        apply(drive, suspend(engine, "针推科普"), user="zhangwei")
    assert "运营者、开设人或主办科室负责人" in refused.value.message
