"""Accounts and people: 附件1 approval (第五、六条) and commendations (第十六、二十一条)."""

from __future__ import annotations

from tools.bpmn_writer import Model

REJECT = 'decision == "reject"'



def account_approval() -> Model:
    m = Model("account_approval", "二、三级新媒体平台认证审批（附件1）",
              "第五、六条，附件1：科室（二级平台）或职工个人（三级平台，仅含医疗相关信息）开设新媒体平台须经医院审批备案。"
              "申请人填写附件1并签署承诺 → 科室审核 → 职能科审核 → 党政综合办审核 → 宣传分管领导意见，"
              "每一环节签名并记录时间，"
              "任一环节可驳回并说明理由。原则上每种平台只允许注册一个账号；已有同类账号的，须先经主管单位同意"
              "（二级平台由党政综合办公室监管，三级平台由所属科室负责人监管，第五条）。禁止任何个人以医院名义开通。"
              "审批通过即登记备案，纳入统一管理。")
    m.lane("initiator", "申请人")
    m.lane("department_head", "科室负责人")
    m.lane("functional_dept", "相关职能科室")
    m.lane("general_office", "党政综合办公室")
    m.lane("publicity_leader", "宣传分管领导")
    m.start("StartEvent_apply", "提交认证申请", "initiator", 0, form="account_application",
            doc="附件1：平台类型、平台名称、账号名称、主办科室、职工个人及承诺。")
    m.script("Script_apply", "登记申请并核对同类账号", "initiator", 1, "\n".join([
        'platform_other = platform_other if defined("platform_other") else None',
        "same_type = same_type_accounts(tier, platform_type)",
        "account_id = apply_account(tier, platform_type, platform_other, platform_name, "
        "account_name)"]),
        doc="第六条：每种平台原则上只允许一个账号；禁止个人以医院名义开通。申请登记为「申请中」。")
    m.xgw("Gateway_same", "是否已有同类账号（第六条）", "initiator", 2, default="Flow_first",
          doc="第六条：注册2个及以上同类账号须经主管单位同意。")
    m.user("Task_consent_dept", "主管单位同意（三级平台：科室负责人）", "department_head", 3,
           "account_consent", row=-0.9,
           doc="第五、六条：三级平台由所属科室负责人监管；同类第二个账号须经其同意方可开设。")
    m.user("Task_consent_office", "主管单位同意（二级平台：党政综合办公室）", "general_office", 3,
           "account_consent", row=-0.9,
           doc="第五、六条：二级平台由党政综合办公室监管；同类第二个账号须经其同意方可开设。")
    m.xgw("Gateway_consent", "主管单位意见", "general_office", 4, default="Flow_consent_ok", row=-0.9)
    m.xgw("Gateway_entry", "进入审核", "department_head", 4.6, row=0.8)
    m.user("Task_dept", "科室审核", "department_head", 5.4, "account_review", review=True,
           label="科室审核", doc="附件1：科室审核，签名并记录时间。")
    m.xgw("Gateway_dept", "科室审核结论", "department_head", 6.4, default="Flow_dept_ok")
    m.user("Task_functional", "职能科审核", "functional_dept", 7.2, "account_review", review=True,
           label="职能科审核", doc="附件1：职能科审核，签名并记录时间。")
    m.xgw("Gateway_functional", "职能科审核结论", "functional_dept", 8.2, default="Flow_functional_ok")
    m.user("Task_office", "党政综合办审核", "general_office", 9, "account_review", review=True,
           label="党政综合办审核", doc="附件1：党政综合办审核，签名并记录时间。")
    m.xgw("Gateway_office", "党政综合办审核结论", "general_office", 10, default="Flow_office_ok")
    m.user("Task_leader", "宣传分管领导意见", "publicity_leader", 10.8, "account_review",
           review=True, label="宣传分管领导意见", doc="附件1：宣传分管领导意见。")
    m.xgw("Gateway_leader", "分管领导意见", "publicity_leader", 11.8, default="Flow_leader_ok")
    m.script("Script_register", "登记备案", "publicity_leader", 12.8,
             'account_status = set_account_status(account_id, "registered", "附件1审批通过")',
             doc="第六条：审批通过后备案，纳入医院统一管理。")
    m.end("End_registered", "已备案", "publicity_leader", 13.8, doc="账号状态：已备案，可以发布。",
          props={"requiredApprovals": "科室审核,职能科审核,党政综合办审核,宣传分管领导意见"})
    m.script("Script_reject", "记录驳回理由", "initiator", 12.8, "\n".join([
        "rejection_reason = comment",
        'account_status = set_account_status(account_id, "rejected", comment)']),
        doc="任一环节驳回：理由写入事项与登记，申请人可见。")
    m.end("End_rejected", "不予备案", "initiator", 13.8, doc="驳回理由见审批记录。")
    m.flow("Flow_start", "StartEvent_apply", "Script_apply", "提交")
    m.flow("Flow_apply", "Script_apply", "Gateway_same", "登记为申请中")
    m.flow("Flow_same_dept", "Gateway_same", "Task_consent_dept", "三级平台已有同类账号",
           "same_type > 0 and tier == 3")
    m.flow("Flow_same_office", "Gateway_same", "Task_consent_office", "二级平台已有同类账号",
           "same_type > 0 and tier == 2")
    m.flow("Flow_first", "Gateway_same", "Gateway_entry", "无同类账号")
    m.flow("Flow_consent_dept", "Task_consent_dept", "Gateway_consent", "意见")
    m.flow("Flow_consent_office", "Task_consent_office", "Gateway_consent", "意见")
    m.flow("Flow_consent_ok", "Gateway_consent", "Gateway_entry", "同意开设")
    m.flow("Flow_consent_reject", "Gateway_consent", "Script_reject", "不同意", REJECT)
    m.flow("Flow_entry", "Gateway_entry", "Task_dept", "送审")
    m.flow("Flow_dept", "Task_dept", "Gateway_dept", "审核完成")
    m.flow("Flow_dept_ok", "Gateway_dept", "Task_functional", "同意")
    m.flow("Flow_dept_reject", "Gateway_dept", "Script_reject", "驳回", REJECT)
    m.flow("Flow_functional", "Task_functional", "Gateway_functional", "审核完成")
    m.flow("Flow_functional_ok", "Gateway_functional", "Task_office", "同意")
    m.flow("Flow_functional_reject", "Gateway_functional", "Script_reject", "驳回", REJECT)
    m.flow("Flow_office", "Task_office", "Gateway_office", "审核完成")
    m.flow("Flow_office_ok", "Gateway_office", "Task_leader", "同意")
    m.flow("Flow_office_reject", "Gateway_office", "Script_reject", "驳回", REJECT)
    m.flow("Flow_leader", "Task_leader", "Gateway_leader", "签署意见")
    m.flow("Flow_leader_ok", "Gateway_leader", "Script_register", "同意")
    m.flow("Flow_leader_reject", "Gateway_leader", "Script_reject", "不同意", REJECT)
    m.flow("Flow_register", "Script_register", "End_registered", "备案")
    m.flow("Flow_reject", "Script_reject", "End_rejected", "结束")
    return m


