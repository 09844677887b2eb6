"""Lay out the procedures of the measures and write them to ``processes/``.

Run ``python -m tools.procedures`` after changing a description here.  Each
function describes one model with :class:`tools.bpmn_writer.Model`.
"""

from __future__ import annotations

from pathlib import Path

from tools.bpmn_writer import Model

PROCESSES = Path(__file__).resolve().parent.parent / "processes"

RETURN = 'decision == "return"'
REJECT = 'decision == "reject"'


def review_chain(m: Model) -> None:
    """The shared stages of 三审三校 / 四审四校 (第十一条), tier 2 by reference."""
    m.start("StartEvent_post", "发起发布审批", "initiator", 0, form="post_start",
            doc="第十一条：先审后发。直接发起时为一级平台信息；经「信息发布审核」调用时带入所选账号。")
    m.user("Task_draft", "拟稿", "initiator", 1, "post_draft",
           doc="第十一条、附件2：拟稿人填写标题、正文、信息来源与备注；被退回时按审核意见修改后重新提交。")
    m.xgw("Gateway_first", "首审由谁承担", "department_head", 2, default="Flow_first_functional",
          doc="第十一条：二级平台参照执行，由主办科室负责人承担第一审（审稿）。")
    m.user("Task_review_dept", "科室负责人审稿（一审一校）", "department_head", 3, "post_review",
           review=True, label="审稿",
           doc="第十一条（二级平台参照执行）、第五条（主办科室负责人为第一责任人）：科室负责人审稿并完成第一轮校对；"
               "第七、九、十条逐项核查；保密审查结论。")
    m.user("Task_review", "审稿（一审一校）", "functional_dept", 3, "post_review", review=True,
           label="审稿", doc="第十一条：相关职能科室审稿并完成第一轮校对；第七、九、十条逐项核查；保密审查结论。")
    m.xgw("Gateway_review", "审稿结论", "functional_dept", 4, default="Flow_review_ok")
    m.user("Task_check", "核稿（二审二校）", "general_office", 5, "post_review", review=True,
           label="核稿", doc="第十一条：党政综合办公室核稿并完成第二轮校对。")
    m.xgw("Gateway_check", "核稿结论", "general_office", 6, default="Flow_check_ok")
    m.user("Task_sign", "审签/签发（三审三校）", "publicity_leader", 7, "post_review", review=True,
           label="审签", doc="第十一条：宣传分管领导审签并签发，完成第三轮校对。")
    m.xgw("Gateway_sign", "审签结论", "publicity_leader", 8, default="Flow_sign_ok")
    m.flow("Flow_start_draft", "StartEvent_post", "Task_draft", "发起")
    m.flow("Flow_draft_first", "Task_draft", "Gateway_first", "提交审核")
    m.flow("Flow_first_dept", "Gateway_first", "Task_review_dept", "二级平台",
           'defined("account") and account["tier"] == 2')
    m.flow("Flow_first_functional", "Gateway_first", "Task_review", "一级平台")
    m.flow("Flow_dept_gateway", "Task_review_dept", "Gateway_review", "审稿完成")
    m.flow("Flow_review_gateway", "Task_review", "Gateway_review", "审稿完成")
    m.flow("Flow_review_ok", "Gateway_review", "Task_check", "通过")
    m.flow("Flow_review_return", "Gateway_review", "Task_draft", "退回修改", RETURN)
    m.flow("Flow_check_gateway", "Task_check", "Gateway_check", "核稿完成")
    m.flow("Flow_check_ok", "Gateway_check", "Task_sign", "通过")
    m.flow("Flow_check_return", "Gateway_check", "Task_draft", "退回修改", RETURN)
    m.flow("Flow_sign_gateway", "Task_sign", "Gateway_sign", "审签完成")
    m.flow("Flow_sign_return", "Gateway_sign", "Task_draft", "退回修改", RETURN)


def review_lanes(m: Model) -> None:
    m.lane("initiator", "拟稿人")
    m.lane("department_head", "科室负责人")
    m.lane("functional_dept", "相关职能科室")
    m.lane("general_office", "党政综合办公室")
    m.lane("publicity_leader", "宣传分管领导")


def three_review() -> Model:
    m = Model("three_review", "三审三校（一级平台信息发布）",
              "第十一条：一级平台发布信息实行“三审三校”制度——拟稿、审稿（相关职能科室）、核稿（党政综合办公室）、"
              "审签/签发（宣传分管领导），每一审同时完成一轮校对；任何一审可退回拟稿人修改并说明理由。"
              "审核记录按附件2留存，保存不少于两年。第七、九、十条：各审核环节逐项核查发布规范。"
              "二级平台参照执行（第十一条）：由主办科室负责人承担审稿。")
    review_lanes(m)
    review_chain(m)
    m.end("EndEvent_issued", "已签发", "publicity_leader", 9, doc="第十一条：签发后方可发布。")
    m.flow("Flow_sign_ok", "Gateway_sign", "EndEvent_issued", "签发")
    return m


