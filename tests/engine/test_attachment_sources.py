"""Attachments carry the source their author states (第九条): stored, shown, changed while
the post is drafted, refused when it cannot be one, kept over a restart and a migration —
and the pre-screen names exactly the images that state none."""

from __future__ import annotations

import base64

import pytest
from alembic import command
from alembic.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.app import items, screening
from engine.app import tasks as service
from engine.base.errors import Conflict, Invalid, NotAllowed
from engine.base.text import bad_character
from engine.run.attachments import MAX_SOURCE, BlobStore, attachments_of
from engine.run.runtime import Engine
from engine.store.persistence import MIGRATIONS, Database
from tests.support import APPROVE, DRAFT, Driver, returned

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEh"
                       "QGAhKmMIQAAAABJRU5ErkJggg==")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
START = {"title": "冬季心血管健康提示", "media": ["订阅号"]}
POST = {**DRAFT, "body": "寒冷季节注意保暖，按时服药。\n\n供稿：心血管内科"}
NO_SOURCE = "form.image_source"
#: text a person might type, with every kind of control character, far past the limit
TYPED = st.one_of(st.text(max_size=40), st.text(st.characters(max_codepoint=0x3000), max_size=300),
                  st.text(" \t\u3000", max_size=5), st.just("x" * (MAX_SOURCE + 1)),
                  st.just(" " * 50 + "宣传科摄" + " " * 50), st.none())


@pytest.fixture
def blobs(tmp_path) -> BlobStore:
    return BlobStore(tmp_path / "blobs")


def drafting(drive: Driver) -> int:
    """An item whose post zhangwei is drafting (its Task_draft open, his)."""
    return drive.start("three_review", "zhangwei", START)


def attach(engine: Engine, blobs: BlobStore, instance: int, name: str, source=None,
           data: bytes = PNG, user: str = "zhangwei") -> int:
    return items.attach(engine, blobs, instance, user, name, data, 1 << 20, source)


def source_of(engine: Engine, attachment: int) -> str | None:
    return items.attachment(engine, attachment, "zhangwei")["source"]


def submit(drive: Driver, instance: int) -> None:
    service.complete(drive.engine, drive.task(instance, "Task_draft").id, "zhangwei", POST)


def flagged(drive: Driver, instance: int, spec: str = "Task_review") -> list[str]:
    """Return the file names the reviewers are shown as images without a source."""
    with drive.engine.db.reading() as session:
        shown = service.task_detail(session, drive.task(instance, spec).id).prescreen
    return [f["text"] for f in (shown or {}).get("findings", []) if f["rule"] == NO_SOURCE]


def test_a_source_given_on_upload_is_stored_trimmed_and_shown(drive, blobs):
    instance = drafting(drive)
    given_ = attach(drive.engine, blobs, instance, "现场.png", "  宣传科摄 ")
    blank = attach(drive.engine, blobs, instance, "图表.png", " \u3000 ")
    assert source_of(drive.engine, given_) == "宣传科摄"
    assert source_of(drive.engine, blank) is None
    page = items.item_page(drive.engine, instance, "zhangwei")
    assert [(a["filename"], a["source"]) for a in page.attachments] == [
        ("现场.png", "宣传科摄"), ("图表.png", None)]
    assert page.sources_editable is True


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=TYPED)
def test_any_typed_source_is_stored_trimmed_or_refused_changing_nothing(drive, blobs, typed):
    instance = drafting(drive)
    file = attach(drive.engine, blobs, instance, "现场.png", "原来源")
    bad = typed is not None and (bad_character(typed) is not None or len(typed.strip()) > MAX_SOURCE)
    if bad:
        with pytest.raises(Invalid) as refused:
            items.set_source(drive.engine, file, "zhangwei", typed)
        assert list(refused.value.errors) == ["source"]
        assert source_of(drive.engine, file) == "原来源"  # nothing changed
        with pytest.raises(Invalid):  # nor is a file stored with it
            attach(drive.engine, blobs, instance, "新.png", typed)
        assert len(items.attachments(drive.engine, instance)) == 1
        return
    shown = items.set_source(drive.engine, file, "zhangwei", typed)
    expected = (typed or "").strip() or None
    assert shown["source"] == source_of(drive.engine, file) == expected