def commendation() -> Model:
    m = Model("commendation", "宣传工作表彰",
              "第二十一条：对传播优质科普内容、提升医院影响力的个人，授予宣传工作相关荣誉并予表彰奖励。"
              "第十六条：当年度被取消评先评优资格的科室、支部和个人不予表彰。")
    m.lane("general_office", "党政综合办公室")
    m.lane("publicity_leader", "宣传分管领导")
    m.start("StartEvent_nominate", "推荐表彰", "general_office", 0, form="commendation_start",
            doc="第二十一条：推荐传播优质科普内容的个人。")
    m.script("Script_bans", "核对评先评优资格", "general_office", 1,
             "bans = commendation_bans_of(nominee, year)",
             doc="第十六条：取消当年度科室、支部和个人评先评优资格。")
    m.xgw("Gateway_eligible", "是否具备资格", "general_office", 2, default="Flow_eligible")
    m.end("End_ineligible", "不具备当年度评先评优资格", "general_office", 3, row=0.9,
          doc="第十六条：资格已被取消，记录原因后结束。")
    m.user("Task_decide", "宣传分管领导审定", "publicity_leader", 3, "commendation_decision",
           label="宣传分管领导审定", doc="第二十一条：授予宣传工作相关荣誉并予表彰奖励。")
    m.xgw("Gateway_decision", "审定结论", "publicity_leader", 4, default="Flow_commended")
    m.end("End_commended", "予以表彰", "publicity_leader", 5, row=-0.9)
    m.end("End_declined", "不予表彰", "publicity_leader", 5, row=0.9)
    m.flow("Flow_start", "StartEvent_nominate", "Script_bans", "推荐")
    m.flow("Flow_checked", "Script_bans", "Gateway_eligible", "核对")
    m.flow("Flow_banned", "Gateway_eligible", "End_ineligible", "资格已取消", "bans != []")
    m.flow("Flow_eligible", "Gateway_eligible", "Task_decide", "具备资格")
    m.flow("Flow_decided", "Task_decide", "Gateway_decision", "审定")
    m.flow("Flow_commended", "Gateway_decision", "End_commended", "同意")
    m.flow("Flow_declined", "Gateway_decision", "End_declined", "不同意", REJECT)
    return m


