"""The one permissions policy (engine.org.policy): roles × permissions against the table below.

The table is the specification.  A user holding one role (besides staff) may do exactly
what its row lists; nothing else grants anything.
"""

from __future__ import annotations

import pytest

from engine.org import policy
from engine.org.policy import Participation

READ_ALL, AUDIT, LOG, REASSIGN, INCIDENTS, DESIGN, READ_ONLY, HOME_AUDIT = (
    "read_every_item", "audit", "operations_log", "reassign", "incidents", "design",
    "read_only", "home_audit")

#: role -> what a user holding that role (and staff, as every employee does) may do
TABLE: dict[str, set[str]] = {
    "staff": set(),
    "department_head": set(),
    "party_branch_head": set(),
    "functional_dept": set(),
    "general_office": set(),
    "party_building_office": set(),
    "medical_affairs": set(),
    # 第十九条: leads complaint verification, so reads every record; acts in complaints
    "discipline_inspection": {READ_ALL, AUDIT, LOG},
    "patient_relations": set(),
    "it_office": set(),
    "publicity_leader": set(),
    "party_secretary": set(),
    "expert": set(),
    "process_designer": {DESIGN},
    "admin": {READ_ALL, AUDIT, LOG, REASSIGN, INCIDENTS},
}
#: roles held alone (no staff): the auditor reads everything and changes nothing
ALONE: dict[str, set[str]] = {
    "auditor": {READ_ALL, AUDIT, LOG, READ_ONLY, HOME_AUDIT},
    "admin": {READ_ALL, AUDIT, LOG, REASSIGN, INCIDENTS},
}

RULES = {
    READ_ALL: policy.may_read_every_item, AUDIT: policy.may_audit,
    LOG: policy.may_see_operations_log, REASSIGN: policy.may_reassign,
    INCIDENTS: policy.may_handle_incidents, DESIGN: policy.may_design,
    READ_ONLY: policy.is_read_only, HOME_AUDIT: policy.lands_on_audit,
}


def granted(roles: set[str]) -> set[str]:
    return {name for name, rule in RULES.items() if rule(roles)}


CASES = [({"staff", r}, want) for r, want in TABLE.items()] + [({r}, w) for r, w in ALONE.items()]


IDS = ["+".join(sorted(roles)) for roles, _ in CASES]


@pytest.mark.parametrize(("roles", "want"), CASES, ids=IDS)
def test_each_role_may_do_what_the_table_says(roles, want):
    assert granted(roles) == want


@pytest.mark.parametrize(("roles", "want"), CASES, ids=IDS)
def test_grants_agree_with_the_rules(roles, want):
    g = policy.grants(roles)  # the menus read these; names as in the table
    assert {n for n in set(RULES) - {HOME_AUDIT} if getattr(g, n)} == want - {HOME_AUDIT}


def test_an_auditor_who_also_holds_another_role_is_not_read_only():
    assert not policy.is_read_only({"auditor", "staff"})
    assert not policy.is_read_only(set())  # a user with no roles is refused elsewhere, not here


@pytest.mark.parametrize("part", [Participation(initiator=True), Participation(acted=True),
                                  Participation(holds_task=True)])
@pytest.mark.parametrize("roles", [{"staff"}, {"staff", "expert"}, set()])
def test_those_taking_part_read_the_item(roles, part):
    assert policy.may_read_item(roles, part)


@pytest.mark.parametrize(("roles", "want"), CASES, ids=IDS)
def test_others_read_an_item_only_if_they_read_every_item(roles, want):
    assert policy.may_read_item(roles, Participation()) == (READ_ALL in want)


@pytest.mark.parametrize(("held", "needed", "want"), [
    ({"staff"}, "staff", True), ({"staff"}, "general_office", False),
    ({"staff", "general_office"}, "general_office", True), ({"auditor"}, "staff", False)])
def test_a_procedure_is_started_by_holders_of_its_start_role(held, needed, want):
    assert policy.may_start(held, needed) is want
