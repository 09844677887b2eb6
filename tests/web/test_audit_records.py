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
    from engine.demo import Walker
    from engine.demo_procedures import four_review_at_secretary

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
    from engine.demo import Walker
    from engine.demo_procedures import complaint_unfounded

    item = complaint_unfounded(Walker(drive.engine, lambda line: None))
    b = browse("gaoyan")
    res = b.get(f"/audit/items/{item}/record")
    assert res.status_code == 409 or res.status_code == 400
    assert "没有对应的纸质审批表" in res.get_data(as_text=True)
    assert b.get("/audit/items/99999/record").status_code == 404


def test_every_demo_item_prints_or_says_why_not(app, browse):
    from sqlalchemy import select

    from engine import demo
    from engine.records import ACCOUNT_MODELS, POST_MODELS
    from engine.schema import Instance

    engine = app.extensions["shenfa"]
    demo.run(engine, lambda line: None)
    with engine.db.transaction() as session:
        items = session.execute(select(Instance.id, Instance.model_key)).all()
    b = browse("heping")  # discipline inspection reads the records too
    for item, model in items:
        res = b.get(f"/audit/items/{item}/record")
        printable = model in ACCOUNT_MODELS | POST_MODELS
        assert res.status_code == (200 if printable else 400), (item, model)
        if printable:
            assert "签名" in res.get_data(as_text=True)
