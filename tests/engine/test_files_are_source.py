"""Files are the source (issue 13): export(deploy(files)) == files; one deploy path, always logged.

The ``.bpmn`` files in ``processes/`` and the form files in ``forms/`` are what
designers edit.  Deploying them and exporting what was deployed must give the
same bytes back — forms with their ``$ref``s, models with their XML — on SQLite
and PostgreSQL; every deploy path writes the operations log; a bad file is a
one-line refusal that changes nothing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select

from engine.base.clock import FrozenClock
from engine.cli import main
from engine.model.deployment import Source, deploy, export
from engine.run.runtime import Engine
from engine.store.persistence import MIGRATIONS, Database
from engine.store.schema import ModelVersion, Operation
from tests.conftest import START
from tests.pgserver import new_database
from tests.support import cli_runner

ROOT = Path(__file__).resolve().parents[2]
PROCESSES, FORMS = ROOT / "processes", ROOT / "forms"


def tree(folder: Path) -> dict[str, bytes]:
    """Return every file under ``folder`` by relative path, as bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def counts(db: Database) -> tuple[int, int]:
    with db.reading() as session:
        return (session.scalar(select(func.count()).select_from(ModelVersion)),
                session.scalar(select(func.count()).select_from(Operation)))


def operations(db: Database, after: int = 0) -> list[Operation]:
    with db.reading() as session:
        return list(session.scalars(select(Operation).where(Operation.id > after)
                                    .order_by(Operation.id)))


def last_operation_id(db: Database) -> int:
    with db.reading() as session:
        return session.scalar(select(func.max(Operation.id))) or 0


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def shenfa(db_url, monkeypatch):
    return cli_runner(db_url, monkeypatch, SHENFA_PROCESSES=str(PROCESSES),
                      SHENFA_FORMS=str(FORMS))


def copy_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(PROCESSES, project / "processes")
    shutil.copytree(FORMS, project / "forms")
    return project


# -- export(deploy(files)) == files ---------------------------------------------------

def test_export_of_the_deployed_procedures_is_the_files_byte_for_byte(db, tmp_path):
    """Every procedure in processes/ with its forms comes back as it was written."""
    with db.transaction() as session:
        export(session, tmp_path / "out" / "processes", tmp_path / "out" / "forms")
    assert tree(tmp_path / "out" / "processes") == tree(PROCESSES)
    exported, originals = tree(tmp_path / "out" / "forms"), tree(FORMS)
    assert exported == {name: originals[name] for name in exported}
    assert set(exported) == set(originals)  # every form file is used by some procedure
    assert b'"$ref": "_shared/' in exported["post_review.json"]
    assert len(exported["post_review.json"]) == len(originals["post_review.json"])


def test_the_cli_export_keeps_refs_and_xml(shenfa, tmp_path):
    shenfa("export", "--to", tmp_path)
    assert (tmp_path / "forms" / "post_review.json").read_bytes() == (
        FORMS / "post_review.json").read_bytes()
    assert (tmp_path / "forms" / "_shared" / "decision.json").is_file()
    assert tree(tmp_path / "processes") == tree(PROCESSES)


FORMATS = st.fixed_dictionaries({
    "indent": st.sampled_from([None, 1, 2, 4, "\t"]),
    "crlf": st.booleans(),
    "trailing": st.sampled_from(["", "\n", "\n\n"]),
    "sort": st.booleans(),
})