def account_reinstatement() -> Model:
    m = Model("account_reinstatement", "停用账号恢复使用",
              "第十六、十八条：停用整改的二、三级账号，整改到位后由运营者、开设人或主办科室负责人申请恢复使用，"
              "党政综合办公室（监管单位，第五条）核查整改，宣传分管领导同意后恢复为已备案；关停的账号不得恢复。")
    m.lane("initiator", "申请人")
    m.lane("general_office", "党政综合办公室")
    m.lane("publicity_leader", "宣传分管领导")
    m.start("StartEvent_apply", "申请恢复使用", "initiator", 0, form="reinstatement_start",
            doc="第十八条：停用整改后申请恢复。")
    m.script("Script_account", "核对停用账号", "initiator", 1,
             "account = suspended_account(account_id)",
             doc="第十六条：关停的账号不得恢复；只有停用的账号可以申请。")
    m.user("Task_office", "整改核查（党政综合办公室）", "general_office", 2, "reinstatement_review",
           review=True, label="党政综合办核查", doc="第五、十八条：监管单位核查整改情况。")
    m.xgw("Gateway_office", "核查结论", "general_office", 3, default="Flow_office_ok")
    m.user("Task_leader", "宣传分管领导意见", "publicity_leader", 4, "reinstatement_review",
           review=True, label="宣传分管领导意见", doc="第四条：谁审批、谁监管；分管领导同意后恢复。")
    m.xgw("Gateway_leader", "分管领导意见", "publicity_leader", 5, default="Flow_leader_ok")
    m.script("Script_restore", "恢复为已备案", "publicity_leader", 6,
             'account_status = set_account_status(account_id, "registered", "停用整改后恢复使用")',
             doc="第六条：恢复后纳入统一管理，可以发布。")
    m.end("End_restored", "已恢复使用", "publicity_leader", 7,
          props={"requiredApprovals": "党政综合办核查,宣传分管领导意见"})
    m.end("End_kept", "维持停用", "general_office", 6, row=0.9, doc="不同意的理由见审核记录。")
    m.flow("Flow_start", "StartEvent_apply", "Script_account", "申请")
    m.flow("Flow_checked", "Script_account", "Task_office", "送核查")
    m.flow("Flow_office", "Task_office", "Gateway_office", "核查完成")
    m.flow("Flow_office_ok", "Gateway_office", "Task_leader", "同意")
    m.flow("Flow_office_reject", "Gateway_office", "End_kept", "不同意", REJECT)
    m.flow("Flow_leader", "Task_leader", "Gateway_leader", "签署意见")
    m.flow("Flow_leader_ok", "Gateway_leader", "Script_restore", "同意")
    m.flow("Flow_leader_reject", "Gateway_leader", "End_kept", "不同意", REJECT)
    m.flow("Flow_restore", "Script_restore", "End_restored", "恢复")
    return m
