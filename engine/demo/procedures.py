"""Sample items of every procedure of the measures, for ``shenfa demo``.

Each walk leaves one item in a telling state: finished, rejected, waiting at a
named stage, escalated.  They use the demo hospital's users and registry.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.store.schema import Account

CHECKLIST_PASS = {k: "pass" for k in
                  ("political", "scientific", "lawful", "public_interest", "form", "forbidden")}
REVIEW_OK = {"decision": "approve", "checklist": CHECKLIST_PASS, "secrecy": "public",
             "comment": "同意。"}
APPROVE = {**REVIEW_OK, "proofread": True}
ACCOUNT_OK: dict[str, Any] = {"decision": "approve", "comment": "同意。", "checklist": {
    k: "pass" for k in ("medical_only", "not_in_hospital_name", "commitment", "one_per_type")}}
DRAFT = {"title": "冬季心血管健康提示", "body": "注意保暖、规律服药；胸痛持续不缓解请及时就医。",
         "source": "心血管内科原创（参考《中国高血压防治指南》）"}
THREE = [("Task_review", "zhoujie"), ("Task_check", "sunli"), ("Task_sign", "zhengqiang")]
ACK = {"acknowledged": True, "note": "已知悉"}
NOW = "2026-11-26T09:00:00"


def account_id(w, name: str) -> int:
    with w.engine.db.transaction() as session:
        return session.scalar(select(Account.id).where(Account.account_name == name))


def application(tier: int, platform: str, name: str) -> dict[str, Any]:
    return {"title": f"开设「{name}」", "tier": tier, "platform_type": platform,
            "platform_name": platform, "account_name": name, "purpose": "健康科普",
            "commitment": True}


def account_registered(w) -> int:
    """附件1: 刘洋's Kuaishou account approved at every stage and registered."""
    instance = w.start("account_approval", "liuyang", application(3, "快手", "刘洋说推拿"))
    for spec, user in [("Task_dept", "chenjing"), ("Task_functional", "wuhua"),
                       ("Task_office", "sunli"), ("Task_leader", "zhengqiang")]:
        w.act(instance, spec, user, ACCOUNT_OK)
    return instance


def account_rejected(w) -> int:
    """附件1: a departmental Weibo rejected at 职能科审核 with reasons.

    陈静 heads the department and applies herself, so 科室审核 passes to the
    functional departments (the author never reviews her own item).
    """
    instance = w.start("account_approval", "chenjing", application(2, "微博", "针推科微博"))
    w.act(instance, "Task_dept", "wuhua", ACCOUNT_OK)
    w.act(instance, "Task_functional", "zhoujie", {
        **ACCOUNT_OK, "decision": "reject", "comment": "拟发布内容含科室推广，属医疗广告。",
        "checklist": {**ACCOUNT_OK["checklist"], "medical_only": "fail"}})
    return instance


def account_awaiting_consent(w) -> int:
    """第六条: 张伟 already holds a Douyin account; the second waits for consent."""
    return w.start("account_approval", "zhangwei", application(3, "抖音", "张伟医生第二号"))


def post(w, account: str, user: str, day: str, **extra) -> int:
    return w.start("post_review", user, {"account_id": account_id(w, account),
                                         "title": extra.pop("title", DRAFT["title"]),
                                         "planned_date": day, **extra})


def four_review_at_secretary(w) -> int:
    """第十一条: a tier-1 post for 国家宪法日 waiting for the Party Secretary."""
    instance = post(w, "浙江省绍兴市中医院服务号", "zhaolei", "2026-12-04", title="宪法日普法宣传")
    w.act(instance, "Task_draft", "zhaolei", {**DRAFT, "title": "宪法日普法宣传"})
    for spec, user in THREE:
        w.act(instance, spec, user, APPROVE)
    return instance


def tier2_at_department_head(w) -> int:
    """第十一条 (二级平台参照执行): waiting for 李娜, the department head, to take 审稿."""
    instance = post(w, "心血管内科健康课堂", "zhangwei", "2026-12-01")
    w.act(instance, "Task_draft", "zhangwei", DRAFT)
    return instance


