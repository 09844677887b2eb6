"""Bad input gets 400/404 in the product's error shape, on every route, never a 500."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from web.input_guard import InputRefused, strict_loads

HUGE = str(2**64)
#: Routes with an integer in the path, one per converter use (pages and API alike).
INT_ROUTES = ["/api/instances/{n}", "/api/instances/{n}/history", "/api/instances/{n}/diagram",
              "/api/instances/{n}/comments", "/items/{n}", "/items/{n}/diagram.json",
              "/attachments/{n}", "/{n}/record", "/audit/items/{n}", "/designer/models/three_review/versions/{n}.json"]
BAD_BODIES = {
    "nan": '{"data": {"title": NaN}}',
    "infinity": '{"data": {"title": Infinity}}',
    "huge-float": '{"data": {"n": 1e999}}',
    "lone-surrogate": '{"data": {"title": "\\ud800"}}',
    "surrogate-key": '{"data": {"\\udfff": 1}}',
    "nul": '{"data": {"title": "a\\u0000b"}}',
    "deep": '{"data": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "digits": '{"data": {"n": ' + "9" * 5000 + "}}",
    "int64": '{"data": {"n": ' + HUGE + "}}",
    "not-utf8": b'{"data": "\xff\xfe"}',
}


def jget(client, url: str):
    """GET ``url`` signed in, asking for JSON (pages answer errors in JSON then too)."""
    return client.client.get(url, headers={**client.headers, "Accept": "application/json"})


def assert_refused(res, statuses=(400, 404)):
    assert res.status_code in statuses, (res.status_code, res.get_data(as_text=True)[:300])
    body = res.get_json()
    assert body["status"] == res.status_code and body["title"] and body["message"]


@pytest.mark.parametrize("route", INT_ROUTES)
def test_integers_past_64_bits_in_paths_are_not_found(api, route):
    client = api("zhangwei")
    for n in (HUGE, "9" * 5000):
        assert_refused(jget(client, route.format(n=n)))


@pytest.mark.parametrize("query", [f"department={HUGE}", f"account={HUGE}", f"page={HUGE}",
                                   "page=99999999999", f"per_page={'9' * 5000}", "q=a%00b"])
def test_bad_query_values_are_refused(api, query):
    client = api("zhangwei")
    assert_refused(client.get(f"/api/tasks?{query}"), (400,))
    assert_refused(jget(client, f"/inbox?{query}"), (400,))


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_json_bodies_are_refused_and_change_nothing(api, body):
    client = api("zhangwei")
    before = client.get("/api/tasks?tab=started").get_json()["total"]
    res = client.client.post("/api/models/three_review/instances", data=body,
                             headers={**client.headers, "Content-Type": "application/json"})
    assert_refused(res, (400,))
    assert client.get("/api/tasks?tab=started").get_json()["total"] == before


def test_nul_in_a_path_is_refused(api):
    client = api("zhangwei")
    assert_refused(client.get("/api/tasks/a%00b"), (400,))


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
                    max_leaves=20))
def test_strict_loads_accepts_only_what_the_database_can_store(value):
    """Any JSON either parses to storable values or is refused with InputRefused, never crashes."""
    text = json.dumps(value)
    try:
        parsed = strict_loads(text)
    except InputRefused:
        return
    json.dumps(parsed).encode("utf-8")  # storable: no lone surrogates survived
    assert "\\u0000" not in json.dumps(parsed)


def test_a_draft_is_shown_to_its_assignee_only(api):
    author, reviewer = api("zhangwei"), api("zhoujie")
    started = author.post("/api/models/three_review/instances",
                          json={"data": {"title": "冬季养生", "media": ["官网"]}}).get_json()
    [task] = [t for t in started["tasks"] if t["status"] == "open"]
    saved = author.put(f"/api/tasks/{task['id']}/draft", json={"data": {"title": "未完成的稿"}})
    assert saved.status_code == 200 and saved.get_json()["draft"] == {"title": "未完成的稿"}
    assert reviewer.get(f"/api/tasks/{task['id']}").status_code == 403
    auditor = api("gaoyan")  # may view every item, but not someone's unfinished input
    seen = auditor.get(f"/api/tasks/{task['id']}")
    assert seen.status_code == 200 and seen.get_json()["draft"] is None
