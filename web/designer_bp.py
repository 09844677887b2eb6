"""The designer's blueprint and what all its pages share: who may enter, where forms live.

Its own module so that the designer's page modules import it, never each other.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app
from flask_login import current_user

from engine.org.policy import may_design

from .auth import login_manager
from .services import require

bp = Blueprint("designer", __name__, url_prefix="/designer")
ROOT = Path(__file__).resolve().parent.parent


@bp.before_request
def designers_only():
    """Send strangers to sign in and everyone but process designers away with 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    require(may_design)
    return None


def forms_dir() -> Path:
    """Return the folder of form files the workspace overlays (the app's setting, else forms/)."""
    return Path(current_app.config.get("FORMS_DIR") or ROOT / "forms")
