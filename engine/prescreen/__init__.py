"""The pre-screen (issue 15): read a post against 第七、九、十条 and mark what a reviewer must see.

``screen(text, attachments=..., rules=...)`` returns :class:`Finding` objects; it never
approves or returns a post.  Rules are data (``rules/prescreen/*.yaml``), see docs/prescreen.md.
"""

from engine.prescreen.finding import CATEGORIES, CHECKLIST, SEVERITIES, Finding
from engine.prescreen.rules import RulesError, RuleSet, load_rules, parse_rules, rules_dir
from engine.prescreen.screen import default_rules, screen

__all__ = ["CATEGORIES", "CHECKLIST", "SEVERITIES", "Finding", "RuleSet", "RulesError", "default_rules",
           "load_rules", "parse_rules", "rules_dir", "screen"]
