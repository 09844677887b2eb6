"""``shenfa serve``: the product behind waitress, a production WSGI server."""

from __future__ import annotations

import ipaddress

from waitress import serve as waitress_serve

from engine.run.worker import start_in_thread

from . import create_app


def is_loopback(host: str) -> bool:
    """Return True for 127.0.0.0/8, ::1 and localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


#: A browser loads a page over up to six connections at once (HTML, styles, scripts, the
#: diagram, the bell); with 4 threads one person's page queued requests and waitress warned
#: "Task queue depth".  12 serve two people loading at once and stay under the database
#: pool's 15 connections (SQLAlchemy's 5 + 10 overflow), so no request waits for a connection.
THREADS = 12


def serve(host: str = "127.0.0.1", port: int = 5000, threads: int = THREADS,
          worker: bool = True) -> None:
    """Migrate the database and serve the app until interrupted (with an embedded worker)."""
    config = {"MIGRATE": True}
    if is_loopback(host):
        # Plain http on this machine only: a Secure cookie would never be sent back.
        config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    app = create_app(config)
    if worker:  # supervised: restarted if it ever exits; /healthz reports on it
        app.extensions["shenfa_supervisor"] = start_in_thread(app.extensions["shenfa"])
    print(f"审发 shenfa: http://{host}:{port}/  (waitress, {threads} threads"
          f"{', embedded worker' if worker else ''})")
    # waitress buffers a chunked body before the app sees it: cap it at the largest upload.
    largest = int(float(app.config["MAX_UPLOAD_MB"]) * 1048576) + 65536
    waitress_serve(app, host=host, port=port, threads=threads, ident="shenfa",
                   max_request_body_size=largest)
