"""Roles and the institution are organisation data (issue 13): imported, stored, migrated."""

import shutil
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from engine.base.errors import Refused
from engine.org import institution, roles
from engine.org.directory import OrgError, import_org
from engine.run.assignment import POOL_ROLES, ROLE_TITLES, known_roles
from engine.store.persistence import MIGRATIONS
from engine.store.schema import Account, Role, RoleHolding, User
from tests.engine.test_account_approval import application

ROOT = Path(__file__).resolve().parents[2]
CODES = st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True)
TITLES = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=8)


@pytest.fixture(autouse=True)
def _seeded_catalogue_afterwards():
    """Leave this process's role catalogue and institution as a new database has them."""
    yield
    roles.CATALOG.fill(list(roles.SEEDED))
    institution.CURRENT.name, institution.CURRENT.short_names = "绍兴市中医院", ["绍兴市中医院", "中医院"]


def _alembic(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def test_migration_1310_gives_an_existing_database_todays_roles_and_name(engine):
    with engine.db.engine.begin() as connection:
        config = _alembic(str(engine.db.engine.url))
        config.attributes["connection"] = connection
        command.downgrade(config, "1300")
        command.upgrade(config, "head")
    with engine.db.transaction() as session:
        assert sorted(roles.rows(session)) == sorted(roles.SEEDED)
        assert institution.read(session).name == "绍兴市中医院"
        assert "中医院" in institution.read(session).short_names
        assert session.scalar(select(func.count()).select_from(RoleHolding)) > 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=CODES, title=TITLES)
def test_an_imported_office_role_is_known_titled_and_held(engine, code, title):
    known = {c for c, _t, _k in roles.SEEDED}
    entry = {"code": code, "title": title, "kind": "pool"}
    user = {"username": "newclerk", "name": "新人", "roles": ["staff", code]}
    with engine.db.transaction() as session:
        if code in known and code not in POOL_ROLES:  # a person or permission role keeps its kind
            with pytest.raises(OrgError):
                import_org(session, {"roles": [entry], "users": [user]})
            return
        import_org(session, {"roles": [entry], "users": [user]})
    assert code in known_roles() and ROLE_TITLES[code] == title
    with engine.db.transaction() as session:
        assert session.get(Role, code).title == title
        assert session.get(RoleHolding, ("newclerk", code)) is not None


BAD_ROLES = [{"code": "Publicity", "title": "宣传科"}, {"code": "publicity_office"},
             {"code": "publicity_office", "title": "宣传科", "kind": "boss"},
             {"code": "department_head", "title": "科主任", "kind": "pool"},
             {"code": "new_person", "title": "新人", "kind": "person"}, "publicity_office"]


@pytest.mark.parametrize("entry", BAD_ROLES, ids=range(len(BAD_ROLES)))
def test_a_bad_role_entry_is_refused_and_changes_nothing(engine, entry):
    with engine.db.transaction() as session:
        before = roles.rows(session)
    with pytest.raises(OrgError), engine.db.transaction() as session:
        import_org(session, {"roles": [entry], "institution": {"name": "别的医院"}})
    with engine.db.transaction() as session:
        assert roles.rows(session) == before
        assert institution.read(session).name == "绍兴市中医院"


def test_a_user_may_not_hold_a_role_nobody_declared(engine):
    with pytest.raises(OrgError, match="角色未知"), engine.db.transaction() as session:
        import_org(session, {"users": [{"username": "x", "roles": ["publicity_office"]}]})


def test_a_second_institution_names_itself_in_its_org_file(drive, engine):
    """第六条 forbids a person's account in the hospital's name: the names are org data."""
    with engine.db.transaction() as session:
        import_org(session, {"institution": {"name": "越城区人民医院", "short_names": ["越城区人民医院", "越医"]}})
    with pytest.raises(Refused, match="禁止任何个人以医院名义"):
        drive.start("account_approval", "liuyang", application(3, "抖音", "越医推拿科普"))
    drive.start("account_approval", "liuyang", application(3, "抖音", "绍兴市中医院推拿科普"))
    with engine.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Account).where(
            Account.account_name == "绍兴市中医院推拿科普")) == 1


NEW = Path(__file__).resolve().parents[1] / "web" / "newcomer"


def test_a_role_another_process_imported_deploys_and_queues_here(engine, drive, tmp_path):
    """The database, not this process's memory, says which roles exist and which are pools."""
    processes, forms = tmp_path / "processes", tmp_path / "forms"
    processes.mkdir()
    shutil.copy(NEW / "publicity_submission.bpmn", processes)
    shutil.copytree(ROOT / "forms", forms)
    for form in ("publicity_submission.json", "publicity_register.json"):
        shutil.copy(NEW / form, forms)
    with engine.db.transaction() as session:  # as `shenfa org import` in another process writes it
        session.add(Role(code="publicity_office", title="宣传科", kind="pool"))
        session.add(User(username="xuanli", display_name="宣丽"))
        session.flush()
        session.add(RoleHolding(username="xuanli", role="publicity_office"))
    assert "publicity_office" not in known_roles()  # this process has not seen it
    engine.deploy_directory(processes, forms)
    item = drive.start("publicity_submission", "zhangwei", {"title": "院报", "column": "科普"})
    task = drive.task(item, "Task_register")
    assert task.role == "publicity_office" and task.assignee == "xuanli"  # a queue of one
    drive.act(item, "Task_register", "xuanli", {"decision": "approve", "issue_no": "12"})
    assert drive.status(item) == "completed"
