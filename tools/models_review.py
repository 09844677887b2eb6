"""Publication review: 三审三校, 四审四校, the router by tier and date, tier 3 (第十一、十二条)."""

from __future__ import annotations

from tools.bpmn_writer import Model

RETURN = 'decision == "return"'



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
    m.end("EndEvent_issued", "已签发", "publicity_leader", 9, doc="第十一条：签发后方可发布。",
          props={"requiredApprovals": "审稿,核稿,审签"})
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
          doc="第十一条：党委书记把关通过后方可发布。",
          props={"requiredApprovals": "审稿,核稿,审签,党委书记把关"})
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
        'panel = distinct(office.get("experts", []) + medical.get("experts", []))',
        'earlier_opinions = (earlier_opinions if defined("earlier_opinions") else []) + '
        '(expert_opinions if defined("expert_opinions") else [])',
        "expert_opinions = []"]),
             doc="第十二条二：必要时组织专家评议。")
    m.xgw("Gateway_panel", "是否已选定专家", "expert", 11.8, default="Flow_panel_go")
    m.user("Task_expert", "专家评议", "expert", 12.8, "expert_opinion", assignee="expert",
           label="专家评议",
           loop={"input": "panel", "item": "expert", "output": "expert_opinions",
                 "output_item": "expert_opinion", "input_title": "评议专家名单",
                 "output_title": "专家评议意见"},
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
          doc="第十二条：审核通过后方可发布。", props={"requiredApprovals": "科室负责人审核"})
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