def test_only_the_drafter_changes_a_source_and_only_while_drafting(drive, blobs):
    instance = drafting(drive)
    file = attach(drive.engine, blobs, instance, "现场.png")
    with pytest.raises(NotAllowed):  # may read every item, does not draft this one
        items.set_source(drive.engine, file, "admin", "宣传科摄")
    items.set_source(drive.engine, file, "zhangwei", "宣传科摄")
    submit(drive, instance)
    assert items.sources_editable(drive.engine, instance, "zhangwei") is False
    with pytest.raises(Conflict):  # submitted: fixed like the file itself
        items.set_source(drive.engine, file, "zhangwei", "别的来源")
    assert source_of(drive.engine, file) == "宣传科摄"
    drive.act(instance, "Task_review", "zhoujie", returned("请注明图表来源"))
    items.set_source(drive.engine, file, "zhangwei", "科室自绘")  # back with its drafter
    assert source_of(drive.engine, file) == "科室自绘"


def test_the_prescreen_names_exactly_the_images_without_a_source(drive, blobs):
    instance = drafting(drive)
    attach(drive.engine, blobs, instance, "现场.png", "宣传科摄")
    attach(drive.engine, blobs, instance, "图表.png")
    attach(drive.engine, blobs, instance, "说明.pdf", data=PDF)
    attach(drive.engine, blobs, instance, "扫描件.png", data=PDF)  # a PDF, whatever its name
    submit(drive, instance)
    recorded = drive.events(instance, "task_completed")[-1]["payload"]["prescreen"]
    named = [f for f in recorded["findings"] if f["rule"] == NO_SOURCE]
    assert [(f["field"], f["text"]) for f in named] == [("attachment", "图表.png")]
    assert "图表.png" in named[0]["message"]
    assert flagged(drive, instance) == ["图表.png"]  # the reviewer is shown what was stored
    with drive.engine.db.reading() as session:
        detail = service.task_detail(session, drive.task(instance, "Task_review").id)
    assert detail.prescreen["stored"] is True


def test_a_source_set_while_drafting_clears_the_finding_of_that_image(drive, blobs):
    instance = drafting(drive)
    file = attach(drive.engine, blobs, instance, "图表.png")
    service.save_draft(drive.engine, drive.task(instance, "Task_draft").id, "zhangwei", POST)
    assert flagged(drive, instance, "Task_draft") == ["图表.png"]
    items.set_source(drive.engine, file, "zhangwei", "科室自绘")
    assert flagged(drive, instance, "Task_draft") == []


def test_the_source_survives_a_restart_without_the_live_cache(db_url, drive, blobs):
    instance = drafting(drive)
    file = attach(drive.engine, blobs, instance, "现场.png")
    items.set_source(drive.engine, file, "zhangwei", "宣传科摄")
    restarted = Driver(Engine(Database(db_url), live_cache=False))
    try:
        assert source_of(restarted.engine, file) == "宣传科摄"
        submit(restarted, instance)
        assert flagged(restarted, instance) == []
        restarted.act(instance, "Task_review", "zhoujie", APPROVE)
        assert source_of(restarted.engine, file) == "宣传科摄"
    finally:
        restarted.engine.db.dispose()


def test_migration_1520_keeps_existing_files_without_a_source_and_they_stay_flagged(drive, blobs):
    instance = drafting(drive)
    attach(drive.engine, blobs, instance, "旧图.png")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with drive.engine.db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "1510")
        command.upgrade(config, "head")
    with drive.engine.db.reading() as session:
        assert [(a["filename"], a["source"]) for a in attachments_of(session, instance)] == [
            ("旧图.png", None)]
    submit(drive, instance)
    assert flagged(drive, instance) == ["旧图.png"]


def test_a_screening_stored_before_sources_existed_still_matches_its_post():
    files = [{"filename": "旧图.png", "mime": "image/png"}]  # a row from before 1520
    old_key = screening.post_key(POST, [{"name": "旧图.png", "kind": "image/png"}])
    assert screening.post_key(POST, screening.screened_files(files)) == old_key
    sourced = [{**files[0], "source": "宣传科摄"}]
    assert screening.post_key(POST, screening.screened_files(sourced)) != old_key
