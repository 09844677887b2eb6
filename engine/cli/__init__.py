"""The ``shenfa`` command line: the group and common options in ``base``, one module per area."""

from engine.cli import audit, models, prescreen, registry, worker  # noqa: F401 - each registers its commands on ``main``
from engine.cli.base import main

__all__ = ["main"]