def four_review() -> Model:
    m = Model("four_review", "四审四校（重要时间节点重要信息）",
              "第十一条：在重要时间节点发布重要信息，执行“四审四校”，由党委书记把关——在三审三校"
              "（审稿、核稿、审签）之后增加党委书记终审，每一审同时完成一轮校对；任何一审可退回拟稿人修改。"
              "二级平台参照执行，由主办科室负责人承担审稿。审核记录按附件2留存，保存不少于两年。")
    review_lanes(m)
    m.lane("party_secretary", "党委书记")
    review_chain(m)
    m.user("Task_final", "党委书记把关（四审四校）", "party_secretary", 9, "post_review", review=True,
           label="党委书记把关", doc="第十一条：重要时间节点的重要信息由党委书记把关，完成第四轮校对。")
    m.xgw("Gateway_final", "把关结论", "party_secretary", 10, default="Flow_final_ok")
    m.end("EndEvent_issued", "已签发（四审四校）", "party_secretary", 11,
          doc="第十一条：党委书记把关通过后方可发布。")
    m.flow("Flow_sign_ok", "Gateway_sign", "Task_final", "签发，报党委书记把关")
    m.flow("Flow_final_gateway", "Task_final", "Gateway_final", "把关完成")
    m.flow("Flow_final_ok", "Gateway_final", "EndEvent_issued", "同意发布")
    m.flow("Flow_final_return", "Gateway_final", "Task_draft", "退回修改", RETURN)
    return m


def post_review() -> Model:
    m = Model("post_review", "信息发布审核（按平台级别与时间节点选择）",
              "第十一、十二条：发起时选定已备案、正常使用的账号（第六条）。一级平台执行三审三校；二级平台参照执行"
              "（科室负责人承担审稿）；计划发布日期为重要时间节点或标记为重要信息时执行四审四校（党委书记把关）；"
              "三级平台执行第十二条的审核机制。重要时间节点日历由党政综合办公室维护。审核通过后由账号运营者"
              "登记发布并监测（第十三条）。")
    m.lane("initiator", "拟稿人")
    m.start("StartEvent_post", "发起信息发布审核", "initiator", 0, form="post_review_start",
            doc="第十一条：先审后发；选定发布账号与计划发布日期。")
    m.script("Script_facts", "核对账号与重要时间节点", "initiator", 1, "\n".join([
        "account = active_account(account_id)",
        "publisher = may_publish(account)",
        "key_date = is_key_date(planned_date)",
        'important = important if defined("important") else False',
        'disputed = disputed if defined("disputed") else False',
        'item_department = concern_department(account["department_id"]) '
        'if account["tier"] != 1 else None']),
        doc="第六条：账号须已备案且未停用、关闭，由本账号的主办科室或开设人发布；"
            "第十一条：查询重要时间节点日历。")
    m.xgw("Gateway_route", "按级别与时间节点选择审核流程", "initiator", 2, default="Flow_three",
          doc="第十一、十二条。")
    m.call("Call_tier3", "三级平台审核", "initiator", 3, "tier3_review", row=-1.1,
           doc="第十二条：三级平台审核机制。")
    m.call("Call_four", "四审四校", "initiator", 4, "four_review", row=0,
           doc="第十一条：重要时间节点发布重要信息。")
    m.call("Call_three", "三审三校", "initiator", 3, "three_review", row=1.1,
           doc="第十一条：一级平台；二级平台参照执行。")
    m.xgw("Gateway_approved", "审核通过", "initiator", 5)
    m.call("Call_monitor", "发布与发布后监测", "initiator", 6, "incident_closure",
           doc="第十三条：审核通过的信息由账号运营者登记发布（网址、时间）并关注评论与舆情；"
               "发现问题即进入事件处置（第十三、十六、十八条）。")
    m.end("End_published", "已发布，监测结束", "initiator", 7)
    m.flow("Flow_start", "StartEvent_post", "Script_facts", "发起")
    m.flow("Flow_facts", "Script_facts", "Gateway_route", "核对完成")
    m.flow("Flow_tier3", "Gateway_route", "Call_tier3", "三级平台", 'account["tier"] == 3')
    m.flow("Flow_four", "Gateway_route", "Call_four", "重要时间节点或重要信息",
           'account["tier"] != 3 and (key_date or important)')
    m.flow("Flow_three", "Gateway_route", "Call_three", "一、二级平台")
    m.flow("Flow_tier3_done", "Call_tier3", "Gateway_approved", "通过")
    m.flow("Flow_four_done", "Call_four", "Gateway_approved", "通过")
    m.flow("Flow_three_done", "Call_three", "Gateway_approved", "通过")
    m.flow("Flow_publish", "Gateway_approved", "Call_monitor", "发布")
    m.flow("Flow_end", "Call_monitor", "End_published", "结束")
    return m



