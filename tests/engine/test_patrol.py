"""网络巡查 (第十九条): four offices patrol in parallel; findings go to incident handling."""

from tests.proc_support import account_id, account_named

START = {"title": "2026年11月新媒体网络巡查", "period": "2026-11-01至2026-11-30"}
PATROLLERS = [("Task_patrol_it", "songyu"), ("Task_patrol_office", "zhaolei"),
              ("Task_patrol_pbo", "mali"), ("Task_patrol_pr", "xuli")]
ROLES = {"general_office", "party_building_office", "patient_relations", "it_office"}


def patrol(drive, issue_on=None) -> int:
    instance = drive.start("patrol", "sunli", START)
    assert drive.open_specs(instance) == [spec for spec, _ in PATROLLERS]
    assert {t.role for t in drive.open_tasks(instance)} == ROLES
    for spec, user in PATROLLERS:
        found = spec == issue_on
        drive.act(instance, spec, user, {"issues_found": found,
                                         "findings": "发现违规内容" if found else "未发现问题"})
    return instance


def test_a_patrol_without_findings_is_archived(drive):
    instance = patrol(drive)
    drive.act(instance, "Task_summary", "sunli", {"outcome": "none", "summary": "各账号运行正常"})
    assert drive.status(instance) == "completed"


def test_the_summary_waits_for_all_four_offices(drive):
    instance = drive.start("patrol", "sunli", START)
    for spec, user in PATROLLERS[:3]:
        drive.act(instance, spec, user, {"issues_found": False, "findings": "未发现问题"})
    assert drive.open_specs(instance) == ["Task_patrol_pr"]


def test_a_finding_is_handed_to_incident_handling(drive, engine):
    instance = patrol(drive, issue_on="Task_patrol_pr")
    drive.act(instance, "Task_summary", "sunli", {"outcome": "incident",
                                                  "summary": "医患办发现负面信息"})
    drive.act(instance, "Task_refer", "sunli", {
        "account_id": account_id(engine, "针推科普"), "finding": "negative",
        "description": "评论区出现医疗纠纷细节"})
    assert drive.open_specs(instance) == ["Task_report_office", "Task_report_pbo"]
    drive.act(instance, "Task_report_pbo", "mali", {"acknowledged": True})
    drive.act(instance, "Task_report_office", "zhaolei", {"acknowledged": True})
    drive.act(instance, "Task_verify", "sunli", {
        "fix_verified": True, "violation": "art18", "consequence": "suspend",
        "ban_commendation": False, "refer_discipline": False, "comment": "停用整改"})
    assert drive.status(instance) == "completed"
    assert account_named(engine, "针推科普")["status"] == "suspended"
