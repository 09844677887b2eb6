"""Attack 「试一试」 with generated rules files and samples: a 200 or a 4xx in the error shape, never a 500.

The files are arbitrary text, or a shipped file with one entry's field (or its category) set
to an arbitrary YAML value (lists and mappings where a name belongs, numbers), or a shipped file
with a few characters cut and inserted, or collections nested up to 3,000 deep; the samples are
arbitrary text.  Trying never stores
anything: the count of deployed versions stays at zero.
"""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.prescreen import default_rules
from tests.web.test_designer_prescreen import post_json, versions

SHIPPED = default_rules().files
KEYS = ["id", "kind", "article", "severity", "checklist", "message", "words", "pattern", "validator",
        "weak_severity", "allow", "except", "near", "window", "unless", "tags", "check", "markers",
        "present", "extensions"]
NAMES = ["kind", "severity", "checklist", "validator", "weak_severity", "check"]  # one of a few names
VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
                      | st.sampled_from(["(a+)+$", "[0-9]+", ".*", "high", "words", "pattern", "第七条二", "{text}"]),
                      lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                      max_leaves=8)


@st.composite
def field_changed(draw) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(SHIPPED)))
    data = yaml.safe_load(SHIPPED[name])
    entry = draw(st.sampled_from(data["rules"]))
    if draw(st.integers(0, 5)) == 0:
        data["category"] = draw(VALUES)
    else:
        entry[draw(st.sampled_from(NAMES) | st.sampled_from(KEYS) | st.text(max_size=8))] = draw(VALUES)
    return name, yaml.safe_dump(data, allow_unicode=True)


@st.composite
def nested(draw) -> tuple[str, str]:
    """Nest collections deeper than Python's recursion limit (PyYAML composes recursively)."""
    opener = draw(st.sampled_from(["[", "{a: ", "- "]))
    return "advertising.yaml", "category: advertising\nrules: " + opener * draw(st.integers(300, 3000))


@st.composite
def text_spliced(draw) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(SHIPPED)))
    text = SHIPPED[name]
    at = draw(st.integers(0, len(text)))
    cut = draw(st.integers(0, 20))
    return name, text[:at] + draw(st.text(max_size=20)) + text[at + cut:]


FILES = st.one_of(field_changed(), field_changed(), text_spliced(), nested(),
                  st.tuples(st.sampled_from(sorted(SHIPPED)) | st.text(max_size=20), st.text(max_size=200)))


def test_try_never_answers_500_and_never_deploys(browse, app):
    designer = browse("songyu")
    seen: set[int] = set()

    @settings(max_examples=60, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(files=st.lists(FILES, min_size=1, max_size=2), sample=st.text(max_size=200))
    def attack(files, sample):
        res = post_json(designer, "/designer/prescreen/try", {"files": dict(files), "text": sample})
        body = res.get_json()
        seen.add(res.status_code)
        if res.status_code == 200:
            assert body["ok"] and isinstance(body["findings"], list) and isinstance(body["html"], str)
        else:
            assert 400 <= res.status_code < 500, body
            assert body["status"] == res.status_code and body["title"] and body["message"].strip()
        assert versions(app) == 0

    attack()
    assert {200, 400} <= seen  # edits that work as well as edits refused
