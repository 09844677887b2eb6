"""Anonymous complainants stay anonymous: one rule, applied where data leaves the engine.

DOMAIN.md (第十九条 complaints): an anonymous complainant stays anonymous to
everyone outside the handling offices, above all to the person complained
about, in pages, answers, notices, exports and printed records.

The rule is data, declared by the start form (``forms/complaint_start.json``)::

    "x-anonymous": {"if": {"anonymous": true},
                    "identity": ["complainant_name", "contact"],
                    "readers": ["discipline_inspection", "medical_affairs"]}

When the item's start data meets ``if``, a :class:`Veil` covers, for every viewer
who is neither a reader (第十九条: 纪检监察室 and 医务科 lead verification) nor the
complainant who filed it: the identity fields, the filer's username wherever it
stands as a value (initiator, actor, author), and the identity itself (name,
contact, the filer's display name) wherever it was written in free text.
The stored history is never changed: hash chains and verified replay still run
on it; only what is shown is covered.

Who the viewer is comes from :data:`VIEWER`, set by the web layer for every
request.  Engine code that reads for itself (replay, verification, the CLI run
by the operator on the server) sets no viewer and reads the record as stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from engine.model.forms import applies
from engine.org.people import display_names
from engine.run.assignment import roles_of
from engine.store.persistence import is_reading
from engine.store.schema import Event, Instance, ModelVersion

MASK = "匿名投诉人"
#: who is looking; None: the engine reading for itself (no veil)
VIEWER: ContextVar[str | None] = ContextVar("shenfa_viewer", default=None)
#: free text shorter than this is not searched for (a one-character "name" would mangle pages)
MIN_WORD = 2


@contextmanager
def viewing(viewer: str | None) -> Iterator[None]:
    """Read as ``viewer`` within the block (None: as the engine, uncovered)."""
    token = VIEWER.set(viewer)
    try:
        yield
    finally:
        VIEWER.reset(token)


@dataclass(frozen=True)
class Veil:
    """What one viewer may not see of one item."""

    fields: frozenset[str]
    people: frozenset[str]
    words: tuple[str, ...]

    def cover(self, value: Any) -> Any:
        """Return ``value`` (any JSON-like structure) with the identity covered."""
        if isinstance(value, dict):
            return {k: MASK if k in self.fields and value[k] not in (None, "", False)
                    else self.cover(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.cover(v) for v in value]
        if isinstance(value, str):
            return self._text(value)
        return value

    def _text(self, text: str) -> str:
        if text in self.people:
            return MASK
        for word in self.words:
            text = text.replace(word, MASK)
        return text


def rule_of(forms: dict[str, dict]) -> dict | None:
    """Return the ``x-anonymous`` rule declared by one of a model version's forms."""
    return next((f["x-anonymous"] for f in forms.values() if f and f.get("x-anonymous")), None)


#: each version's rule by its content hash: the hash covers its forms, and a deployed
#: version never changes, so its forms are read (and parsed) once per process, not per request
_RULES: dict[str, dict | None] = {}

# Built once: every page and every step's notifications ask these.
_INST, _VERSIONS, _EVENTS = Instance.__table__.c, ModelVersion.__table__.c, Event.__table__.c
FORMS_OF = select(_VERSIONS.forms).where(_VERSIONS.id == bindparam("version_id"))
VEIL_FACTS = (select(_INST.initiator, _INST.model_version_id, _VERSIONS.content_hash)
              .join_from(Instance.__table__, ModelVersion.__table__,
                         _VERSIONS.id == _INST.model_version_id)
              .where(_INST.id == bindparam("instance_id")))
VERSIONS_OF = (select(_VERSIONS.id, _VERSIONS.content_hash).distinct()
               .join_from(Instance.__table__, ModelVersion.__table__,
                          _VERSIONS.id == _INST.model_version_id)
               .where(_INST.id.in_(bindparam("ids", expanding=True))))
START_PAYLOAD = (select(_EVENTS.payload).where(_EVENTS.instance_id == bindparam("instance_id"),
                                               _EVENTS.type == "instance_started").limit(1))


def _rule_by_hash(reader: Session | Connection, version_id: int, content_hash: str) -> dict | None:
    if content_hash not in _RULES:
        forms = reader.scalar(FORMS_OF, {"version_id": version_id})
        _RULES[content_hash] = rule_of(forms or {})
    return _RULES[content_hash]


def anonymous_versions(session: Session) -> list[int]:
    """Return the model versions whose forms declare an ``x-anonymous`` rule."""
    rows = session.execute(select(ModelVersion.id, ModelVersion.content_hash)).all()
    return [i for i, content_hash in rows if _rule_by_hash(session, i, content_hash)]


