"""Press releases and matrix reporting (第十四、十五条)."""

from __future__ import annotations

from tools.bpmn_writer import Model


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
                 "output_item": "confirmation", "input_title": "通稿发布账号",
                 "output_title": "发布确认"},
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
