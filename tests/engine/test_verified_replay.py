"""Verified replay never raises a false alarm, and still catches every edit (issue 10).

Every procedure is walked with submissions in random key orders and random
reloads between steps, through called models and returns; the timers of the
waiting items fire.  Every item must verify.  Then one stored event is edited
(or the last one deleted) and the verdict must name it.
"""

from __future__ import annotations

import random
from contextlib import ExitStack
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from engine.audit.replay import verify_instance
from engine.demo.items import WALKS
from engine.store import state
from engine.store.schema import Event, Instance
from tests.walks import RandomWalker, copy_db, tamper

SETTINGS = settings(max_examples=2, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def walk_all(engine, rng: random.Random) -> list[int]:
    """Walk every procedure at random key orders and reloads, then fire what is due."""
    walker = RandomWalker(engine, rng)
    items = [walk(walker) for walk in WALKS]
    engine.clock.advance(hours=2)
    engine.live_cache = rng.random() < 0.5
    engine.fire_due_timers()
    return items


def all_items(engine) -> list[int]:
    with engine.db.reading() as session:
        return list(session.scalars(select(Instance.id).order_by(Instance.id)))


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1))
def test_every_item_verifies_whatever_the_key_order_and_reloads(sqlite_template, seed):
    engine = copy_db(sqlite_template)
    try:
        walk_all(engine, random.Random(seed))
        verdicts = [verify_instance(engine, i) for i in all_items(engine)]
    finally:
        engine.db.dispose()
    assert len(verdicts) > len(WALKS)
    assert [(v.instance_id, v.message) for v in verdicts if not v.ok] == []


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1))
def test_an_edited_or_deleted_event_is_named(sqlite_template, seed):
    rng = random.Random(seed)
    engine = copy_db(sqlite_template)
    try:
        walk_all(engine, rng)
        item = rng.choice(all_items(engine))
        seq = tamper(engine, item, rng)
        verdict = verify_instance(engine, item)
    finally:
        engine.db.dispose()
    assert not verdict.ok
    assert verdict.diverged_at == seq, verdict.message


def test_the_issue_example_an_actor_changed_in_sql_is_named(engine, drive, clock):
    item = drive.start("three_review", "zhaolei", {"title": "t1", "media": ["官网"]})
    drive.act(item, "Task_draft", "zhaolei", {"media": ["官网"], "title": "t1", "body": "b",
                                              "source": "s"})
    with engine.db.transaction() as session:
        session.execute(update(Event).where(Event.instance_id == item, Event.seq == 3)
                        .values(actor="lina"))
    verdict = verify_instance(engine, item)
    assert (verdict.ok, verdict.diverged_at) == (False, 3)
    assert "哈希" in verdict.message


def test_history_recorded_before_canonical_digests_still_verifies(sqlite_template):
    """Scheme-1 events (text digests, order as stored) stay honest under the new scheme."""
    engine = copy_db(sqlite_template)
    legacy = [mock.patch.object(state, "dump", state.legacy_dump),
              mock.patch.object(state, "DIGEST_SCHEME", 1)]
    try:
        with ExitStack() as stack:
            for patch in legacy:
                stack.enter_context(patch)
            walk_all(engine, random.Random(7))
        with engine.db.reading() as session:
            schemes = {e.payload.get("digest_scheme") for e in session.scalars(select(Event))
                       if "state_digest" in e.payload}
        verdicts = [verify_instance(engine, i) for i in all_items(engine)]
    finally:
        engine.db.dispose()
    assert schemes == {1}
    assert [(v.instance_id, v.message) for v in verdicts if not v.ok] == []
