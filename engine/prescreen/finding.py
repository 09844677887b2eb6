"""What the pre-screen reports: one finding per span a reviewer must look at (第七、九、十条)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

# The kinds of problem the issue names; each maps to articles 第七条、第九条、第十条.
CATEGORIES = ("privacy", "advertising", "epidemic", "form", "forbidden")
SEVERITIES = ("high", "medium", "low")
# The items of the publication checklist (forms/_shared/checklist.json) a finding concerns.
CHECKLIST = ("political", "scientific", "lawful", "public_interest", "form", "forbidden")


@dataclass(frozen=True)
class Finding:
    """One thing a reviewer must look at: never a verdict, the reviewer decides.

    ``start``/``end`` are character offsets into the screened text and ``text`` is exactly
    ``text[start:end]``.  A finding about something missing (no author department) has an
    empty span at 0; one about an attachment names it in ``attachment`` (its index).
    """

    rule: str
    category: str
    article: str
    severity: str
    start: int
    end: int
    text: str
    message: str
    checklist: str
    attachment: int | None = None

    def as_dict(self) -> dict:
        """Return the finding as a JSON-ready mapping."""
        return asdict(self)


@dataclass(frozen=True)
class Hit:
    """A match of a rule before it becomes a finding; ``severity`` overrides the rule's."""

    start: int
    end: int
    severity: str | None = None
    attachment: int | None = None