def tier1_published_monitoring(w) -> int:
    """第十一、十三条: approved by 三审三校, published, now watched for comments."""
    instance = post(w, "浙江省绍兴市中医院订阅号", "zhaolei", "2026-12-01", title="冬季护心指南")
    w.act(instance, "Task_draft", "zhaolei", {**DRAFT, "title": "冬季护心指南"})
    for spec, user in THREE:
        w.act(instance, spec, user, APPROVE)
    w.act(instance, "Task_publish", "zhaolei", {"published_url": "https://example.cn/p/3",
                                                "published_at": NOW})
    return instance


def tier3_at_expert_panel(w) -> int:
    """第十二条: disputed tier-3 content at the expert panel; the branch report is done."""
    instance = post(w, "张伟医生谈心脏", "zhangwei", "2026-12-01", title="高血压停药误区",
                    disputed=True)
    w.act(instance, "Task_draft", "zhangwei", {**DRAFT, "title": "高血压停药误区"})
    w.act(instance, "Task_branch_report", "wangfang",
          {"acknowledged": True, "conduct_ok": "yes", "opinion": "符合规范"})
    w.act(instance, "Task_head", "lina", {**REVIEW_OK, "head_disputed": True})
    experts = {**REVIEW_OK, "decision": "experts", "comment": "停药建议需专家评议",
               "checklist": {**CHECKLIST_PASS, "scientific": "fail"}, "experts": ["fengxue"]}
    w.act(instance, "Task_joint_office", "zhaolei", experts)
    w.act(instance, "Task_joint_medical", "zhoujie", {**experts, "experts": ["hanmei"]})
    w.act(instance, "Task_expert", "fengxue", {"conclusion": "revise", "opinion": "补充指南出处"})
    return instance


def incident(w, account: str, operator: str, finding: str) -> int:
    instance = w.start("incident_closure", operator, {"account_id": account_id(w, account),
                                                      "title": "冬季养生提示"})
    w.act(instance, "Task_publish", operator, {"published_url": "https://example.cn/p/1",
                                               "published_at": NOW})
    w.act(instance, "Task_monitor", operator, {"finding": finding, "description": "评论区反映"})
    return instance


def incident_correction_running(w) -> int:
    """第十三条: a wording error to correct within 30 minutes (the timer is running)."""
    return incident(w, "心血管内科健康课堂", "lina", "wording")


def incident_account_closed(w) -> int:
    """第十六、十八条: negative information, reported, then the account is closed."""
    instance = incident(w, "刘洋说推拿", "liuyang", "negative")
    w.act(instance, "Task_report_pbo", "mali", ACK)
    w.act(instance, "Task_report_office", "zhaolei", ACK)
    w.act(instance, "Task_verify", "sunli", {
        "fix_verified": True, "violation": "art16_2", "consequence": "close",
        "ban_commendation": True, "refer_discipline": True, "comment": "引发负面舆情，责令关闭。"})
    return instance


def complaint(w, contact: str | None) -> int:
    data = {"title": "视频夸大疗效", "content": "视频称某偏方可根治高血压。",
            "anonymous": contact is None, **({"contact": contact} if contact else {})}
    instance = w.start("complaint_handling", "liuyang", data)
    w.act(instance, "Task_register", "zhaolei", {
        "account_id": account_id(w, "张伟医生谈心脏"), "category": "content",
        "summary": "反映三级平台账号宣传偏方"})
    return instance


def complaint_unfounded(w) -> int:
    """第十九条: verified in parallel, unfounded, closed (anonymous: no reply)."""
    instance = complaint(w, None)
    w.act(instance, "Task_verify_di", "heping", {"founded": "unfounded", "findings": "未见违规"})
    w.act(instance, "Task_verify_ma", "zhoujie", {"founded": "unfounded", "findings": "有指南依据"})
    w.act(instance, "Task_outcome", "heping", {"outcome": "unfounded", "handling": "不属实"})
    return instance