def _restyle(text: str, style: dict) -> str:
    out = json.dumps(json.loads(text), ensure_ascii=False, indent=style["indent"],
                     sort_keys=style["sort"]) + style["trailing"]
    return out.replace("\n", "\r\n") if style["crlf"] else out


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(form_style=FORMATS, shared_style=FORMATS, xml_crlf=st.booleans())
def test_any_way_of_writing_the_files_survives_deploy_and_export(db, tmp_path_factory,
                                                                  form_style, shared_style,
                                                                  xml_crlf):
    """The class: however a designer's editor writes a file, export gives those bytes back."""
    project = tmp_path_factory.mktemp("styled")
    (project / "processes").mkdir()
    shutil.copytree(FORMS, project / "forms")
    xml = (PROCESSES / "three_review.bpmn").read_text(encoding="utf-8")
    (project / "processes" / "three_review.bpmn").write_bytes(
        (xml.replace("\n", "\r\n") if xml_crlf else xml).encode("utf-8"))
    for name, style in [("post_review.json", form_style), ("_shared/decision.json", shared_style)]:
        path = project / "forms" / name
        path.write_bytes(_restyle(path.read_text(encoding="utf-8"), style).encode("utf-8"))
    with db.transaction() as session:
        deploy(session, Source.of(project / "processes"), START, "songyu", "重排格式")
        export(session, project / "out" / "processes", project / "out" / "forms")
    assert tree(project / "out" / "processes")["three_review.bpmn"] == (
        project / "processes" / "three_review.bpmn").read_bytes()
    for name in ["post_review.json", "_shared/decision.json", "post_draft.json"]:
        assert (project / "out" / "forms" / name).read_bytes() == (
            project / "forms" / name).read_bytes(), name


def test_a_version_deployed_before_form_files_were_kept_exports_resolved(db, tmp_path):
    """Older versions (no form files stored) export their forms inlined, as before."""
    with db.transaction() as session:
        for version in session.scalars(select(ModelVersion)):
            version.form_sources = None
    with db.transaction() as session:
        export(session, tmp_path / "processes", tmp_path / "forms")
    inlined = json.loads((tmp_path / "forms" / "post_review.json").read_text(encoding="utf-8"))
    assert "$ref" not in json.dumps(inlined) and inlined["properties"]["decision"]
    assert tree(tmp_path / "processes") == tree(PROCESSES)


def test_a_hand_edit_survives_export_and_redeploy(shenfa, db, tmp_path):
    """Rename a task in the file, deploy, export, deploy the export: the name stays."""
    project = copy_project(tmp_path)
    path = project / "processes" / "three_review.bpmn"
    path.write_bytes(path.read_bytes().replace('name="核稿（二审二校）"'.encode(), 'name="复核（二审二校）"'.encode()))
    shenfa("deploy", project / "processes", "--by", "songyu", "--note", "改名")
    shenfa("export", "--to", tmp_path / "round")
    assert (tmp_path / "round" / "processes" / "three_review.bpmn").read_bytes() == path.read_bytes()
    before = counts(db)[0]
    out = shenfa("deploy", tmp_path / "round" / "processes").stdout
    assert "three_review v2 无变化" in out and counts(db)[0] == before


# -- every deploy path writes the operations log ----------------------------------------

def test_the_cli_deploy_logs_a_new_version_and_an_unchanged_deploy(shenfa, db, tmp_path):
    project = copy_project(tmp_path)
    start = last_operation_id(db)
    shenfa("deploy", "--by", "songyu", "--note", "无改动")
    [unchanged] = operations(db, start)
    assert (unchanged.type, unchanged.actor, unchanged.payload["note"]) == (
        "models_unchanged", "songyu", "无改动")
    assert unchanged.payload["models"]["three_review"] == 1
    path = project / "processes" / "three_review.bpmn"
    path.write_text(path.read_text(encoding="utf-8").replace('name="核稿（二审二校）"', 'name="复核（二审二校）"'),
                    encoding="utf-8")
    start = last_operation_id(db)
    shenfa("deploy", path, "--by", "songyu", "--note", "改名")
    [entry] = operations(db, start)
    assert (entry.type, entry.payload["model"], entry.payload["version"]) == (
        "model_deployed", "three_review", 2)


def test_engine_deploy_directory_logs(db):
    start = last_operation_id(db)
    Engine(db, FrozenClock(START)).deploy_directory(PROCESSES, FORMS, by="songyu")
    assert [o.type for o in operations(db, start)] == ["models_unchanged"]


