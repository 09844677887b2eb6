"""Every page that checks a permission follows the one policy (engine.org.policy).

One signed-in user per kind of grant opens each guarded page and sees its menu; what
they get (200 or 403, the link or none) is what the policy grants their roles.
"""

from __future__ import annotations

import pytest

from engine.org import policy
from tests.support import DRAFT, Driver

#: guarded page -> the rule that opens it
PAGES = {"/audit/": policy.may_audit, "/admin/operations": policy.may_see_operations_log,
         "/admin/tasks": policy.may_reassign, "/admin/incidents": policy.may_handle_incidents,
         "/designer/": policy.may_design}
#: menu link -> the rule that shows it
LINKS = {'href="/audit/"': policy.may_audit, 'href="/admin/operations"': policy.may_see_operations_log,
         'href="/admin/tasks"': policy.may_reassign, 'href="/designer/"': policy.may_design}
#: one demo user per kind of grant, with their roles (engine/demo/demo_org.yaml)
USERS = {"zhangwei": {"staff"}, "heping": {"staff", "discipline_inspection"},
         "gaoyan": {"auditor"}, "songyu": {"staff", "process_designer", "it_office"},
         "admin": {"admin"}}


@pytest.mark.parametrize("user", USERS)
def test_guarded_pages_and_menus_follow_the_policy(browse, user):
    b = browse(user)
    for url, rule in PAGES.items():
        assert b.get(url).status_code == (200 if rule(USERS[user]) else 403), url
    menu = b.get("/notices").get_data(as_text=True)
    for link, rule in LINKS.items():
        assert (link in menu) == rule(USERS[user]), link


@pytest.fixture
def item(app) -> int:
    """A post drafted by 赵磊 that none of the users below has touched."""
    return Driver(app.extensions["shenfa"]).start(
        "three_review", "zhaolei", {"title": DRAFT["title"], "media": DRAFT["media"]})


@pytest.mark.parametrize("user", USERS)
def test_an_item_page_opens_for_those_who_read_every_item(browse, item, user):
    """纪检监察室 verifies complaints about any post (第十九条): it reads the item as auditors do."""
    page = browse(user).get(f"/items/{item}")
    assert page.status_code == (200 if policy.may_read_every_item(USERS[user]) else 403)
