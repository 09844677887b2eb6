"""The gaps issue 10 left in 第十九条 anonymity and in "the author never reviews" (follow-up).

Each test attacks one class: counts that disagree with the rows shown, a results
list that shows the raw title, replay values that show user names, CLI reads
that skip the cover.  The complaint is the one of ``test_anonymity``.
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from engine.cli import main
from engine.org.anonymity import MASK
from engine.read.inbox import TABS, InboxQuery, inbox
from tests.web.test_anonymity import (
    COMPLAINT,
    FILER,
    FILER_NAME,
    NAME,
    PHONE,
    complaint,  # noqa: F401 - the anonymous complaint fixture
)
from tests.web.test_designer import designer, post_json
from tests.web.test_timeline_labels import at_second_joint_round  # noqa: F401

TITLE = COMPLAINT["title"]
SEEN = TITLE.replace(NAME, MASK)  # what those it is hidden from read
#: every search of up to three characters of the title, the name and the whole title
SEARCHES = sorted({TITLE[i:j] for i in range(len(TITLE)) for j in range(i + 1, min(i + 4, len(TITLE) + 1))}
                  | {NAME, TITLE})


def tabs_for(engine, user: str, search: str) -> dict[str, dict]:
    with engine.db.reading() as session:
        return {tab: inbox(session, user, InboxQuery(tab, {"q": search}, per_page=100),
                           engine.clock.now()) for tab in TABS}


def test_inbox_counts_agree_with_the_rows_for_every_search(app, complaint):  # noqa: F811
    """A title search through the covered name neither lists nor counts the item (第十九条)."""
    engine = app.extensions["shenfa"]
    for search in SEARCHES:
        for user in ("zhangwei", FILER):
            found = tabs_for(engine, user, search)
            for tab, answer in found.items():
                ids = [r["instance_id"] for r in answer["rows"]]
                assert answer["counts"][tab] == answer["total"] == len(ids), (user, search, tab)
            listed = complaint in [r["instance_id"] for r in found["mine" if user == "zhangwei"
                                                                    else "started"]["rows"]]
            visible = search in TITLE if user == FILER else search in TITLE and search in SEEN
            assert listed == visible, (user, search)


def test_the_inbox_page_counts_no_hidden_row(browse, complaint):  # noqa: F811
    page = browse("zhangwei").get(f"/inbox?tab=mine&q={NAME}").get_data(as_text=True)
    assert "半小时内撤稿" not in page
    assert not re.search(r"我的待办\D{0,80}?[1-9]", page)


def test_a_migration_run_lists_the_item_covered(app, browse, complaint):  # noqa: F811
    """The run's results list, like the dry run's, shows the title as the designer may see it."""
    engine = app.extensions["shenfa"]
    with engine.db.reading() as session:
        from engine.model.deployment import version_xml

        xml = version_xml(session, "complaint_handling", 1)
    person = designer(browse)  # songyu: not a handling office
    res = post_json(person, "/designer/models/complaint_handling/deploy",
                    {"xml": xml.replace("已答复，办结", "已答复，办结归档"), "note": "改名"})
    assert res.get_json()["version"] == 2
    run = post_json(person, "/designer/models/complaint_handling/migrate",
                    {"from": 1, "to": 2, "ids": [complaint]})
    text = json.dumps(run.get_json(), ensure_ascii=False)
    assert run.status_code == 200 and f'"title": "{SEEN}"' in text, text
    assert NAME not in text and FILER not in text and FILER_NAME not in text


def test_the_replay_shows_the_experts_by_name(app, browse, at_second_joint_round):  # noqa: F811
    """The replay's changes read as the timeline does: 冯雪, never ``fengxue`` (form_labels)."""
    item, _task = at_second_joint_round
    auditor = browse("gaoyan")
    cells = []
    for n in range(1, 60):
        res = auditor.get(f"/audit/items/{item}?step={n}")
        if res.status_code != 200:
            break
        cells += re.findall(r'<tr class="chg-[a-z]+">(.*?)</tr>', res.get_data(as_text=True), re.S)
    changes = " ".join(cells)
    assert "冯雪" in changes and "韩梅" in changes
    assert not re.search(r"\b(fengxue|hanmei)\b", changes)


@pytest.fixture
def cli(app, db_url, monkeypatch):
    monkeypatch.setenv("SHENFA_DATABASE_URL", db_url)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_the_cli_reads_as_the_acting_user(app, cli, complaint):  # noqa: F811
    """``tasks --as``, ``show-task --as`` and ``history --as`` cover what the user may not see."""
    engine = app.extensions["shenfa"]
    from tests.support import Driver

    task = Driver(engine).task(complaint, "Task_withdraw").id
    reads = [("tasks", "--json"), ("show-task", task, "--json"), ("history", str(complaint), "--json")]
    for args in reads:
        hidden = cli(*args, "--as", "zhangwei")
        assert hidden.exit_code == 0, hidden.output
        assert all(s not in hidden.output for s in (NAME, PHONE, FILER, FILER_NAME)), args
        assert MASK in hidden.output, args
    for args in reads[1:]:
        assert NAME in cli(*args, "--as", "heping").output  # 纪检监察室 reads the identity
    refused = cli("history", str(complaint), "--as", "nobody")
    assert refused.exit_code == 1 and "用户不存在" in refused.output