def test_init_demo_deploys_through_the_one_path_and_logs(monkeypatch, tmp_path, empty_url):
    monkeypatch.setenv("SHENFA_DATABASE_URL", empty_url)
    monkeypatch.setenv("SHENFA_PROCESSES", str(PROCESSES))
    monkeypatch.setenv("SHENFA_FORMS", str(FORMS))
    result = CliRunner().invoke(main, ["init", "--demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    fresh = Database(empty_url)
    deployed = [o.payload["model"] for o in operations(fresh) if o.type == "model_deployed"]
    with fresh.transaction() as session:
        export(session, tmp_path / "out" / "processes", tmp_path / "out" / "forms")
    fresh.dispose()
    assert sorted(deployed) == sorted(p.stem for p in PROCESSES.glob("*.bpmn"))
    assert tree(tmp_path / "out" / "processes") == tree(PROCESSES)
    assert tree(tmp_path / "out" / "forms") == tree(FORMS)


# -- a bad file is a one-line refusal that changes nothing ---------------------------------

BAD_FILES = {
    "not_xml": b"this is not BPMN",
    "not_utf8": "<?xml version='1.0'?><a>审发</a>".encode("gb18030"),
    "dtd": (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
            b'<bpmn:process id="evil" isExecutable="true"/></bpmn:definitions>'),
    "no_process": (b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>'),
    "missing_form": None,  # three_review naming a form that does not exist
    "empty": b"",
}


def _bad(kind: str) -> bytes:
    if kind == "missing_form":
        return (PROCESSES / "three_review.bpmn").read_bytes().replace(
            b'value="post_review"', b'value="no_such_form"', 1)
    return BAD_FILES[kind]


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_a_cli_deploy_of_a_bad_file_is_a_one_line_refusal_that_changes_nothing(
        shenfa, db, tmp_path, kind):
    project = copy_project(tmp_path)
    good = project / "processes" / "post_review.bpmn"
    good.write_text(good.read_text(encoding="utf-8").replace('name="三审三校"', 'name="三审三校（改）"'),
                    encoding="utf-8")  # a good change beside the bad file: all or nothing
    (project / "processes" / "three_review.bpmn").write_bytes(_bad(kind))
    before = counts(db)
    result = shenfa("deploy", project / "processes", "--by", "songyu", code=1)
    assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert counts(db) == before


# -- migration 1300: the form files beside each version ---------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path) -> str:
    """Yield the URL of an empty database (no schema) on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite'}"
    return new_database(request.getfixturevalue("pg_server"), template=None)


def _alembic(db: Database, action: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)


def test_migration_1300_keeps_older_versions_exportable_and_goes_both_ways(empty_url, tmp_path):
    db = Database(empty_url)
    _alembic(db, "upgrade", "1200")
    schema = {"type": "object", "title": "旧表单", "properties": {}}
    with db.engine.begin() as conn:
        conn.execute(ModelVersion.__table__.insert().values(
            model_key="old", version=1, name="旧流程", content_hash="x" * 64,
            bpmn_xml="<old/>", forms={"old_form": schema}, deployed_at=START))
    _alembic(db, "upgrade", "head")
    with db.transaction() as session:
        assert session.scalar(select(ModelVersion.form_sources)) is None
        export(session, tmp_path / "processes", tmp_path / "forms")
    assert json.loads((tmp_path / "forms" / "old_form.json").read_text(encoding="utf-8")) == schema
    assert (tmp_path / "processes" / "old.bpmn").read_text(encoding="utf-8") == "<old/>"
    _alembic(db, "downgrade", "1200")
    assert "form_sources" not in {c["name"] for c in inspect(db.engine).get_columns("model_versions")}
    _alembic(db, "upgrade", "head")
    assert "form_sources" in {c["name"] for c in inspect(db.engine).get_columns("model_versions")}
    db.dispose()
