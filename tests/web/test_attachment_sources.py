"""An attachment's source (图片来源, 第九条) through the REST API and the pages: given on
upload, changed by the drafter while drafting, refused in the product's error shape,
shown to the reviewers beside each image."""

from __future__ import annotations

import io

import pytest

from engine.app import tasks as service
from tests.engine.test_attachment_sources import PNG, POST, START
from tests.support import Driver

FETCH = {"X-Requested-With": "fetch"}


@pytest.fixture
def drive(app) -> Driver:
    return Driver(app.extensions["shenfa"])


def upload(client, instance: int, name: str, source: str | None = None):
    data = {"file": (io.BytesIO(PNG), name)}
    if source is not None:
        data["source"] = source
    return client.client.post(f"/api/instances/{instance}/attachments", data=data,
                              headers=client.headers, content_type="multipart/form-data")


def patch(client, attachment: int, body):
    return client.client.patch(f"/api/attachments/{attachment}", json=body, headers=client.headers)


def assert_error(res, status: int, field: str | None = None) -> dict:
    body = res.get_json()
    assert res.status_code == status, body
    assert body["status"] == status and body["title"] and body["message"]
    if field:
        assert list(body["errors"]) == [field]
    return body


def test_the_api_takes_a_source_on_upload_and_lists_it(api, drive):
    instance = drive.start("three_review", "zhangwei", START)
    author = api("zhangwei")
    made = upload(author, instance, "现场.png", "  宣传科摄 ")
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["source"] == "宣传科摄"
    assert upload(author, instance, "图表.png").get_json()["source"] is None
    listed = author.get(f"/api/instances/{instance}/attachments").get_json()
    assert [(a["filename"], a["source"]) for a in listed] == [("现场.png", "宣传科摄"), ("图表.png", None)]


#: NUL is refused for the whole app before any view (web/input_guard.py), without a field
BAD = [("宣传\n科摄", "source"), ("a\x00b", None), ("x" * 201, "source"), ("\u2028", "source")]


@pytest.mark.parametrize(("source", "field"), BAD, ids=range(len(BAD)))
def test_a_bad_source_is_refused_with_the_error_shape_and_changes_nothing(api, drive, source, field):
    instance = drive.start("three_review", "zhangwei", START)
    author = api("zhangwei")
    assert_error(upload(author, instance, "现场.png", source), 400, field)
    assert author.get(f"/api/instances/{instance}/attachments").get_json() == []  # nothing stored
    file = upload(author, instance, "现场.png", "宣传科摄").get_json()["id"]
    assert_error(patch(author, file, {"source": source}), 400, field)
    assert author.get(f"/api/instances/{instance}/attachments").get_json()[0]["source"] == "宣传科摄"


def test_the_api_changes_a_source_only_for_the_drafter_while_drafting(api, drive):
    instance = drive.start("three_review", "zhangwei", START)
    author = api("zhangwei")
    file = upload(author, instance, "现场.png").get_json()["id"]
    changed = patch(author, file, {"source": " 科室自绘 "})
    assert changed.status_code == 200 and changed.get_json()["source"] == "科室自绘"
    assert patch(author, file, {"source": None}).get_json()["source"] is None
    assert_error(patch(author, file, {}), 400, "source")
    assert_error(patch(author, file, {"source": "x", "other": 1}), 400)
    assert_error(patch(api("lina"), file, {"source": "x"}), 403)  # not taking part
    assert_error(patch(api("admin"), file, {"source": "x"}), 403)  # reads it, does not draft it
    assert_error(patch(author, 999999, {"source": "x"}), 404)
    patch(author, file, {"source": "宣传科摄"})
    service.complete(drive.engine, drive.task(instance, "Task_draft").id, "zhangwei", POST)
    assert_error(patch(author, file, {"source": "别的"}), 409)
    assert author.get(f"/api/instances/{instance}/attachments").get_json()[0]["source"] == "宣传科摄"


def test_the_page_sets_a_source_in_place_and_says_why_it_cannot(browse, drive):
    instance = drive.start("three_review", "zhangwei", START)
    author = browse("zhangwei")
    task = drive.task(instance, "Task_draft").id
    res = author.post(f"/items/{instance}/attachments", {"file": (io.BytesIO(PNG), "图表.png"),
                                                         "source": ""}, headers=FETCH)
    assert res.status_code == 200 and "未注明来源" in res.get_json()["html"]
    page = author.get(f"/tasks/{task}").get_data(as_text=True)
    assert 'class="js-async source-form"' in page and "图片来源" in page
    file = _only_file(author, instance)
    bad = author.post(f"/attachments/{file}/source", {"source": "a\rb"}, headers=FETCH)
    assert bad.status_code == 400 and "控制字符" in bad.get_json()["message"]
    done = author.post(f"/attachments/{file}/source", {"source": "科室自绘"}, headers=FETCH)
    assert done.status_code == 200 and "来源：科室自绘" in done.get_json()["html"]
    service.complete(drive.engine, task, "zhangwei", POST)
    late = author.post(f"/attachments/{file}/source", {"source": "别的"}, headers=FETCH)
    assert late.status_code == 409 and "已固定" in late.get_json()["message"]
    assert "source-form" not in late.get_json()["html"]  # no longer offered


def _only_file(client, instance: int) -> int:
    html = client.get(f"/items/{instance}").get_data(as_text=True)
    start = html.index('data-attachment="') + len('data-attachment="')
    return int(html[start:html.index('"', start)])


def test_the_reviewers_see_each_images_source_beside_it(api, browse, drive):
    instance = drive.start("three_review", "zhangwei", START)
    author = api("zhangwei")
    upload(author, instance, "现场.png", "宣传科摄")
    upload(author, instance, "图表.png")
    service.complete(drive.engine, drive.task(instance, "Task_draft").id, "zhangwei", POST)
    review = drive.task(instance, "Task_review").id
    drive.engine.claim(review, "zhoujie")
    page = browse("zhoujie").get(f"/tasks/{review}").get_data(as_text=True)
    assert "来源：宣传科摄" in page
    assert "图片附件「图表.png」未注明来源" in page and "图片附件「现场.png」" not in page
    assert "source-form" not in page  # the reviewer cannot change it
    item = browse("zhangwei").get(f"/items/{instance}").get_data(as_text=True)
    assert "来源：宣传科摄" in item and "未注明来源" in item and "source-form" not in item
