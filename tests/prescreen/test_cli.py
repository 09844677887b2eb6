"""``shenfa prescreen``: screen a file, deploy the rules (versioned, logged), refuse bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.prescreen import rules_dir
from tests.support import cli_runner

POST = "患者张建国，手机13812345678。\n供稿：心血管内科\n"


@pytest.fixture
def shenfa(db_url, monkeypatch):
    return cli_runner(db_url, monkeypatch)


@pytest.fixture
def post(tmp_path) -> Path:
    path = tmp_path / "post.txt"
    path.write_text(POST, encoding="utf-8")
    return path


@pytest.fixture
def rules(tmp_path) -> Path:
    return Path(shutil.copytree(rules_dir(), tmp_path / "rules"))


def test_screening_a_file_lists_findings_with_article_and_place(shenfa, post):
    out = shenfa("prescreen", post).stdout
    assert "2 处须审核人关注" in out and "不作审核结论" in out
    assert "[高] 第七条三 第 3–5 字 privacy.patient_name: 患者相关人名「张建国」" in out
    found = json.loads(shenfa("prescreen", post, "--json").stdout)
    assert [(f["rule"], f["text"]) for f in found["findings"]] == [
        ("privacy.patient_name", "张建国"), ("privacy.mobile", "13812345678")]


def test_deploy_versions_the_rules_and_screening_uses_the_deployed_version(shenfa, post, rules):
    first = json.loads(shenfa("prescreen", "deploy", rules, "--by", "admin", "--json").stdout)
    assert first["changed"] and first["rules"] > 10
    assert "无变化" in shenfa("prescreen", "deploy", rules).stdout
    privacy = rules / "privacy.yaml"
    privacy.write_text(privacy.read_text(encoding="utf-8").replace("患者, 病人,", "病人,"), encoding="utf-8")
    second = json.loads(shenfa("prescreen", "deploy", rules, "--json").stdout)
    assert second["changed"] and second["version"] != first["version"]
    found = json.loads(shenfa("prescreen", post, "--json").stdout)
    assert found["rules_version"] == second["version"]
    assert [f["rule"] for f in found["findings"]] == ["privacy.mobile"]  # 患者 no longer an anchor
    listed = json.loads(shenfa("prescreen", "versions", "--json").stdout)
    assert [v["version"] for v in listed] == [second["version"], first["version"]]
    log = json.loads(shenfa("audit", "ops", "--json").stdout)
    assert [e["type"] for e in log][:3] == [
        "prescreen_rules_deployed", "prescreen_rules_unchanged", "prescreen_rules_deployed"]


def test_a_folder_given_with_rules_is_used_instead_of_the_deployed_one(shenfa, post, rules):
    shenfa("prescreen", "deploy", rules)
    (rules / "privacy.yaml").unlink()
    found = json.loads(shenfa("prescreen", post, "--rules", rules, "--json").stdout)
    assert found["findings"] == []


@pytest.mark.parametrize(("args", "message"), [
    (("missing.txt",), "无法读取文件 missing.txt"),
    (("{post}", "--attachments", "[1]"), "第 1 个附件须为只含"),
    (("{post}", "--attachments", "[{"), "--attachments 不是合法的 JSON"),
])
def test_bad_input_is_one_line_and_exit_1(shenfa, post, args, message):
    result = shenfa("prescreen", *[a.replace("{post}", str(post)) for a in args], code=1)
    assert message in result.stderr and "Traceback" not in result.output


def test_a_bad_rules_folder_is_refused_and_nothing_is_deployed(shenfa, rules):
    path = rules / "privacy.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("severity: high", "severity: urgent", 1),
                    encoding="utf-8")
    result = shenfa("prescreen", "deploy", rules, code=1)
    assert "privacy.yaml 第 1 条规则（privacy.resident_id）：severity 须为" in result.stderr
    assert "尚未部署" in shenfa("prescreen", "versions").stdout


def test_a_file_that_is_not_utf8_is_refused(shenfa, tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes(POST.encode("gbk"))
    assert "不是 UTF-8 文本" in shenfa("prescreen", path, code=1).stderr
