"""The shenfa command line: every command, --json, exit status 0 / 1 / 2."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main
from tests.support import APPROVE, DRAFT, cli_runner

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shenfa(db_url, monkeypatch):
    return cli_runner(db_url, monkeypatch, SHENFA_PROCESSES=str(ROOT / "processes"),
                      SHENFA_FORMS=str(ROOT / "forms"))


def as_json(result):
    return json.loads(result.stdout)


def test_walk_three_review_from_draft_to_issue(shenfa):
    started = as_json(shenfa("start", "three_review", "--as", "zhangwei", "--json",
                             "--data", json.dumps({"title": "冬季养生", "media": ["官网"]})))
    [draft] = started["open_tasks"]
    shenfa("complete", draft["id"], "--as", "zhangwei", "--data", json.dumps(DRAFT))
    for user in ["zhoujie", "sunli", "zhengqiang"]:
        [task] = [t for t in as_json(shenfa("tasks", "--as", user, "--json"))
                  if t["instance_id"] == started["instance"]]
        # 宣传分管领导 has one holder: the task is his at once; claiming it is a no-op
        assert (task["assignee"] == user) if user == "zhengqiang" else (
            task["pool"] and task["assignee"] is None)
        shenfa("claim", task["id"][:8], "--as", user)
        shenfa("complete", task["id"], "--as", user, "--data", json.dumps(APPROVE))
    history = as_json(shenfa("history", started["instance"], "--json"))
    assert history[-1]["type"] == "instance_completed"
    assert "签发" in shenfa("history", started["instance"]).stdout


def test_refusals_exit_1_with_the_reason_on_stderr(shenfa):
    started = as_json(shenfa("start", "three_review", "--as", "zhangwei", "--json",
                             "--data", '{"title": "t", "media": ["官网"]}'))
    task = started["open_tasks"][0]["id"]
    refused = shenfa("complete", task, "--as", "zhangwei", "--data", '{"title": ""}', code=1)
    assert "表单校验未通过" in refused.stderr and "body" in refused.stderr
    assert "不属于您" in shenfa("complete", task, "--as", "lina", "--data", "{}", code=1).stderr
    assert shenfa("start", "nope", "--as", "zhangwei", code=1).stderr.startswith("拒绝")


def test_usage_errors_exit_2(shenfa):
    shenfa("start", "three_review", code=2)
    shenfa("complete", "abc", "--as", "x", "--data", "{not json", code=2)


def test_show_task_includes_the_form_schema(shenfa):
    started = as_json(shenfa("start", "three_review", "--as", "zhangwei", "--json",
                             "--data", '{"title": "t", "media": ["官网"]}'))
    detail = as_json(shenfa("show-task", started["open_tasks"][0]["id"], "--json"))
    assert detail["form_schema"]["properties"]["title"]["title"] == "标题"


def test_models_and_deploy(shenfa):
    assert "three_review" in [m["key"] for m in as_json(shenfa("models", "--json"))]
    assert "无变化" in shenfa("deploy").stdout


def test_org_import_is_an_upsert(shenfa, tmp_path):
    org = tmp_path / "org.json"
    org.write_text(json.dumps({"departments": [{"name": "治未病科", "head": "xuming"}],
                               "users": [{"username": "xuming", "name": "徐明",
                                          "department": "治未病科",
                                          "roles": ["staff", "department_head"]}]}),
                   encoding="utf-8")
    assert as_json(shenfa("org", "import", org, "--json"))["users"] == 1
    shenfa("org", "import", org)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"users": [{"username": "x", "roles": ["emperor"]}]}))
    assert "角色未知" in shenfa("org", "import", bad, code=1).stderr


def test_check_diff_migrate_and_export(shenfa, tmp_path, monkeypatch):
    import shutil

    shutil.copytree(ROOT / "processes", tmp_path / "processes")
    shutil.copytree(ROOT / "forms", tmp_path / "forms")
    model = tmp_path / "processes" / "three_review.bpmn"
    started = as_json(shenfa("start", "three_review", "--as", "zhangwei", "--json",
                             "--data", '{"title": "t", "media": ["官网"]}'))
    broken = model.read_text(encoding="utf-8").replace("(publicity_leader)", "(janitor)")
    model.write_text(broken, encoding="utf-8")
    found = as_json(shenfa("check", model, "--json", code=1))["three_review.bpmn"]
    assert found[0]["element_id"] == "Lane_publicity_leader" and "不是已知角色" in found[0]["message"]
    model.write_text(broken.replace("(janitor)", "(publicity_leader)").replace("审签/签发（三审三校）", "签发"),
                     encoding="utf-8")
    shenfa("check", model)
    shenfa("deploy", tmp_path / "processes")
    changed = as_json(shenfa("diff", "three_review", 1, 2, "--json"))["changed"]
    assert [c["id"] for c in changed] == ["Task_sign"]
    plan = as_json(shenfa("migrate", "three_review", "--from", 1, "--dry-run", "--json"))
    assert [p["instance_id"] for p in plan if p["migratable"]] == [started["instance"]]
    shenfa("migrate", "three_review", "--from", 1, "--by", "songyu")
    types = [e["type"] for e in as_json(shenfa("history", started["instance"], "--json"))]
    assert types[-3:] == ["migrated", "task_cancelled", "task_opened"]
    assert "通过" in shenfa("replay", started["instance"], "--verify").stdout
    monkeypatch.chdir(tmp_path)
    shenfa("export", "--to", tmp_path / "exported")
    assert "签发" in (tmp_path / "exported" / "processes" / "three_review.bpmn").read_text(encoding="utf-8")


BAD_INPUT = {
    "missing-file": ["start", "three_review", "--as", "zhangwei", "--data", "@missing/file.json"],
    "directory": ["start", "three_review", "--as", "zhangwei", "--data", "@/"],
    "surrogate-title": ["start", "three_review", "--as", "zhangwei", "--data",
                        '{"title": "\\ud800", "media": ["官网"]}'],
    "nul-title": ["start", "three_review", "--as", "zhangwei", "--data",
                  '{"title": "a\\u0000b", "media": ["官网"]}'],
    "surrogate-user": ["start", "three_review", "--as", "zhang\udcffwei", "--data",
                       '{"title": "t", "media": ["官网"]}'],
    "surrogate-task": ["show-task", "\udcff"],
    "huge-instance": ["history", str(2**64)],
}


@pytest.mark.parametrize("args", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_one_line_and_exit_1_never_a_traceback(db_url, monkeypatch, tmp_path, args):
    monkeypatch.setenv("SHENFA_DATABASE_URL", db_url)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, (result.output, result.exception)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("拒绝 (refused): "), result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("model", ["post_review", "complaint_handling"])
def test_the_cli_refuses_a_start_the_web_refuses(shenfa, model):
    """One start policy (engine.catalog.check_may_start): the auditor starts nothing."""
    refused = shenfa("start", model, "--as", "gaoyan", "--data", "{}", code=1)
    assert "没有发起" in refused.stderr
