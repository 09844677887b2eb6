"""The account registry and key-date calendar: CLI, helpers, seeding."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.base.errors import Invalid
from engine.cli import main
from engine.registry import key_dates
from engine.registry.seed import DEMO_FILE, seed_registry
from tests.conftest import START
from tests.proc_support import account_id, recorded_inputs

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shenfa(db_url, monkeypatch):
    monkeypatch.setenv("SHENFA_DATABASE_URL", db_url)

    def run(*args, code=0):
        result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
        assert result.exit_code == code, result.output + result.stderr
        return result

    return run


def as_json(result):
    return json.loads(result.stdout)


def test_accounts_list_shows_the_seeded_tier1_accounts(shenfa):
    rows = as_json(shenfa("accounts", "list", "--json"))
    tier1 = {r["account_name"] for r in rows if r["tier"] == 1}
    assert tier1 == {"绍兴市中医院", "浙江省绍兴市中医院服务号", "浙江省绍兴市中医院订阅号",
                     "浙江省绍兴市中医院视频号"}
    assert {r["department"] for r in rows if r["tier"] == 1} == {"党政综合办公室"}
    assert "已备案" in shenfa("accounts", "list").stdout


def test_accounts_show_and_a_missing_account(shenfa):
    first = as_json(shenfa("accounts", "list", "--json"))[0]
    shown = as_json(shenfa("accounts", "show", first["id"], "--json"))
    assert shown["supervisors"] == "院党委"
    assert "账号不存在" in shenfa("accounts", "show", 999, code=1).stderr


def test_keydates_add_list_remove(shenfa):
    added = as_json(shenfa("keydates", "add", "院庆", "2026-12-10", "2026-12-12", "--json"))
    listed = as_json(shenfa("keydates", "list", "--json"))
    assert {"name": "院庆", "start": "2026-12-10", "end": "2026-12-12"}.items() <= \
        next(k for k in listed if k["id"] == added["id"]).items()
    shenfa("keydates", "remove", added["id"])
    assert added["id"] not in {k["id"] for k in as_json(shenfa("keydates", "list", "--json"))}


@pytest.mark.parametrize("args,message", [
    (("院庆", "12/10/2026"), "格式不正确"), (("院庆", "2026-12-10", "2026-12-01"), "不能早于"),
    ((" ", "2026-12-10"), "必须有名称")])
def test_keydates_refuse_bad_input_in_chinese(shenfa, args, message):
    before = as_json(shenfa("keydates", "list", "--json"))
    assert message in shenfa("keydates", "add", *args, code=1).stderr
    assert as_json(shenfa("keydates", "list", "--json")) == before


def test_ranges_include_both_ends(engine):
    with engine.db.transaction() as session:
        assert [k.name for k in key_dates.matching(session, "2027-01-03")] == ["元旦"]
        assert key_dates.matching(session, "2027-01-04") == []
        with pytest.raises(Invalid):
            key_dates.matching(session, "not a date")


def test_seeding_twice_adds_nothing(engine):
    with engine.db.transaction() as session:
        assert seed_registry(session, DEMO_FILE, START) == {"accounts": 0, "key_dates": 0}


def test_the_key_date_reading_is_recorded_for_replay(drive, engine):
    instance = drive.start("post_review", "zhaolei", {
        "account_id": account_id(engine, "绍兴市中医院"), "title": "t",
        "planned_date": "2026-12-04"})
    readings = recorded_inputs(engine, instance)
    assert {"helper": "is_key_date", "args": ["2026-12-04"], "result": True} in readings