def veil_for(session: Session, instance_id: int, viewer: str | None,
             start: dict | None = None) -> Veil | None:
    """Return what ``viewer`` may not see of the item, or None when nothing is hidden.

    ``start`` is the item's start data when it is not stored yet (the step that
    starts the item writes its notifications before its events).
    """
    if viewer is None:
        return None
    if start is not None or not is_reading(session):
        return _veil_now(session, instance_id, viewer, start)
    # A read session sees one state of the item: a page asks once per item and viewer.
    veils = session.info.setdefault("shenfa_veils", {})
    if (instance_id, viewer) not in veils:
        veils[instance_id, viewer] = _veil_now(session, instance_id, viewer, None)
    return veils[instance_id, viewer]


def _veil_now(session: Session, instance_id: int, viewer: str, start: dict | None) -> Veil | None:
    # Two columns, not the whole row: every notification of every step asks this.
    # Its version's content hash too: the rule is then read once per process (_rule_by_hash).
    inst = session.execute(VEIL_FACTS, {"instance_id": instance_id}).first()
    rule = _rule_by_hash(session, inst.model_version_id, inst.content_hash) if inst else None
    if rule is None or inst is None or viewer == inst.initiator:
        return None
    data = _start_data(session, instance_id) if start is None else start
    if not applies(rule.get("if", {}), data) or roles_of(session, viewer) & set(rule["readers"]):
        return None
    return _veil(session, rule, data, inst.initiator)


def _start_data(session: Session, instance_id: int) -> dict[str, Any]:
    payload = session.scalar(START_PAYLOAD, {"instance_id": instance_id})
    return dict(((payload or {}).get("data") or {}) if payload is not None else {})


def _veil(session: Session, rule: dict, data: dict, initiator: str) -> Veil:
    identity = [str(data[f]).strip() for f in rule["identity"] if data.get(f)]
    identity += display_names(session, {initiator}).values()
    words = sorted({w for w in identity if len(w) >= MIN_WORD}, key=len, reverse=True)
    return Veil(frozenset(rule["identity"]), frozenset({initiator}), tuple(words))


def covered(session: Session, instance_id: int, value: Any) -> Any:
    """Return ``value`` about item ``instance_id`` as the current viewer may see it."""
    veil = veil_for(session, instance_id, VIEWER.get())
    return veil.cover(value) if veil else value


def covered_rows(session: Session, rows: Iterable[dict], key: str = "instance_id",
                 viewer: str | None = None, filters: dict | None = None) -> list[dict]:
    """Return rows about several items (inbox, register), each covered for the viewer.

    A row that matched a search (``q`` on the title, ``person``) only through what
    is covered is left out: finding the item by the complainant's name would name them.
    """
    viewer = viewer or VIEWER.get()
    veils: dict[Any, Veil | None] = {}
    result = []
    for row in rows:
        ident = row.get(key)
        if ident not in veils:
            veils[ident] = veil_for(session, ident, viewer) if isinstance(ident, int) else None
        veil = veils[ident]
        if veil is None:
            result.append(row)
        elif not _found_by_covered(veil, veil.cover(row), filters or {}):
            result.append(veil.cover(row))
    return result


def found_only_by_covered(session: Session, instance_id: int, viewer: str, row: dict,
                          filters: dict) -> bool:
    """Tell whether ``row`` of the item matched ``filters`` only through what ``viewer`` may not see."""
    veil = veil_for(session, instance_id, viewer)
    return veil is not None and _found_by_covered(veil, veil.cover(row), filters)


def _found_by_covered(veil: Veil, row: dict, filters: dict) -> bool:
    query, person = filters.get("q"), filters.get("person")
    return person in veil.people or bool(query) and str(query) not in str(row.get("title") or "")


def covered_messages(connection: Connection, rows: list[dict],
                     pending: Iterable[dict] = ()) -> list[dict]:
    """Return notification rows, each covered for its recipient (the bell and the e-mail).

    ``pending`` are the step's events not yet written, which may hold the start data.
    """
    if not rows or not _any_rule(connection, {row.get("instance_id") for row in rows}):
        return rows  # no anonymity rule on these items: nothing to cover (the common case)
    start = next(((e["payload"].get("data") or {}) for e in pending
                  if e["type"] == "instance_started"), None)
    with Session(bind=connection) as session:
        return [_message_for(session, row, start) for row in rows]


def _any_rule(connection: Connection, instance_ids: set[int | None]) -> bool:
    """Tell whether a model version of one of these items declares an anonymity rule."""
    versions = connection.execute(VERSIONS_OF, {"ids": list(instance_ids)}).all()
    return any(_rule_by_hash(connection, i, content_hash) for i, content_hash in versions)


def _message_for(session: Session, row: dict, start: dict | None) -> dict:
    veil = veil_for(session, row["instance_id"], row["username"], start)
    if veil is None:
        return row
    return {**row, "subject": veil.cover(row["subject"]), "body": veil.cover(row["body"])}
