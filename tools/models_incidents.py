"""After publication: incidents, complaints, patrols (第十三、十六、十八、十九条)."""

from __future__ import annotations

from tools.bpmn_writer import Model


def incident_closure() -> Model:
    m = Model("incident_closure", "发布后监测与事件处置",
              "第十三条：信息发布后关注评论区和网络舆情；发现严重表述错误须在半小时内修改，内容有误、侵权等须在半小时内撤稿"
              "（边界定时器 PT30M，超时升级至科室负责人与党政综合办公室督办，并告知原办理人；"
              "到期前10分钟（PT20M）提醒办理人）。"
              "第十八条：二、三级平台发现负面信息，第一时间向"
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
    for task, title in [("Task_correct", "修改"), ("Task_withdraw", "撤稿")]:
        m.timer(f"Timer_{task[5:]}_remind", f"{title}剩余10分钟", task, "PT20M", interrupting=False,
                doc=f"第十三条：半小时时限前10分钟提醒办理人尽快{title}。", slot=1)
    m.script("Script_remind", "提醒办理人", "account_operator", 7.2,
             'reminded = remind("Task_correct") + remind("Task_withdraw")',
             doc="第十三条：提醒仍未完成修改或撤稿的办理人（消息写明本地时间的办理时限）。")
    m.end("End_reminded", "已提醒", "account_operator", 8)
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
    m.flow("Flow_correct_remind", "Timer_correct_remind", "Script_remind", "提醒")
    m.flow("Flow_withdraw_remind", "Timer_withdraw_remind", "Script_remind", "提醒")
    m.flow("Flow_reminded", "Script_remind", "End_reminded", "已提醒")
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
              "含关闭账号等处理）；留有联系方式的答复投诉人后办结（匿名投诉由纪检监察室答复，身份只对其可见）。")
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
    m.xgw("Gateway_anonymous", "是否匿名投诉", "general_office", 11, default="Flow_named")
    m.user("Task_reply", "答复投诉人", "general_office", 12, "complaint_reply",
           doc="第十九条：及时核查处理，并答复投诉人。")
    m.user("Task_reply_anonymous", "答复匿名投诉人", "discipline_inspection", 12, "complaint_reply",
           label="纪检监察室答复",
           doc="第十九条：匿名投诉人的身份与联系方式只有牵头核查的纪检监察室可见，由其答复。")
    m.end("End_replied", "已答复，办结", "general_office", 13)
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
    m.flow("Flow_contact", "Gateway_reply", "Gateway_anonymous", "留有联系方式",
           'defined("contact") and contact.strip() != ""')
    m.flow("Flow_no_contact", "Gateway_reply", "End_closed", "无联系方式")
    m.flow("Flow_named", "Gateway_anonymous", "Task_reply", "实名")
    m.flow("Flow_anonymous", "Gateway_anonymous", "Task_reply_anonymous", "匿名",
           'defined("anonymous") and anonymous == True')
    m.flow("Flow_replied", "Task_reply", "End_replied", "已答复")
    m.flow("Flow_anonymous_replied", "Task_reply_anonymous", "End_replied", "已答复")
    return m


#: 第十九条 定期巡查: the 5th of every month, 09:00 Beijing time (ISO 8601 repeating interval).
PATROL_CYCLE = "R/2026-01-05T09:00:00+08:00/P1M"


def patrol() -> Model:
    m = Model("patrol", "网络巡查",
              "第十九条：党政综合办公室、党建工作办公室联合医患办、信息科定期开展网络巡查，四方并行巡查并记录；"
              "党政综合办公室汇总，发现问题的移交事件处置（第十三、十六、十八条）。")
    m.lane("general_office", "党政综合办公室")
    m.lane("party_building_office", "党建工作办公室")
    m.lane("patient_relations", "医患办")
    m.lane("it_office", "信息科")
    m.start("StartEvent_patrol", "发起网络巡查", "general_office", 0, form="patrol_start",
            row=-0.9, doc="第十九条：定期开展网络巡查；党政综合办公室可随时另行发起。")
    m.timer_start("StartEvent_monthly", "每月定期巡查", "general_office", 0, PATROL_CYCLE, row=0.9,
                  doc="第十九条：定期开展网络巡查——每月5日9时（北京时间）自动发起一次。")
    m.xgw("Gateway_started", "发起方式", "general_office", 0.55)
    m.pgw("Gateway_split", "联合巡查", "general_office", 1.1)
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
    m.flow("Flow_start", "StartEvent_patrol", "Gateway_started", "另行发起")
    m.flow("Flow_monthly", "StartEvent_monthly", "Gateway_started", "定期巡查")
    m.flow("Flow_started", "Gateway_started", "Gateway_split", "开始巡查")
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
