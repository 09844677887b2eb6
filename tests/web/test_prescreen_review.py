"""The pre-screen where reviewers meet it (issue 15): the task answer (API), the task page,
and the one rule — approving over a high finding needs a reason — on page, API and CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main
from tests.support import APPROVE, DRAFT, Driver

ROOT = Path(__file__).resolve().parents[2]
START = {"title": "冬季心血管健康提示", "media": ["订阅号"]}
RISKY = {**DRAFT, "title": "根治糖尿病的好消息",
         "body": "患者王某（手机 13912345678）在我院治疗后，**糖尿病已根治**。"}
REASON = "号码为科室公开电话，已核实；“根治”已请作者改为“血糖控制良好”。"


@pytest.fixture
def drive(app) -> Driver:
    return Driver(app.extensions["shenfa"])


def at_review(drive, browse, draft=RISKY) -> tuple[int, str]:
    """zhangwei drafts through the page (the tasks service); return the item and its 审稿 task."""
    instance = drive.start("three_review", "zhangwei", START)
    author = browse("zhangwei")
    task = drive.task(instance, "Task_draft").id
    res = author.post(f"/tasks/{task}", {**draft, "media": "订阅号", "action": "complete"})
    assert res.status_code == 302, res.get_data(as_text=True)[:500]
    review = drive.task(instance, "Task_review")
    drive.engine.claim(review.id, "zhoujie")
    return instance, review.id


def test_the_task_answer_carries_the_findings_the_step_recorded(app, api, drive, browse):
    instance, task_id = at_review(drive, browse)
    detail = api("zhoujie").get(f"/api/tasks/{task_id}").get_json()
    shown = detail["prescreen"]
    assert shown["stored"] is True
    spans = {(f["field"], f["text"], f["severity"]) for f in shown["findings"]}
    assert {("body", "13912345678", "high"), ("title", "根治", "high")} <= spans
    for f in shown["findings"]:
        if f["field"] != "post":
            assert RISKY[f["field"]][f["start"]:f["end"]] == f["text"]
    drafted = drive.events(instance, "task_completed")[-1]["payload"]["prescreen"]
    assert drafted["findings"] == shown["findings"]


def test_the_api_refuses_an_unexplained_approval_with_400_and_takes_a_reasoned_one(api, drive, browse):
    instance, task_id = at_review(drive, browse)
    reviewer = api("zhoujie")
    refused = reviewer.post(f"/api/tasks/{task_id}/complete", json={"data": APPROVE})
    assert refused.status_code == 400
    assert "理由" in refused.get_json()["errors"]["prescreen_reason"][0]
    assert drive.open_specs(instance) == ["Task_review"]
    done = reviewer.post(f"/api/tasks/{task_id}/complete",
                         json={"data": {**APPROVE, "prescreen_reason": REASON}})
    assert done.status_code == 200, done.get_json()
    assert drive.open_specs(instance) == ["Task_check"]


def test_the_page_marks_the_spans_lists_the_findings_and_flags_the_checklist(drive, browse):
    _, task_id = at_review(drive, browse)
    html = browse("zhoujie").get(f"/tasks/{task_id}").get_data(as_text=True)
    marks = re.findall(r'<mark class="pf pf-high"[^>]*title="([^"]*)"[^>]*>([^<]*)</mark>', html)
    assert ("13912345678" in [text for _, text in marks]) and ("根治" in [t for _, t in marks])
    assert all("第" in tip for tip, _ in marks)
    assert "机器预审提示" in html and 'data-high="' in html
    assert re.search(r'<tr id="check-lawful" class="[^"]*attention', html)
    assert re.search(r'<tr id="check-public_interest" class="(?![^"]*attention)', html)
    assert 'name="prescreen_reason"' in html and "越过高风险提示的理由" in html


def test_the_page_refuses_an_unexplained_approval_and_keeps_the_input(drive, browse):
    instance, task_id = at_review(drive, browse)
    reviewer = browse("zhoujie")
    form = {"decision": "approve", "secrecy": "public", "proofread": "true", "action": "complete",
            **{f"checklist.{k}": "pass" for k in APPROVE["checklist"]}}
    res = reviewer.post(f"/tasks/{task_id}", form)
    assert res.status_code == 400
    assert "审核通过须" in res.get_data(as_text=True)
    assert drive.open_specs(instance) == ["Task_review"]
    ok = reviewer.post(f"/tasks/{task_id}", {**form, "prescreen_reason": REASON})
    assert ok.status_code == 302 and drive.open_specs(instance) == ["Task_check"]


def test_a_clean_post_shows_no_reason_field_and_approves(drive, browse):
    instance, task_id = at_review(drive, browse, DRAFT)
    html = browse("zhoujie").get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'name="prescreen_reason"' not in html and "<mark" not in html


def test_the_cli_refuses_it_in_one_line_with_exit_1(app, db_url, drive, browse, monkeypatch):
    instance, task_id = at_review(drive, browse)
    monkeypatch.setenv("SHENFA_DATABASE_URL", db_url)
    monkeypatch.setenv("SHENFA_PROCESSES", str(ROOT / "processes"))
    monkeypatch.setenv("SHENFA_FORMS", str(ROOT / "forms"))
    result = CliRunner().invoke(main, ["complete", task_id, "--as", "zhoujie",
                                       "--data", json.dumps(APPROVE)])
    assert result.exit_code == 1 and "理由" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert drive.open_specs(instance) == ["Task_review"]


def test_form2_prints_the_findings_and_the_reason_in_html_and_pdf(api, drive, browse):
    import io

    from pypdf import PdfReader

    instance, task_id = at_review(drive, browse)
    res = api("zhoujie").post(f"/api/tasks/{task_id}/complete",
                              json={"data": {**APPROVE, "prescreen_reason": REASON}})
    assert res.status_code == 200
    auditor = browse("gaoyan")
    html = auditor.get(f"/audit/items/{instance}/record").get_data(as_text=True)
    section = html[html.index("<section class=\"prescreen-record\""):]
    assert "机器预审提示" in section and "第七条三" in section and "13912345678" in section
    assert "根治" in section and "合法性与保密性" in section and REASON in section
    assert "周杰" in section
    pdf = auditor.get(f"/audit/items/{instance}/record.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "机器预审提示" in text and "第七条三" in text


def test_form2_of_a_clean_post_says_nothing_was_found(drive, browse):
    instance, task_id = at_review(drive, browse, DRAFT)
    html = browse("gaoyan").get(f"/audit/items/{instance}/record").get_data(as_text=True)
    section = html[html.index("<section class=\"prescreen-record\""):]
    assert "审核人越过高风险提示的理由" not in section and "第七条三" not in section
