"""A hardened XML parser for every model and upload this product reads.

No DTDs, no entity expansion, no network access, bounded size.
"""

from __future__ import annotations

from lxml import etree

MAX_MODEL_BYTES = 2 * 1024 * 1024


class UnsafeXML(ValueError):
    """Raised for XML that is refused before it is parsed as a model."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def parse(data: bytes | str, filename: str = "<model>") -> etree._ElementTree:
    """Parse ``data`` and return the tree, refusing DTDs, entities and huge input."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_MODEL_BYTES:
        raise UnsafeXML(f"{filename}: 文件过大 (larger than {MAX_MODEL_BYTES} bytes)")
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
        raise UnsafeXML(f"{filename}:1: 不允许 DTD 或实体声明 (DTD/entity declarations refused)")
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as err:
        line = err.lineno or 1
        raise UnsafeXML(f"{filename}:{line}: XML 语法错误 (malformed XML): {err.msg}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype:
        raise UnsafeXML(f"{filename}:1: 不允许 DTD (DTD refused)")
    return tree
