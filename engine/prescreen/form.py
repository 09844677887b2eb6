"""Checks of a post's form (第九条): reposts name their source, the author's department is
given, images carry their source.  Each check is registered by name; a rule names one."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.prescreen.finding import Hit
from engine.prescreen.patterns import search

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".heic", ".svg")


@dataclass(frozen=True)
class Check:
    """A form check: what it runs and the rule fields it needs."""

    run: Callable[[str, Sequence[Mapping[str, Any]], Mapping[str, Any]], list[Hit]]
    needs: tuple[str, ...]


def repost_source(text: str, attachments: Sequence[Mapping[str, Any]], options: Mapping[str, Any]) -> list[Hit]:
    """Find a repost (转载) that names no source: the first marker is the span."""
    if search(options["present"], text):
        return []
    cleared = [(m.start(), m.end()) for phrase in options.get("except", ())
               for m in re.finditer(re.escape(phrase), text)]
    for marker in options["markers"]:
        for match in re.finditer(re.escape(marker), text):
            if not any(s <= match.start() and match.end() <= e for s, e in cleared):
                return [Hit(match.start(), match.end())]
    return []


def author_department(text: str, attachments: Sequence[Mapping[str, Any]], options: Mapping[str, Any]) -> list[Hit]:
    """Find a body that does not say which department wrote it (an empty span at 0)."""
    return [] if search(options["present"], text) else [Hit(0, 0)]


def is_image(attachment: Mapping[str, Any], extensions: Sequence[str]) -> bool:
    """Tell whether an attachment is an image: by its declared kind, else by its file name.

    A declared kind decides: a stored attachment's kind is read from its content, so a
    PDF named ``scan.png`` is no image (and never asked for an image's source).
    """
    kind = str(attachment.get("kind") or attachment.get("type") or "").strip().lower()
    if kind:
        return kind.startswith("image")
    return str(attachment.get("name") or "").lower().endswith(tuple(extensions))


def image_source(text: str, attachments: Sequence[Mapping[str, Any]], options: Mapping[str, Any]) -> list[Hit]:
    """Find images in the attachment list with no source (来源/出处) given."""
    extensions = tuple(e.lower() for e in options.get("extensions", IMAGE_EXTENSIONS))
    return [Hit(0, 0, attachment=i) for i, item in enumerate(attachments)
            if is_image(item, extensions) and not str(item.get("source") or "").strip()]


CHECKS: dict[str, Check] = {
    "repost_source": Check(repost_source, ("markers", "present")),
    "author_department": Check(author_department, ("present",)),
    "image_source": Check(image_source, ()),
}
