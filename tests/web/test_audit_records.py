"""Printed records 附件1 and 附件2: HTML laid out like the paper, and a real PDF with Chinese text."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.support import APPROVE, Driver

ACCOUNT_OK = {"decision": "approve", "comment": "同意。", "checklist": {
    k: "pass" for k in ("medical_only", "not_in_hospital_name", "commitment", "one_per_type")}}


@pytest.fixture
def drive(app) -> Driver:
    return Driver(app.extensions["shenfa"])


def pdf_text(res) -> str:
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(res.data)).pages)


def test_form2_of_a_four_review_names_every_signer(browse, drive):
    from engine.demo.items import Walker
    from engine.demo.procedures import four_review_at_secretary

    item = four_review_at_secretary(Walker(drive.engine, lambda line: None))
    drive.act(item, "Task_final", "qianjun", {**APPROVE, "comment": "同意发布。"})
    b = browse("gaoyan")
    html = b.get(f"/audit/items/{item}/record").get_data(as_text=True)
    assert "网络新媒体平台信息发布" in html and "审批及保密审查表" in html
    for label in ("分管领导审签", "签发", "相关职能科审稿", "党政综合办核稿", "拟稿", "党委书记把关"):
        assert label in html
    text = pdf_text(b.get(f"/audit/items/{item}/record.pdf"))
    for name in ("赵磊", "周杰", "孙丽", "郑强", "钱军"):  # drafter, 审稿, 核稿, 审签, 党委书记
        assert name in text, name
    assert "宪法日普法宣传" in text and "信息来源" in text


def test_form1_of_an_account_approval(browse, drive):
    item = drive.start("account_approval", "liuyang", {
        "title": "开设「刘洋说推拿」", "tier": 3, "platform_type": "抖音", "platform_name": "抖音",
        "account_name": "刘洋说推拿", "purpose": "健康科普", "commitment": True})
    for spec, user in [("Task_dept", "chenjing"), ("Task_functional", "wuhua"),
                       ("Task_office", "sunli"), ("Task_leader", "zhengqiang")]:
        drive.act(item, spec, user, ACCOUNT_OK)
    text = pdf_text(browse("gaoyan").get(f"/audit/items/{item}/record.pdf"))
    assert "认证审批表" in text and "刘洋说推拿" in text
    for name in ("陈静", "吴华", "孙丽", "郑强"):
        assert name in text, name
    assert "☑抖音" in text.replace(" ", "")


def test_items_without_a_paper_form_are_refused(browse, drive):
    from engine.demo.items import Walker
    from engine.demo.procedures import complaint_unfounded

    item = complaint_unfounded(Walker(drive.engine, lambda line: None))
    b = browse("gaoyan")
    res = b.get(f"/audit/items/{item}/record")
    assert res.status_code == 409 or res.status_code == 400
    assert "没有对应的纸质审批表" in res.get_data(as_text=True)
    assert b.get("/audit/items/99999/record").status_code == 404


def test_every_demo_item_prints_or_says_why_not(app, browse):
    from sqlalchemy import select

    from engine.audit.layouts import covered
    from engine.demo import items as demo
    from engine.store.schema import Instance

    engine = app.extensions["shenfa"]
    demo.run(engine, lambda line: None)
    with engine.db.transaction() as session:
        items = session.execute(select(Instance.id, Instance.model_key)).all()
    b = browse("heping")  # discipline inspection reads the records too
    for item, model in items:
        res = b.get(f"/audit/items/{item}/record")
        printable = model in covered()
        assert res.status_code == (200 if printable else 400), (item, model)
        if printable:
            assert "签名" in res.get_data(as_text=True)


def _record(browse, item) -> str:
    res = browse("gaoyan").get(f"/audit/items/{item}/record")
    assert res.status_code == 200
    return res.get_data(as_text=True)


def _box(html: str, attr: str, label: str) -> list[str]:
    """Return the text of every printed box (``data-box``/``data-round``) named ``label``."""
    import re

    cells = re.findall(rf'<td colspan="3" {attr}="{re.escape(label)}">(.*?)</td>', html, re.S)
    return [re.sub(r"<[^>]+>", " ", c) for c in cells]


def test_form2_titles_a_box_by_the_role_of_who_signed_it(browse, drive):
    """第十一条 (二级平台参照执行): the department head's first review is not 相关职能科审稿."""
    from tests.proc_support import account_id

    item = drive.start("post_review", "zhangwei", {
        "account_id": account_id(drive.engine, "心血管内科健康课堂"), "title": "冬季心血管健康提示",
        "planned_date": "2026-12-01"})
    from tests.support import DRAFT

    drive.act(item, "Task_draft", "zhangwei", {**DRAFT, "body": "## 寒潮来袭\n\n注意**保暖**。"})
    for spec, user in [("Task_review_dept", "lina"), ("Task_check", "sunli"),
                       ("Task_sign", "zhengqiang")]:
        drive.act(item, spec, user, {**APPROVE, "comment": f"{user}同意"})
    html = _record(browse, item)
    [first] = _box(html, "data-box", "审稿")
    assert first.startswith("科室负责人审稿：") and "李娜" in first and "相关职能科" not in html
    assert _box(html, "data-box", "核稿")[0].startswith("党政综合办核稿：")
    assert _box(html, "data-box", "审签")[0].startswith("分管领导审签：")
    for label in ("审稿", "核稿", "审签"):
        assert "保密审查：可公开" in _box(html, "data-box", label)[0]
    assert "保密审查结论：可公开" in _box(html, "data-box", "保密审查")[0]
    assert "<h2>寒潮来袭</h2>" in html and "<strong>保暖</strong>" in html  # 内容附后
    text = pdf_text(browse("gaoyan").get(f"/audit/items/{item}/record.pdf"))
    assert "寒潮来袭" in text and "保密审查结论" in text and "科室负责人审稿" in text


def test_form2_of_a_tier3_review_prints_every_round_and_every_expert(browse, drive):
    """第十二条二: head, both joint reviewers in both rounds, each expert, the branch (三)."""
    from engine.demo.items import Walker
    from engine.demo.procedures import tier3_at_expert_panel

    item = tier3_at_expert_panel(Walker(drive.engine, lambda line: None))
    drive.act(item, "Task_expert [child]", "hanmei", {"conclusion": "agree", "opinion": "证据充分",
                                              "basis": "《中国高血压防治指南》"})
    ok = {**APPROVE, "comment": "据专家意见同意"}
    ok.pop("proofread")
    drive.act(item, "Task_joint_office", "zhaolei", ok)
    drive.act(item, "Task_joint_medical", "zhoujie", ok)
    assert drive.open_specs(item) == ["Task_publish"]  # approved (第十二条), to be published
    html = _record(browse, item)
    office = _box(html, "data-round", "联合复审（党政综合办）")
    assert len(office) == 2 and "提请专家评议" in office[0] and "评议专家：冯雪" in office[0]
    assert "同意发布" in office[1] and "保密审查：可公开" in office[1]
    assert len(_box(html, "data-round", "联合复审（医务科）")) == 2
    experts = _box(html, "data-round", "专家评议")
    assert len(experts) == 2
    assert "冯雪" in experts[0] and "修改后发布" in experts[0] and "补充指南出处" in experts[0]
    assert "韩梅" in experts[1] and "《中国高血压防治指南》" in experts[1]
    [branch] = _box(html, "data-round", "党支部报备")
    assert "王芳" in branch and "支部意见：符合规范" in branch
    assert "科室负责人审核" in html and "experts" not in html.replace('"experts"', "")
