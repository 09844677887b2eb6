"""Form files: read from ``forms/``, their ``$ref``s resolved (bounded depth, inside the folder).

The format is described in :mod:`engine.model.forms`, which checks a form and turns it into the
marshmallow schema that validates submissions.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
APPROVE = "approve"
CHECK_ANSWERS = ["pass", "fail"]


class FormError(ValueError):
    """Raised for a form file that is missing or not a valid form schema."""


class FormInvalid(ValueError):
    """Raised when submitted data fails validation; ``errors`` maps field to messages."""

    def __init__(self, errors: dict[str, Any]):
        super().__init__("表单校验未通过: " + json.dumps(errors, ensure_ascii=False))
        self.errors = errors


def read_form_file(forms_dir: Path, name: str) -> dict:
    """Read form ``name`` from ``forms_dir`` with its shared fragments resolved (not yet checked)."""
    if not NAME_RE.match(name):
        raise FormError(f"非法的表单名 (invalid form name): {name!r}")
    path = forms_dir / f"{name}.json"
    if not path.is_file():
        raise FormError(f"表单文件不存在 (form file missing): {path.name}")
    return _resolve(_read_json(path), forms_dir, depth=0)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise FormError(f"{path.name}:{err.lineno}: JSON 语法错误: {err.msg}") from None


def _resolve(node: Any, forms_dir: Path, depth: int) -> Any:
    if depth > 8:
        raise FormError("$ref 嵌套过深 (too deeply nested $ref)")
    if isinstance(node, list):
        return [_resolve(item, forms_dir, depth) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        if not re.fullmatch(r"_shared/[A-Za-z0-9_-]+\.json", ref):
            raise FormError(f"$ref 只能引用 _shared/ 下的文件: {ref!r}")
        included = _resolve(_read_json(forms_dir / ref), forms_dir, depth + 1)
        extra = {k: v for k, v in node.items() if k != "$ref"}
        return {**included, **extra}
    return {k: _resolve(v, forms_dir, depth) for k, v in node.items()}
