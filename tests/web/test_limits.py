"""Bounded requests (issue 11): small bodies by default, drafts checked, titles on one line."""

from __future__ import annotations

import pytest

from tests.web.test_api import START, drive  # noqa: F401 - fixture

MB = 1024 * 1024


def test_a_huge_anonymous_sign_in_body_is_refused_before_it_is_read(api):
    res = api().client.post("/api/session", data=b"{" + b" " * (3 * MB) + b"}",
                            content_type="application/json")
    body = res.get_json()
    assert res.status_code == 413 and body["status"] == 413
    assert "请求内容过大" in body["message"] and "1 MB" in body["message"]


def test_a_body_without_length_is_still_cut_at_the_limit(api):
    from io import BytesIO

    res = api().client.post("/api/session", input_stream=BytesIO(b" " * (3 * MB)),
                            content_type="application/json",
                            headers={"Transfer-Encoding": "chunked"},
                            environ_overrides={"wsgi.input_terminated": True})
    assert res.status_code == 413, res.get_json()


def test_json_over_the_small_limit_is_refused_even_when_signed_in(api):
    author = api("zhangwei")
    res = author.post("/api/models/three_review/instances",
                      json={"data": {**START, "body": "长" * (MB // 2)}})  # 1.5 MB of UTF-8
    assert res.status_code == 413 and res.get_json()["title"] == "文件过大"


def test_attachment_uploads_keep_the_large_limit_for_signed_in_users(app, browse, drive):  # noqa: F811
    app.config.update(MAX_BODY_KB=64)  # small bodies; the upload limit stays 1 MB
    instance = drive.start("three_review", "zhangwei", START)
    b = browse("zhangwei")
    from io import BytesIO

    pdf = b"%PDF-1.4\n" + b"0" * (300 * 1024)  # over 64 KB, under 500 KB (no temp files)
    res = b.post(f"/items/{instance}/attachments",
                 data={"file": (BytesIO(pdf), "稿件.pdf")}, content_type="multipart/form-data")
    assert res.status_code in (302, 303), res.get_data(as_text=True)[:300]
    anonymous = browse().client.post(f"/items/{instance}/attachments", data=pdf,
                                     content_type="multipart/form-data; boundary=x")
    assert anonymous.status_code == 413


# NUL never reaches the form: the input guard refuses it in any JSON body (web/input_guard.py).
@pytest.mark.parametrize("value", ["x\r\nBcc: evil@attacker.test", "标题\x1b[2J", "a\u2028b",
                                   "\x85next"])
def test_a_title_with_control_characters_is_refused_with_a_clear_message(api, value):
    res = api("zhangwei").post("/api/models/three_review/instances",
                               json={"data": {**START, "title": value}})
    assert res.status_code == 400
    assert res.get_json()["errors"]["title"] == ["不能包含换行符或其他控制字符。"]


def test_search_terms_and_user_names_refuse_control_characters(api):
    assert api("zhangwei").get("/api/tasks?q=a%0d%0ab").status_code == 400
    res = api().client.post("/api/session", json={"username": "zhang\r\nwei", "password": "x"})
    assert res.status_code == 400 and "控制字符" in res.get_json()["errors"]["username"][0]


def test_drafts_are_checked_against_the_form_types_and_sizes(api, drive):  # noqa: F811
    instance = drive.start("three_review", "zhangwei", START)
    task_id = drive.task(instance, "Task_draft").id
    author = api("zhangwei")
    url = f"/api/tasks/{task_id}/draft"
    assert author.put(url, json={"data": {"title": "未完"}}).status_code == 200
    wrong = author.put(url, json={"data": {"nonsense": 1, "title": ["not", "text"]}})
    assert wrong.status_code == 400 and set(wrong.get_json()["errors"]) == {"nonsense", "title"}
    huge = author.put(url, json={"data": {"title": "题" * 5000}})
    assert huge.status_code == 400 and "长度" in huge.get_json()["errors"]["title"][0]
    assert author.get(f"/api/tasks/{task_id}").get_json()["draft"] == {"title": "未完"}