def complaint_founded_in_incident(w) -> int:
    """第十九条 → 第十三条: founded; the operator must withdraw the post within 30 minutes."""
    instance = complaint(w, "13800000000")
    w.act(instance, "Task_verify_di", "heping", {"founded": "founded", "findings": "已调阅视频"})
    w.act(instance, "Task_verify_ma", "zhoujie", {"founded": "founded", "findings": "无循证依据"})
    w.act(instance, "Task_outcome", "heping", {"outcome": "wrong", "handling": "责令撤稿"})
    return instance


def press_release_partly_published(w) -> int:
    """第十四条: issued after four-review; one account has published, two have not yet."""
    instance = w.start("press_release", "zhaolei", {
        "title": "关于流感高峰期就诊安排的通告", "event_type": "hot",
        "planned_date": "2026-11-27", "media": ["官网", "服务号"]})
    w.act(instance, "Task_draft", "zhaolei", {**DRAFT, "title": "关于流感高峰期就诊安排的通告"})
    for spec, user in [*THREE, ("Task_final", "qianjun")]:
        w.act(instance, spec, user, APPROVE)
    w.act(instance, "Task_confirm", "lina", {"published_url": "https://example.cn/r/1",
                                             "published_at": NOW, "as_written": True})
    return instance


def matrix_report_waiting(w) -> int:
    """第十五条: a department's important post forwarded to the official accounts."""
    return w.start("matrix_report", "lina", {
        "account_id": account_id(w, "心血管内科健康课堂"), "title": "胸痛中心通过国家认证",
        "published_url": "https://example.cn/p/2", "summary": "科室重要信息，建议官方转发"})


def patrol_at_summary(w) -> int:
    """第十九条: four offices have patrolled; the General Office is to sum up."""
    instance = w.start("patrol", "sunli", {"title": "2026年11月新媒体网络巡查",
                                           "period": "2026-11-01至2026-11-30"})
    for spec, user in [("Task_patrol_office", "zhaolei"), ("Task_patrol_pbo", "mali"),
                       ("Task_patrol_pr", "xuli"), ("Task_patrol_it", "songyu")]:
        w.act(instance, spec, user, {"issues_found": False, "findings": "未发现问题"})
    return instance


def commendation_barred(w) -> int:
    """第十六、二十一条: 刘洋's account was closed this year, so he cannot be commended."""
    return w.start("commendation", "zhaolei", {"title": "优质科普表彰", "nominee": "liuyang",
                                                "year": w.engine.clock.now().year,
                                                "achievement": "推拿科普系列"})


def commendation_waiting(w) -> int:
    """第二十一条: a nomination waiting for the leader in charge of publicity."""
    return w.start("commendation", "zhaolei", {"title": "优质科普表彰", "nominee": "chenjing",
                                                "year": w.engine.clock.now().year,
                                                "achievement": "针推科普视频"})


def reinstatement_waiting(w) -> int:
    """第十八条: 针推科普 suspended after withdrawn content; its head asks to reinstate it."""
    incident_item = incident(w, "针推科普", "chenjing", "wrong")
    w.act(incident_item, "Task_withdraw", "chenjing", {"withdrawn_at": NOW, "note": "已撤稿"})
    w.act(incident_item, "Task_verify", "sunli", {
        "fix_verified": True, "violation": "art18", "consequence": "suspend",
        "ban_commendation": False, "refer_discipline": False, "comment": "停用整改一个月。"})
    return w.start("account_reinstatement", "chenjing", {
        "title": "针推科普恢复使用", "account_id": account_id(w, "针推科普"),
        "rectification": "已撤稿，落实专人审核"})


WALKS = [account_registered, account_rejected, account_awaiting_consent,
         four_review_at_secretary, tier2_at_department_head, tier1_published_monitoring,
         tier3_at_expert_panel,
         incident_correction_running, incident_account_closed, complaint_unfounded,
         complaint_founded_in_incident, press_release_partly_published, matrix_report_waiting,
         patrol_at_summary, commendation_barred, commendation_waiting, reinstatement_waiting]
