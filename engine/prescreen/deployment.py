"""Deploy the pre-screen's rules like models: each version stored with its content hash.

The newest deployed version is the one screening uses; deploying again the same files
writes ``prescreen_rules_unchanged``, deploying an older version (a rollback) stores it again
as the newest.  Every deploy is written to the operations log.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.chain import log_operation
from engine.prescreen.rules import RuleSet, parse_rules
from engine.store.schema import PrescreenRuleSet

_parsed: dict[str, RuleSet] = {}
_lock = threading.Lock()


def deploy(session: Session, ruleset: RuleSet, at: datetime, by: str | None, note: str | None = None) -> dict[str, Any]:
    """Store a checked rule set as the newest version unless it already is; log it either way."""
    latest = _latest(session)
    summary = {"version": ruleset.version, "rules": len(ruleset.rules), "files": sorted(ruleset.files)}
    if latest is not None and latest.version == ruleset.version:
        log_operation(session, "prescreen_rules_unchanged", by, at, **summary)
        return {**summary, "changed": False}
    session.add(PrescreenRuleSet(version=ruleset.version, files=dict(ruleset.files), rule_count=len(ruleset.rules),
                                 deployed_by=by, deployed_at=at, note=note))
    log_operation(session, "prescreen_rules_deployed", by, at, **summary,
                  previous=latest.version if latest is not None else None)
    return {**summary, "changed": True}


def deployed(session: Session) -> RuleSet | None:
    """Return the newest deployed rule set (parsed once per version), or None before any deploy."""
    version = session.scalar(select(PrescreenRuleSet.version).order_by(PrescreenRuleSet.id.desc()).limit(1))
    if version is None:
        return None
    with _lock:
        if version not in _parsed:
            files = session.scalar(select(PrescreenRuleSet.files).where(PrescreenRuleSet.version == version).limit(1))
            _parsed[version] = parse_rules(files or {})
        return _parsed[version]


def history(session: Session) -> list[dict[str, Any]]:
    """List the deployed versions, newest first."""
    rows = session.scalars(select(PrescreenRuleSet).order_by(PrescreenRuleSet.id.desc()))
    return [{"version": r.version, "rules": r.rule_count, "files": sorted(r.files), "deployed_by": r.deployed_by,
             "deployed_at": r.deployed_at.isoformat(), "note": r.note} for r in rows]


def _latest(session: Session) -> PrescreenRuleSet | None:
    return session.scalar(select(PrescreenRuleSet).order_by(PrescreenRuleSet.id.desc()).limit(1))
