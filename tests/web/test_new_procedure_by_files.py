"""Issue 13, done when: a newcomer adds a procedure with a new office role and a new
printed record by editing only .bpmn, form and org/record files — no Python.

The project folder is a copy of the product's processes/, forms/, records/ and
demo organisation file; the test adds files to it, imports and deploys them with
the ordinary CLI, runs an item through the new office and prints the new record.
Nothing in the code is patched: the CLI and the web read the folder through
their ordinary settings (``SHENFA_PROCESSES``/``FORMS``/``RECORDS``).
"""

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from engine.cli import main
from engine.org import institution, roles
from engine.org.directory import DEMO_FILE

ROOT = Path(__file__).resolve().parents[2]
NEW = Path(__file__).resolve().parent / "newcomer"


@pytest.fixture(autouse=True)
def _seeded_catalogue_afterwards():
    """Leave this process's role catalogue and institution as a new database has them."""
    yield
    roles.CATALOG.fill(list(roles.SEEDED))
    institution.CURRENT.name, institution.CURRENT.short_names = "绍兴市中医院", ["绍兴市中医院", "中医院"]


@pytest.fixture
def project(tmp_path, db_url, monkeypatch):
    """A project folder copied from the product, with the newcomer's files added."""
    folder = tmp_path / "project"
    for name in ("processes", "forms", "records"):
        shutil.copytree(ROOT / name, folder / name)
    shutil.copy(NEW / "publicity_submission.bpmn", folder / "processes")
    for form in ("publicity_submission.json", "publicity_register.json"):
        shutil.copy(NEW / form, folder / "forms")
    shutil.copy(NEW / "publicity_record.yaml", folder / "records")
    _edit_org(folder / "org.yaml")
    for name in ("processes", "forms", "records"):
        monkeypatch.setenv(f"SHENFA_{name.upper()}", str(folder / name))
    monkeypatch.setenv("SHENFA_DATABASE_URL", db_url)
    return folder


def _edit_org(path: Path) -> None:
    """Write the demo organisation with the new office, its role, its clerk and a new name."""
    org = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    for section, entries in yaml.safe_load((NEW / "org_additions.yaml").read_text()).items():
        org[section] = org.get(section, []) + entries
    org["institution"] = {"name": "越城区人民医院", "short_names": ["越城区人民医院", "越医"]}
    path.write_text(yaml.safe_dump(org, allow_unicode=True), encoding="utf-8")


def shenfa(*args, code=0):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, result.output + result.stderr
    return result


def as_json(result):
    return json.loads(result.stdout)


def test_a_new_procedure_role_and_record_need_only_files(app, browse, project):
    assert "publicity_office" in shenfa("deploy", project / "processes", code=1).stderr
    shenfa("org", "import", project / "org.yaml")
    deployed = shenfa("deploy", project / "processes").stdout
    assert "publicity_submission v1 已部署" in deployed
    item = _run_item_through_the_new_office()
    page = browse("gaoyan").get(f"/audit/items/{item}/record")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for shown in ("附件3", "越城区人民医院宣传稿件登记表", "院报冬季专栏", "健康科普", "张伟",
                  "心血管内科", "2026 年第 12 期", "宣丽", "通过"):
        assert shown in html, shown
    assert "绍兴市中医院" not in html
    pdf = browse("gaoyan").get(f"/audit/items/{item}/record.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "越城区人民医院" in browse().get("/login").get_data(as_text=True)


def _run_item_through_the_new_office() -> int:
    started = as_json(shenfa("start", "publicity_submission", "--as", "zhangwei", "--json",
                             "--data", json.dumps({"title": "院报冬季专栏", "column": "健康科普"})))
    [task] = as_json(shenfa("tasks", "--as", "xuanli", "--json"))
    assert task["instance_id"] == started["instance"] and task["role_title"] == "宣传科"
    shenfa("complete", task["id"], "--as", "xuanli", "--data",
           json.dumps({"decision": "approve", "issue_no": "2026 年第 12 期"}))
    history = as_json(shenfa("history", started["instance"], "--json"))
    assert history[-1]["type"] == "instance_completed"
    return started["instance"]