def tier3_review() -> Model:
    m = Model("tier3_review", "三级平台信息审核",
              "第十二条：三级平台（职工个人）发布内容。（一）普通科普内容：发布前提交科室负责人审核，重点核查科学依据及"
              "是否存在商业倾向；（二）争议性/专业性较强的内容（拟稿人或科室负责人标记）：经科室负责人审核后，由党政综合办公室"
              "和医务科联合复审（并行，须双方同意），必要时组织专家评议（每位专家一项任务），联合复审在专家意见基础上决定；"
              "（三）党员发布内容：同时报备党支部，支部负责人的知悉记录留档。第七、九、十条逐项核查；保密审查结论。")
    m.lane("initiator", "拟稿人（职工）")
    m.lane("department_head", "科室负责人")
    m.lane("general_office", "党政综合办公室")
    m.lane("medical_affairs", "医务科")
    m.lane("expert", "专家")
    m.lane("party_branch_head", "支部负责人")
    m.start("StartEvent_post", "发起三级平台信息审核", "initiator", 0, form="post_review_start",
            doc="第十二条：三级平台发布前审核。")
    m.script("Script_facts", "核对账号与党员身份", "initiator", 1, "\n".join([
        'account = account if defined("account") else active_account(account_id)',
        "publisher = may_publish(account)",
        'disputed = disputed if defined("disputed") else False',
        "party_member = is_party_member()"]),
        doc="第六条：账号须已备案；第十二条三：拟稿人是否为党员。")
    m.user("Task_draft", "拟稿", "initiator", 2, "post_draft",
           doc="第十二条、附件2：拟稿人填写标题、正文与信息来源。")
    m.pgw("Gateway_split", "审核与党员报备并行", "initiator", 3)
    m.xgw("Gateway_entry", "送科室负责人审核", "department_head", 3.6)
    m.user("Task_head", "科室负责人审核", "department_head", 4.4, "tier3_head_review", review=True,
           label="科室负责人审核",
           doc="第十二条一：重点核查科学依据及是否存在商业倾向；第七、九、十条逐项核查；保密审查结论；"
               "可标记为争议性/专业性较强内容（第十二条二）。")
    m.xgw("Gateway_head", "科室负责人结论", "department_head", 5.4, default="Flow_head_ok")
    m.user("Task_revise", "按意见修改", "initiator", 5.4, "post_draft",
           doc="第十二条：被退回时按审核意见修改后重新提交科室负责人审核。")
    m.xgw("Gateway_joint_entry", "提交联合复审", "general_office", 6.2)
    m.pgw("Gateway_joint_split", "联合复审（并行）", "general_office", 7)
    m.user("Task_joint_office", "联合复审（党政综合办公室）", "general_office", 8, "joint_review",
           review=True, label="联合复审（党政综合办）",
           doc="第十二条二：党政综合办公室联合复审；可提请专家评议并选择专家；有专家意见时据此决定。")
    m.user("Task_joint_medical", "联合复审（医务科）", "medical_affairs", 8, "joint_review",
           review=True, label="联合复审（医务科）",
           doc="第十二条二：医务科联合复审；可提请专家评议并选择专家；有专家意见时据此决定。")
    m.pgw("Gateway_joint_join", "汇合联合复审意见", "general_office", 9)
    m.script("Script_joint", "汇总联合复审意见", "general_office", 9.8, "\n".join([
        'office = latest_submission("Task_joint_office")',
        'medical = latest_submission("Task_joint_medical")',
        'office_decision = office["decision"]',
        'medical_decision = medical["decision"]']),
        doc="第十二条二：读取双方本轮提交的复审意见。")
    m.xgw("Gateway_joint", "联合复审结论", "general_office", 10.8, default="Flow_joint_ok",
          doc="第十二条二：双方均同意方可发布；任一方退回则退回修改；任一方提请则组织专家评议。")
    m.script("Script_panel", "汇总评议专家名单", "expert", 10.8, "\n".join([
        'panel = distinct(office["experts"] + medical["experts"])',
        'earlier_opinions = (earlier_opinions if defined("earlier_opinions") else []) + '
        '(expert_opinions if defined("expert_opinions") else [])',
        "expert_opinions = []"]),
             doc="第十二条二：必要时组织专家评议。")
    m.xgw("Gateway_panel", "是否已选定专家", "expert", 11.8, default="Flow_panel_go")
    m.user("Task_expert", "专家评议", "expert", 12.8, "expert_opinion", assignee="expert",
           loop={"input": "panel", "item": "expert", "output": "expert_opinions",
                 "output_item": "expert_opinion"},
           post_script='expert_opinion = {"expert": expert, "conclusion": conclusion, '
                       '"opinion": opinion}',
           doc="第十二条二：每位选定的专家出具书面评议意见（多实例，每位专家一项任务）；意见提交联合复审。")
    m.xgw("Gateway_done", "审核通过", "department_head", 13.8)
    m.xgw("Gateway_party", "是否党员", "party_branch_head", 4, default="Flow_not_member",
          doc="第十二条三。")
    m.user("Task_branch_report", "党员发布内容报备", "party_branch_head", 5.4, "branch_report",
           label="党支部报备",
           doc="第十二条三：党员发布内容需额外报备党支部，确保符合党员网络行为规范；支部负责人知悉并签署意见。")
    m.xgw("Gateway_party_done", "报备完成", "party_branch_head", 7)
    m.pgw("Gateway_join_all", "审核与报备均完成", "department_head", 14.8)
    m.end("End_approved", "审核通过，可以发布", "department_head", 15.8,
          doc="第十二条：审核通过后方可发布。")
    m.flow("Flow_start", "StartEvent_post", "Script_facts", "发起")
    m.flow("Flow_facts", "Script_facts", "Task_draft", "核对完成")
    m.flow("Flow_draft", "Task_draft", "Gateway_split", "提交")
    m.flow("Flow_split_review", "Gateway_split", "Gateway_entry", "审核")
    m.flow("Flow_split_party", "Gateway_split", "Gateway_party", "党员报备")
    m.flow("Flow_entry_head", "Gateway_entry", "Task_head", "送审")
    m.flow("Flow_head_gateway", "Task_head", "Gateway_head", "审核完成")
    m.flow("Flow_head_return", "Gateway_head", "Task_revise", "退回修改", RETURN)
    m.flow("Flow_head_joint", "Gateway_head", "Gateway_joint_entry", "争议性/专业性较强",
           "disputed or head_disputed")
    m.flow("Flow_head_ok", "Gateway_head", "Gateway_done", "普通科普内容，通过")
    m.flow("Flow_revise", "Task_revise", "Gateway_entry", "重新提交")
    m.flow("Flow_joint_entry", "Gateway_joint_entry", "Gateway_joint_split", "联合复审")
    m.flow("Flow_joint_office", "Gateway_joint_split", "Task_joint_office", "党政综合办公室")
    m.flow("Flow_joint_medical", "Gateway_joint_split", "Task_joint_medical", "医务科")
    m.flow("Flow_office_join", "Task_joint_office", "Gateway_joint_join", "复审完成")
    m.flow("Flow_medical_join", "Task_joint_medical", "Gateway_joint_join", "复审完成")
    m.flow("Flow_join_read", "Gateway_joint_join", "Script_joint", "汇合")
    m.flow("Flow_join_decide", "Script_joint", "Gateway_joint", "汇总")
    m.flow("Flow_joint_return", "Gateway_joint", "Task_revise", "任一方退回",
           'office_decision == "return" or medical_decision == "return"')
    m.flow("Flow_joint_experts", "Gateway_joint", "Script_panel", "提请专家评议",
           '(office_decision == "experts" or medical_decision == "experts") '
           'and office_decision != "return" and medical_decision != "return"')
    m.flow("Flow_joint_ok", "Gateway_joint", "Gateway_done", "双方同意")
    m.flow("Flow_panel", "Script_panel", "Gateway_panel", "名单")
    m.flow("Flow_panel_empty", "Gateway_panel", "Gateway_joint_entry", "未选专家，重新复审",
           "panel == []")
    m.flow("Flow_panel_go", "Gateway_panel", "Task_expert", "组织评议")
    m.flow("Flow_expert_back", "Task_expert", "Gateway_joint_entry", "专家意见提交联合复审")
    m.flow("Flow_done", "Gateway_done", "Gateway_join_all", "审核通过")
    m.flow("Flow_member", "Gateway_party", "Task_branch_report", "党员", "party_member")
    m.flow("Flow_not_member", "Gateway_party", "Gateway_party_done", "非党员")
    m.flow("Flow_report_done", "Task_branch_report", "Gateway_party_done", "已报备")
    m.flow("Flow_party_join", "Gateway_party_done", "Gateway_join_all", "报备完成")
    m.flow("Flow_end", "Gateway_join_all", "End_approved", "通过")
    return m


