"""The inbox's title search finds exactly the titles that contain the text, on both backends.

The search binds its text into a statement built once per shape (issue 14); LIKE's own
wildcards (``%``, ``_``) and the escape character (``/``) in what staff type must be taken
literally.  Generated search texts over those characters are compared with Python's ``in``.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from engine.read.inbox import InboxQuery, inbox
from engine.store.schema import Instance

TITLES = ["50%折扣", "a_b", "a/b", "a//b", "100% 纯", "x\\y", "下划线_中文", "ab 中", "/%_"]


def test_title_search_matches_exactly_the_titles_containing_the_text(drive, engine, clock):
    for title in TITLES:
        drive.start("three_review", "zhangwei", {"title": title, "media": ["官网"]})
    with engine.db.reading() as session:
        started = dict(session.execute(select(Instance.id, Instance.title)
                                       .where(Instance.initiator == "zhangwei")).all())

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.text(alphabet="%_/\\ab中 ", min_size=1, max_size=4))
    def search(text):
        with engine.db.reading() as session:
            page = inbox(session, "zhangwei", InboxQuery("started", {"q": text}, 1, 100), clock.now())
        expected = {i for i, title in started.items() if text in title}
        assert {row["instance_id"] for row in page["rows"]} == expected
        assert page["counts"]["started"] == len(expected)

    search()
