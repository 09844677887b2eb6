"""The one parsed tree of a model's XML, shared by every check and reader.

A deploy used to parse the same text 4 + 3×(called models) times (the library
scan, the checks, each called model twice more, SpiffWorkflow, the assignee
check).  :func:`tree_of` parses a text once with the hardened parser and hands
the same tree to every later reader of that text.  Trees are read, never
changed, by everything that asks for one: a reader that needs to edit copies.
Refused XML is not remembered, so each caller gets the refusal with its own
file name.
"""

from __future__ import annotations

from functools import lru_cache

from lxml import etree

from engine.base import xmlsafe

#: enough for every model and called model of a deployment, and a designer session
CACHED_TREES = 128


@lru_cache(maxsize=CACHED_TREES)
def _tree(xml: str | bytes) -> etree._ElementTree:
    return xmlsafe.parse(xml)


def tree_of(xml: str | bytes, filename: str = "<model>") -> etree._ElementTree:
    """Return the parsed tree of ``xml``; raise :class:`xmlsafe.UnsafeXML` naming ``filename``."""
    try:
        return _tree(xml)
    except xmlsafe.UnsafeXML:
        return xmlsafe.parse(xml, filename)  # raises again, with the caller's file name


def forget() -> None:
    """Drop every remembered tree (tests that count parses start from nothing)."""
    _tree.cache_clear()