def account_approval() -> Model:
    m = Model("account_approval", "二、三级新媒体平台认证审批（附件1）",
              "第五、六条，附件1：科室（二级平台）或职工个人（三级平台，仅含医疗相关信息）开设新媒体平台须经医院审批备案。"
              "申请人填写附件1并签署承诺 → 科室审核 → 职能科审核 → 党政综合办审核 → 宣传分管领导意见，每一环节签名并记录时间，"
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
    m.end("End_registered", "已备案", "publicity_leader", 13.8, doc="账号状态：已备案，可以发布。")
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


def incident_closure() -> Model:
    m = Model("incident_closure", "发布后监测与事件处置",
              "第十三条：信息发布后关注评论区和网络舆情；发现严重表述错误须在半小时内修改，内容有误、侵权等须在半小时内撤稿"
              "（边界定时器 PT30M，超时升级至科室负责人与党政综合办公室督办）。第十八条：二、三级平台发现负面信息，第一时间向"
              "党建工作办公室、党政综合办公室汇报。第十六、十八条：党政综合办公室核实整改并决定处理——责令关闭或停用账号、"
              "取消当年度科室、支部和个人评先评优资格、对责任人及主办科室负责人追责；关闭或停用即时更新账号登记。")
    m.lane("account_operator", "账号运营者")
    m.lane("department_head", "科室负责人")
    m.lane("general_office", "党政综合办公室")
    m.lane("party_building_office", "党建工作办公室")
    m.start("StartEvent_published", "发起发布后监测或登记事件", "account_operator", 0,
            form="incident_start",
            doc="第十三条：审核通过的信息发布后，由账号运营者登记发布并开始监测；"
                "任何人发现已发布信息有问题，可直接登记事件。")
    m.script("Script_facts", "核对账号", "account_operator", 1, "\n".join([
        "account = account_info(account_id)",
        'operator = account["operator"]',
        'item_department = concern_department(account["department_id"]) '
        'if account["tier"] != 1 else None']),
        doc="第五条：主办科室负责人为第一责任人。")
    m.xgw("Gateway_source", "事件来源", "account_operator", 2, default="Flow_source_monitor",
          doc="第十三、十九条：直接登记的事件或投诉核查属实的事件直接进入处置。")
    m.user("Task_publish", "登记已发布（网址、时间）", "account_operator", 3, "publish_mark",
           assignee="operator", doc="第十三条：登记发布网址与时间，开始监测。")
    m.user("Task_monitor", "关注评论区与网络舆情", "account_operator", 4, "incident_monitor",
           assignee="operator", doc="第十三条：关注评论区和网络舆情动态，发现问题即登记事件。")
    m.xgw("Gateway_type", "事件类型", "account_operator", 5, default="Flow_type_none")
    m.user("Task_correct", "半小时内修改", "account_operator", 6.2, "fix_correct", row=-0.9,
           assignee="operator", doc="第十三条：发现严重表述错误的，须在半小时内进行修改。")
    m.timer("Timer_correct", "修改超过半小时", "Task_correct", "PT30M",
            doc="第十三条：半小时未完成修改，升级督办。")
    m.user("Task_withdraw", "半小时内撤稿", "account_operator", 6.2, "fix_withdraw", row=0.9,
           assignee="operator", doc="第十三条：发现内容有误、侵权等问题的，须在半小时内撤稿。")
    m.timer("Timer_withdraw", "撤稿超过半小时", "Task_withdraw", "PT30M",
            doc="第十三条：半小时未完成撤稿，升级督办。")
    m.end("End_no_incident", "监测结束，无事件", "account_operator", 5, row=1.5)
    m.xgw("Gateway_escalate", "超时升级（第十三条）", "department_head", 7.4,
          default="Flow_escalate_both")
    m.user("Task_office_fix", "超时督办整改（一级平台）", "general_office", 8.4, "escalated_fix",
           row=-0.9, doc="第五、十三条：一级平台由党政综合办公室负责，超时由其直接督办修改或撤稿。")
    m.pgw("Gateway_escalate_split", "升级至科室负责人与党政综合办公室", "department_head", 8.4)
    m.user("Task_head_fix", "超时督办整改", "department_head", 9.4, "escalated_fix",
           doc="第五、十三、十八条：主办科室负责人为第一责任人，超时后督办完成修改或撤稿。")
    m.user("Task_office_notice", "超时情况登记", "general_office", 9.4, "notice_ack", row=0.5,
           doc="第十三条：党政综合办公室登记超时情况并跟踪。")
    m.pgw("Gateway_escalate_join", "督办完成", "department_head", 10.4)
    m.pgw("Gateway_report_split", "第一时间报告", "party_building_office", 6.2)
    m.user("Task_report_pbo", "负面信息报告（党建工作办公室）", "party_building_office", 7.4,
           "notice_ack", doc="第十八条：二、三级平台发现负面信息，第一时间向党建工作办公室汇报。")
    m.user("Task_report_office", "负面信息报告（党政综合办公室）", "general_office", 7.4,
           "notice_ack", row=-0.9,
           doc="第十八条：二、三级平台发现负面信息，第一时间向党政综合办公室汇报。")
    m.pgw("Gateway_report_join", "报告已知悉", "party_building_office", 8.4)
    m.xgw("Gateway_verify_entry", "提交核实", "general_office", 11.2, row=0.5)
    m.user("Task_verify", "核实整改并决定处理", "general_office", 12, "incident_verify",
           label="核实处理", row=0.5,
           doc="第十六、十八条：核实修改后网址或撤稿时间；认定第十六条情形；决定整改结案、停用或责令关闭，"
               "取消当年度评先评优资格，依规依纪追责。")
    m.script("Script_bans", "取消评先评优资格", "general_office", 13,
             "bans = ban_commendations(account_id, comment) if ban_commendation else []", row=0.5,
             doc="第十六条：取消当年度科室、支部和个人评先评优资格。")
    m.xgw("Gateway_consequence", "处理决定", "general_office", 14, default="Flow_resolved",
          row=0.5)
    m.script("Script_close", "关闭账号", "department_head", 15,
             'account_status = set_account_status(account_id, "closed", comment)', row=-0.9,
             doc="第十六、十八条：新媒体予以关停，更新账号登记。")
    m.script("Script_suspend", "停用账号", "department_head", 15,
             'account_status = set_account_status(account_id, "suspended", comment)', row=0.9,
             doc="第十八条：给医院造成不良影响的，停用整改。")
    m.end("End_closed", "账号已关闭", "department_head", 16, row=-0.9)
    m.end("End_suspended", "账号已停用", "department_head", 16, row=0.9)
    m.end("End_resolved", "整改结案", "general_office", 15, row=0.5)
    m.flow("Flow_start", "StartEvent_published", "Script_facts", "发起")
    m.flow("Flow_facts", "Script_facts", "Gateway_source", "核对完成")
    m.flow("Flow_source_complaint", "Gateway_source", "Gateway_type", "已登记事件",
           'defined("finding")')
    m.flow("Flow_source_monitor", "Gateway_source", "Task_publish", "发布后监测")
    m.flow("Flow_published", "Task_publish", "Task_monitor", "已发布")
    m.flow("Flow_monitor", "Task_monitor", "Gateway_type", "登记")
    m.flow("Flow_type_wording", "Gateway_type", "Task_correct", "严重表述错误",
           'finding == "wording"')
    m.flow("Flow_type_wrong", "Gateway_type", "Task_withdraw", "内容有误或侵权", 'finding == "wrong"')
    m.flow("Flow_type_negative", "Gateway_type", "Gateway_report_split", "负面信息（二、三级平台）",
           'finding == "negative" and account["tier"] != 1')
    m.flow("Flow_type_negative_tier1", "Gateway_type", "Gateway_verify_entry",
           "负面信息（一级平台）", 'finding == "negative" and account["tier"] == 1')
    m.flow("Flow_type_none", "Gateway_type", "End_no_incident", "无问题")
    m.flow("Flow_corrected", "Task_correct", "Gateway_verify_entry", "已修改")
    m.flow("Flow_withdrawn", "Task_withdraw", "Gateway_verify_entry", "已撤稿")
    m.flow("Flow_correct_late", "Timer_correct", "Gateway_escalate", "超时")
    m.flow("Flow_withdraw_late", "Timer_withdraw", "Gateway_escalate", "超时")
    m.flow("Flow_escalate_tier1", "Gateway_escalate", "Task_office_fix", "一级平台",
           'account["tier"] == 1')
    m.flow("Flow_escalate_both", "Gateway_escalate", "Gateway_escalate_split", "二、三级平台")
    m.flow("Flow_escalate_head", "Gateway_escalate_split", "Task_head_fix", "科室负责人")
    m.flow("Flow_escalate_office", "Gateway_escalate_split", "Task_office_notice", "党政综合办公室")
    m.flow("Flow_head_fixed", "Task_head_fix", "Gateway_escalate_join", "已督办")
    m.flow("Flow_office_noted", "Task_office_notice", "Gateway_escalate_join", "已登记")
    m.flow("Flow_escalated_done", "Gateway_escalate_join", "Gateway_verify_entry", "提交核实")
    m.flow("Flow_office_fixed", "Task_office_fix", "Gateway_verify_entry", "提交核实")
    m.flow("Flow_report_pbo", "Gateway_report_split", "Task_report_pbo", "党建工作办公室")
    m.flow("Flow_report_office", "Gateway_report_split", "Task_report_office", "党政综合办公室")
    m.flow("Flow_pbo_done", "Task_report_pbo", "Gateway_report_join", "已知悉")
    m.flow("Flow_office_done", "Task_report_office", "Gateway_report_join", "已知悉")
    m.flow("Flow_reported", "Gateway_report_join", "Gateway_verify_entry", "提交核实")
    m.flow("Flow_verify", "Gateway_verify_entry", "Task_verify", "核实")
    m.flow("Flow_verified", "Task_verify", "Script_bans", "决定")
    m.flow("Flow_bans", "Script_bans", "Gateway_consequence", "执行")
    m.flow("Flow_close", "Gateway_consequence", "Script_close", "责令关闭",
           'consequence == "close"')
    m.flow("Flow_suspend", "Gateway_consequence", "Script_suspend", "停用",
           'consequence == "suspend"')
    m.flow("Flow_resolved", "Gateway_consequence", "End_resolved", "整改结案")
    m.flow("Flow_closed", "Script_close", "End_closed", "已关闭")
    m.flow("Flow_suspended", "Script_suspend", "End_suspended", "已停用")
    return m


def complaint_handling() -> Model:
    m = Model("complaint_handling", "投诉举报核查处理",
              "第十九条：畅通投诉通道，任何人可实名或匿名投诉账号或信息；党政综合办公室登记受理；纪检监察室、医务科牵头"
              "并行核查并记录核查情况；纪检监察室作出处理决定——不属实不予处理，属实的转入事件处置（第十三、十六、十八条，"
              "含关闭账号等处理）；留有联系方式的答复投诉人后办结。")
    m.lane("initiator", "投诉人/登记人")
    m.lane("general_office", "党政综合办公室")
    m.lane("discipline_inspection", "纪检监察室")
    m.lane("medical_affairs", "医务科")
    m.start("StartEvent_complaint", "提交投诉", "initiator", 0, form="complaint_start",
            doc="第十九条：畅通投诉通道，可匿名。")
    m.user("Task_register", "登记受理", "general_office", 1, "complaint_register",
           doc="第十九条：登记受理投诉，确定涉及账号。")
    m.script("Script_facts", "核对涉及账号", "general_office", 2, "\n".join([
        "account = account_info(account_id)",
        'item_department = concern_department(account["department_id"]) '
        'if account["tier"] != 1 else None']))
    m.pgw("Gateway_verify_split", "并行核查", "discipline_inspection", 3)
    m.user("Task_verify_di", "核查（纪检监察室）", "discipline_inspection", 4, "complaint_verify",
           label="纪检监察室核查",
           doc="第十九条：纪检监察室牵头核查，记录核查情况。")
    m.user("Task_verify_ma", "核查（医务科）", "medical_affairs", 4, "complaint_verify",
           label="医务科核查",
           doc="第十九条：医务科牵头核查，记录核查情况。")
    m.pgw("Gateway_verify_join", "汇合核查情况", "discipline_inspection", 5)
    m.user("Task_outcome", "处理决定", "discipline_inspection", 6, "complaint_outcome",
           label="处理决定", doc="第十九条：依据双方核查情况作出处理决定。")
    m.xgw("Gateway_outcome", "是否属实", "discipline_inspection", 7, default="Flow_unfounded")
    m.script("Script_incident", "转入事件处置", "general_office", 8,
             "finding = outcome\ndescription = handling")
    m.call("Call_incident", "事件处置（修改、撤稿、报告、处理）", "general_office", 9,
           "incident_closure", doc="第十三、十六、十八条。")
    m.xgw("Gateway_reply", "是否留有联系方式", "general_office", 10, default="Flow_no_contact")
    m.user("Task_reply", "答复投诉人", "general_office", 11, "complaint_reply",
           doc="第十九条：及时核查处理，并答复投诉人。")
    m.end("End_replied", "已答复，办结", "general_office", 12)
    m.end("End_closed", "办结（无联系方式）", "initiator", 11)
    m.flow("Flow_start", "StartEvent_complaint", "Task_register", "提交")
    m.flow("Flow_registered", "Task_register", "Script_facts", "受理")
    m.flow("Flow_facts", "Script_facts", "Gateway_verify_split", "交办核查")
    m.flow("Flow_to_di", "Gateway_verify_split", "Task_verify_di", "纪检监察室")
    m.flow("Flow_to_ma", "Gateway_verify_split", "Task_verify_ma", "医务科")
    m.flow("Flow_di_done", "Task_verify_di", "Gateway_verify_join", "核查完成")
    m.flow("Flow_ma_done", "Task_verify_ma", "Gateway_verify_join", "核查完成")
    m.flow("Flow_joined", "Gateway_verify_join", "Task_outcome", "决定")
    m.flow("Flow_founded", "Gateway_outcome", "Script_incident", "属实", 'outcome != "unfounded"')
    m.flow("Flow_unfounded", "Gateway_outcome", "Gateway_reply", "不属实")
    m.flow("Flow_outcome", "Task_outcome", "Gateway_outcome", "决定完成")
    m.flow("Flow_incident", "Script_incident", "Call_incident", "处置")
    m.flow("Flow_incident_done", "Call_incident", "Gateway_reply", "处置完成")
    m.flow("Flow_contact", "Gateway_reply", "Task_reply", "留有联系方式",
           'defined("contact") and contact.strip() != ""')
    m.flow("Flow_no_contact", "Gateway_reply", "End_closed", "无联系方式")
    m.flow("Flow_replied", "Task_reply", "End_replied", "已答复")
    return m


def press_release() -> Model:
    m = Model("press_release", "新闻通稿发布",
              "第十四条：涉及医院重大事件、突发事件和社会热点及敏感问题，由党政综合办公室拟定通稿，经四审四校后签发；"
              "各科室各级新媒体须按医院通稿统一发布（每个正常使用的二、三级账号的运营者一项任务，确认按原文发布并登记网址），"
              "未经允许不得擅自发布相关信息；逾期未确认的账号由党政综合办公室督办。")
    m.lane("general_office", "党政综合办公室")
    m.lane("account_operator", "账号运营者")
    m.start("StartEvent_release", "拟定新闻通稿", "general_office", 0, form="press_release_start",
            doc="第十四条：党政综合办拟定通稿。")
    m.call("Call_four", "通稿四审四校", "general_office", 1, "four_review",
           doc="第十一、十四条：重大、敏感信息执行四审四校，党委书记把关。")
    m.script("Script_targets", "确定各二、三级账号", "general_office", 2,
             "targets = release_targets()", doc="第十四条：各科室各级新媒体。")
    m.user("Task_confirm", "按通稿统一发布", "account_operator", 3, "release_confirm",
           assignee='target["operator"]',
           loop={"input": "targets", "item": "target", "output": "confirmations",
                 "output_item": "confirmation"},
           post_script='confirmation = {"account_id": target["account_id"], '
                       '"account_name": target["account_name"], "published_url": published_url}',
           doc="第十四条：按医院通稿原文统一发布并登记网址；未经允许不得擅自发布相关信息。")
    m.timer("Timer_followup", "两小时未全部发布", "Task_confirm", "PT2H", interrupting=False,
            doc="第十四条：逾期未按通稿发布的账号由党政综合办公室督办。")
    m.user("Task_followup", "督办未按通稿发布的账号", "general_office", 4, "release_followup",
           row=0.5, doc="第十四条：查看未确认发布的账号（事项中仍在办的发布任务）并督办。")
    m.end("End_followup", "督办已登记", "general_office", 5, row=0.5)
    m.end("End_released", "各账号已按通稿发布", "account_operator", 4)
    m.flow("Flow_start", "StartEvent_release", "Call_four", "送审")
    m.flow("Flow_issued", "Call_four", "Script_targets", "签发")
    m.flow("Flow_targets", "Script_targets", "Task_confirm", "下发")
    m.flow("Flow_confirmed", "Task_confirm", "End_released", "全部确认")
    m.flow("Flow_late", "Timer_followup", "Task_followup", "逾期")
    m.flow("Flow_followed", "Task_followup", "End_followup", "已督办")
    return m


def matrix_report() -> Model:
    m = Model("matrix_report", "重要信息反馈官方新媒体（矩阵联动）",
              "第十五条：科室二级、三级新媒体平台与医院官方新媒体平台互联互通，发布重要信息及时反馈院内官方新媒体平台，"
              "由党政综合办公室决定是否采用（采用时按三审三校另行审核发布）。")
    m.lane("initiator", "二、三级平台运营者")
    m.lane("general_office", "党政综合办公室")
    m.start("StartEvent_report", "反馈重要信息", "initiator", 0, form="matrix_report",
            doc="第十五条：发布重要信息及时反馈。")
    m.script("Script_facts", "核对账号", "initiator", 1, "account = active_account(account_id)",
             doc="第六条：须为已备案的账号。")
    m.user("Task_pickup", "官方新媒体采用决定", "general_office", 2, "matrix_pickup",
           doc="第十五条：形成院内新媒体矩阵。")
    m.end("End_done", "已处理", "general_office", 3)
    m.flow("Flow_start", "StartEvent_report", "Script_facts", "反馈")
    m.flow("Flow_facts", "Script_facts", "Task_pickup", "送党政综合办公室")
    m.flow("Flow_done", "Task_pickup", "End_done", "完成")
    return m


def patrol() -> Model:
    m = Model("patrol", "网络巡查",
              "第十九条：党政综合办公室、党建工作办公室联合医患办、信息科定期开展网络巡查，四方并行巡查并记录；"
              "党政综合办公室汇总，发现问题的移交事件处置（第十三、十六、十八条）。")
    m.lane("general_office", "党政综合办公室")
    m.lane("party_building_office", "党建工作办公室")
    m.lane("patient_relations", "医患办")
    m.lane("it_office", "信息科")
    m.start("StartEvent_patrol", "发起网络巡查", "general_office", 0, form="patrol_start",
            doc="第十九条：定期开展网络巡查。")
    m.pgw("Gateway_split", "联合巡查", "general_office", 1)
    for lane, task, title in [("general_office", "Task_patrol_office", "巡查（党政综合办公室）"),
                              ("party_building_office", "Task_patrol_pbo", "巡查（党建工作办公室）"),
                              ("patient_relations", "Task_patrol_pr", "巡查（医患办）"),
                              ("it_office", "Task_patrol_it", "巡查（信息科）")]:
        m.user(task, title, lane, 2, "patrol_findings", label=title,
               doc="第十九条：按第七、九、十条巡查各级新媒体，记录巡查情况。")
    m.pgw("Gateway_join", "汇合巡查记录", "general_office", 3)
    m.user("Task_summary", "巡查汇总与处置决定", "general_office", 4, "patrol_summary",
           label="巡查汇总", doc="第十九条：汇总四方巡查情况，决定是否移交事件处置。")
    m.xgw("Gateway_outcome", "是否须处置", "general_office", 5, default="Flow_archive")
    m.user("Task_refer", "移交事件处置", "general_office", 6, "patrol_refer", row=0.9,
           doc="第十三、十八条：写明账号与问题类型，转入事件处置。")
    m.call("Call_incident", "事件处置（修改、撤稿、报告、处理）", "general_office", 7,
           "incident_closure", row=0.9, doc="第十三、十六、十八条。")
    m.end("End_archived", "巡查归档", "general_office", 6, row=-0.9)
    m.end("End_handled", "巡查问题已处置", "general_office", 8, row=0.9)
    m.flow("Flow_start", "StartEvent_patrol", "Gateway_split", "开始巡查")
    for task, name in [("Task_patrol_office", "党政综合办公室"), ("Task_patrol_pbo", "党建工作办公室"),
                       ("Task_patrol_pr", "医患办"), ("Task_patrol_it", "信息科")]:
        m.flow(f"Flow_to_{task}", "Gateway_split", task, name)
        m.flow(f"Flow_from_{task}", task, "Gateway_join", "已记录")
    m.flow("Flow_summary", "Gateway_join", "Task_summary", "汇总")
    m.flow("Flow_decided", "Task_summary", "Gateway_outcome", "决定")
    m.flow("Flow_incident", "Gateway_outcome", "Task_refer", "移交处置", 'outcome == "incident"')
    m.flow("Flow_archive", "Gateway_outcome", "End_archived", "归档")
    m.flow("Flow_refer", "Task_refer", "Call_incident", "处置")
    m.flow("Flow_handled", "Call_incident", "End_handled", "处置完成")
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


def main() -> None:
    for build in MODELS:
        model = build()
        (PROCESSES / f"{model.key}.bpmn").write_text(model.xml(), encoding="utf-8")
        print(f"wrote {model.key}.bpmn")


MODELS = [three_review, four_review, post_review, tier3_review, account_approval,
          incident_closure, complaint_handling, press_release, matrix_report, patrol,
          commendation]

if __name__ == "__main__":
    main()
