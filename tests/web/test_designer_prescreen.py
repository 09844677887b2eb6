"""The designer's 预审规则 page: edit the rules files, try them on a sample, deploy (issue 15).

On both backends: only process designers reach it; 「试一试」 screens with the edited rules and
stores nothing; a bad edit is refused naming the file and entry; 「部署」 goes through the one
deploy (operations log) and the next ``POST /api/prescreen`` uses the new version; deploying
unchanged rules makes no version.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.prescreen import default_rules
from engine.store.schema import Operation, PrescreenRuleSet

NEW_WORD = "灵丹妙药"
SAMPLE = f"这款{NEW_WORD}人人都说好。\n供稿：心血管内科"
BACKTRACKING = """category: advertising
rules:
  - id: advertising.slow
    kind: pattern
    pattern: '(a+)+$'
    article: 第七条二
    severity: high
    checklist: scientific
    message: 慢「{text}」
"""


def advertising() -> str:
    return default_rules().files["advertising.yaml"]


def with_new_word() -> dict[str, str]:
    text = advertising().replace("神医, 神药,", f"神医, 神药, {NEW_WORD},")
    assert NEW_WORD in text
    return {"advertising.yaml": text}


def post_json(person, url, body, token=True):
    headers = {"Accept": "application/json"}
    if token:
        headers["X-CSRFToken"] = person.token
    return person.client.post(url, json=body, headers=headers)


def versions(app) -> int:
    with app.extensions["shenfa"].db.transaction() as session:
        return session.scalar(select(func.count()).select_from(PrescreenRuleSet))


def operations(app) -> list[tuple[str, str | None]]:
    with app.extensions["shenfa"].db.transaction() as session:
        rows = session.execute(select(Operation.type, Operation.actor).where(
            Operation.type.like("prescreen_rules_%")).order_by(Operation.id))
        return [tuple(r) for r in rows]


def screened(api, text=SAMPLE) -> dict:
    res = api("zhangwei").post("/api/prescreen", json={"text": text})
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def rules_of(body: dict) -> set[str]:
    return {f["rule"] for f in body["findings"]}


def test_only_designers_reach_the_page(browse, app):
    author = browse("zhangwei")
    answers = [author.get("/designer/prescreen", headers={"Accept": "application/json"})]
    answers += [post_json(author, path, {"files": with_new_word(), "text": SAMPLE, "note": "x"})
                for path in ("/designer/prescreen/try", "/designer/prescreen/deploy")]
    assert [(a.status_code, a.get_json()["title"]) for a in answers] == [(403, "无权操作")] * 3
    assert versions(app) == 0


def test_page_lists_files_categories_counts_and_versions(browse):
    page = browse("songyu").get("/designer/prescreen").get_data(as_text=True)
    for name, label in [("advertising.yaml", "医疗广告与推广"), ("privacy.yaml", "隐私"), ("form.yaml", "形式要求")]:
        assert name in page and label in page
    count = sum(1 for r in default_rules().rules if r.file == "privacy.yaml")
    assert f'<td data-label="规则数" class="ps-count">{count}</td>' in page
    assert "尚未部署" in page and default_rules().version in page
    assert "根治" in page  # the file's text is in the editor


def test_try_uses_the_edited_rules_and_stores_nothing(browse, app, api):
    res = post_json(browse("songyu"), "/designer/prescreen/try", {"files": with_new_word(), "text": SAMPLE})
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    found = [f for f in body["findings"] if f["text"] == NEW_WORD]
    assert [(f["rule"], f["article"], f["severity"]) for f in found] == [("advertising.absolute", "第七条二", "high")]
    assert SAMPLE[found[0]["start"]:found[0]["end"]] == NEW_WORD
    assert f">{NEW_WORD}</mark>" in body["html"] and "第七条二" in body["html"]
    assert body["rules_version"] != default_rules().version
    assert versions(app) == 0 and operations(app) == []
    assert "advertising.absolute" not in rules_of(screened(api))  # not in use until deployed


@pytest.mark.parametrize(("text", "named"), [
    ("category: advertising\nrules: [\n", "advertising.yaml 第"),
    (advertising().replace("    severity: high\n", "    severity: high\n    colour: red\n", 1),
     "advertising.yaml 第 1 条规则（advertising.absolute）：kind words 不支持字段 colour"),
    (BACKTRACKING, "advertising.yaml 第 1 条规则（advertising.slow）：pattern 在测试文字上超时"),
])
def test_a_bad_edit_is_refused_naming_file_and_entry(browse, app, api, text, named):
    designer = browse("songyu")
    for url in ("/designer/prescreen/try", "/designer/prescreen/deploy"):
        extra = {"text": SAMPLE} if url.endswith("try") else {"note": "坏"}
        res = post_json(designer, url, {"files": {"advertising.yaml": text}, **extra})
        assert res.status_code == 400, res.get_json()
        body = res.get_json()
        assert named in body["message"] and "\n" not in body["message"]
        assert list(body["errors"]) == ["advertising.yaml"]
    assert versions(app) == 0 and operations(app) == []
    assert screened(api)["rules_version"] == default_rules().version


def test_deploy_makes_a_version_the_next_screening_uses(browse, app, api):
    res = post_json(browse("songyu"), "/designer/prescreen/deploy",
                    {"files": with_new_word(), "note": "增加“灵丹妙药”", "base": default_rules().version})
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["changed"] and "已部署" in body["message"] and body["version"] in body["html"]
    assert versions(app) == 1 and operations(app) == [("prescreen_rules_deployed", "songyu")]
    after = screened(api)
    assert after["rules_version"] == body["version"] and "advertising.absolute" in rules_of(after)
    page = browse("songyu").get("/designer/prescreen").get_data(as_text=True)
    assert "增加“灵丹妙药”" in page and body["version"] in page and NEW_WORD in page


def test_deploying_unchanged_rules_makes_no_version(browse, app):
    designer = browse("songyu")
    first = post_json(designer, "/designer/prescreen/deploy", {"files": with_new_word(), "note": "一"}).get_json()
    again = post_json(designer, "/designer/prescreen/deploy", {"files": with_new_word(), "note": "二"})
    assert again.status_code == 200
    assert again.get_json()["changed"] is False and "未产生新版本" in again.get_json()["message"]
    assert again.get_json()["version"] == first["version"]
    assert versions(app) == 1
    assert operations(app) == [("prescreen_rules_deployed", "songyu"), ("prescreen_rules_unchanged", "songyu")]


def test_a_copy_edited_from_an_older_version_is_refused(browse, app):
    designer = browse("songyu")
    post_json(designer, "/designer/prescreen/deploy", {"files": with_new_word(), "note": "一"})
    res = post_json(designer, "/designer/prescreen/deploy",
                    {"files": {"privacy.yaml": default_rules().files["privacy.yaml"] + "\n"},
                     "note": "二", "base": default_rules().version})
    assert res.status_code == 409 and "刷新页面" in res.get_json()["message"]
    assert versions(app) == 1


def test_posts_without_the_csrf_token_are_refused(browse, app):
    res = post_json(browse("songyu"), "/designer/prescreen/deploy", {"files": with_new_word(), "note": "x"},
                    token=False)
    assert res.status_code == 400 and "CSRF" in res.get_json()["message"]
    assert versions(app) == 0


BAD_TRIES = [
    ({"files": "advertising.yaml", "text": "x"}, "files"),
    ({"files": {}, "text": "x"}, "files"),
    ({"files": {"../etc/passwd": "x"}, "text": "x"}, "files"),
    ({"files": {"advertising.yaml": 5}, "text": "x"}, "files"),
    ({"files": {"advertising.yaml": "a" * (256 * 1024 + 1)}, "text": "x"}, "files"),
    ({"files": {f"f{i}.yaml": "x" for i in range(20)}, "text": "x"}, "files"),
    ({"files": with_new_word(), "text": 42}, "text"),
    ({"files": with_new_word(), "text": "x" * 100_001}, "text"),
    ({"files": with_new_word(), "text": "x", "verdict": "ok"}, "verdict"),
]


def test_bad_requests_to_try_get_the_error_shape(browse):
    designer = browse("songyu")
    for body, field in BAD_TRIES:
        res = post_json(designer, "/designer/prescreen/try", body)
        assert res.status_code == 400, (body, res.get_json())
        answer = res.get_json()
        assert answer["title"] == "请求有误" and answer["message"] and field in answer["errors"], answer


def test_a_deploy_needs_a_note_of_bounded_length(browse, app):
    designer = browse("songyu")
    for note in (None, "", "  ", 5, "长" * 501):
        res = post_json(designer, "/designer/prescreen/deploy", {"files": with_new_word(), "note": note})
        assert res.status_code == 400 and "部署说明" in res.get_json()["message"], note
    assert versions(app) == 0
