"""The progress line (engine.progress) agrees with the history and task table of every item."""

from __future__ import annotations

from sqlalchemy import select

from engine.demo import items as demo
from engine.read.progress import progress
from engine.run.attachments import BlobStore
from engine.store.schema import Event, Instance, Task


def _check(session, instance_id: int) -> dict:
    line = progress(session, instance_id)
    steps = {s["spec"]: s for s in line["steps"]}
    open_specs = {t.spec_name.removesuffix(" [child]") for t in session.scalars(select(Task).where(
        Task.instance_id == instance_id, Task.status == "open"))}
    done_specs = {e.task_spec.removesuffix(" [child]") for e in session.scalars(select(Event).where(
        Event.instance_id == instance_id, Event.type == "task_completed"))}
    for spec in open_specs:  # every open task is on the line, held or waiting
        assert steps[spec]["status"] in ("active", "waiting"), (instance_id, spec)
    for spec, step in steps.items():  # nothing is said done that the history did not do
        if step["status"] in ("done", "returned"):
            assert spec in done_specs and step["who"] and step["at"], (instance_id, spec)
    assert line["path_text"]
    return line


def test_every_demo_item_has_a_line_that_matches_its_history(engine):
    ids = demo.run(engine, lambda line: None)
    with engine.db.transaction() as session:
        lines = {i: _check(session, i) for i in ids}
        statuses = dict(session.execute(select(Instance.id, Instance.status)).all())
    assert lines[1]["path_text"].startswith("三审三校")
    assert [s["short"] for s in lines[1]["steps"]] == ["拟稿", "审稿", "核稿", "审签/签发"]
    assert all(s["status"] == "done" for s in lines[1]["steps"]) and statuses[1] == "completed"
    tier3 = next(line for line in lines.values() if "专家评议" in line["path_text"])
    assert "联合复审" in tier3["path_text"]


def test_a_return_starts_the_later_stages_afresh(engine, drive):
    from tests.support import returned

    item = drive.start("three_review", "zhangwei", {"title": "t", "media": ["官网"]})
    draft = {"title": "t", "body": "b", "source": "s", "media": ["官网"]}
    drive.act(item, "Task_draft", "zhangwei", draft)
    approve = {"decision": "approve", "comment": "", "secrecy": "public", "proofread": True,
               "checklist": {k: "pass" for k in ("political", "scientific", "lawful",
                                                  "public_interest", "form", "forbidden")}}
    drive.act(item, "Task_review", "zhoujie", approve)
    drive.act(item, "Task_check", "sunli", {**approve, **returned()})
    with engine.db.transaction() as session:
        steps = {s["spec"]: s["status"] for s in _check(session, item)["steps"]}
    assert steps == {"Task_draft": "active", "Task_review": "pending", "Task_check": "pending",
                     "Task_sign": "pending"}


def test_the_sole_holder_gets_the_task_and_others_stay_in_the_queue(engine, drive):
    item = drive.start("three_review", "zhangwei", {"title": "t", "media": ["官网"]})
    drive.act(item, "Task_draft", "zhangwei", {"title": "t", "body": "b", "source": "s"})
    review = drive.task(item, "Task_review")
    assert review.pool and review.assignee is None  # two 相关职能科室 holders: a queue
    approve = {"decision": "approve", "comment": "", "secrecy": "public", "proofread": True,
               "checklist": {k: "pass" for k in ("political", "scientific", "lawful",
                                                  "public_interest", "form", "forbidden")}}
    drive.act(item, "Task_review", "zhoujie", approve)
    drive.act(item, "Task_check", "sunli", approve)
    sign = drive.task(item, "Task_sign")
    assert sign.assignee == "zhengqiang" and not sign.pool  # the only 宣传分管领导
    engine.claim(sign.id, "zhengqiang")  # claiming what is already yours: no error


def test_a_relative_blob_root_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = BlobStore("var/blobs")
    digest = store.put(b"%PDF-1.4 x")
    monkeypatch.chdir("/")
    assert store.path(digest).is_file() and store.root.is_absolute()
