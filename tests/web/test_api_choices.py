"""Choices are enforced on the server (issue 10): ``ui.choices`` values are checked on submit."""

import pytest
from sqlalchemy import select

from engine.store.schema import Account


def tier1_ids(app) -> list[int]:
    with app.extensions["shenfa"].db.reading() as s:
        return list(s.scalars(select(Account.id).where(Account.tier == 1).order_by(Account.id)))


def post(api, user: str, account: int):
    return api(user).post("/api/models/post_review/instances", json={"data": {
        "account_id": account, "title": "通知", "planned_date": "2026-12-01"}})


def test_staff_cannot_post_on_the_tier1_accounts_through_the_api(app, api):
    """第五条: the official accounts are the General Office's; 1–4 used to pass."""
    for account in tier1_ids(app):
        res = post(api, "zhangwei", account)
        assert res.status_code == 400
        body = res.get_json()
        assert "党政综合办公室" in body["message"] and "account_id" in body["errors"]
    assert post(api, "zhaolei", tier1_ids(app)[0]).status_code == 201


@pytest.mark.parametrize("account", [999, -1])
def test_an_account_that_does_not_exist_is_a_field_error(api, account):
    res = post(api, "zhaolei", account)
    assert res.status_code == 400 and "account_id" in res.get_json()["errors"]


def test_the_auditor_gets_403_from_the_api(api):
    assert post(api, "gaoyan", 1).status_code == 403
