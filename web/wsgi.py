"""The WSGI application for gunicorn (``shenfa serve --workers N``): one per process.

Settings come from ``SHENFA_*`` variables, which ``web.server.serve_many`` sets for its
children (the secret key, loopback cookies); the schema is already migrated.
"""

from __future__ import annotations

from gunicorn.http import wsgi as gunicorn_wsgi

from engine.app.prescreen import warm_up

from . import create_app
from .server import behind_proxies

# Answer "Server: shenfa" as waitress does, not gunicorn's name and version.
gunicorn_wsgi.SERVER = "shenfa"

app = behind_proxies(create_app())
warm_up()  # each process loads the pre-screen's dictionary before the first post needs it
