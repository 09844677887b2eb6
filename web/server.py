"""``shenfa serve``: the product behind a production WSGI server.

One process (``--workers 1``, the default): waitress with threads and the background
worker embedded.  Several (``--workers N``): gunicorn's pre-fork master with N processes
of threads, and one ``shenfa worker`` process for timers and mail — each a child of this
process, started after the schema is migrated and the secret key exists, stopped together.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time

from flask import Flask
from waitress import serve as waitress_serve
from werkzeug.middleware.proxy_fix import ProxyFix

from engine.app.prescreen import warm_up
from engine.app.setup import start_in_thread

from . import create_app
from .config import ConfigError


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

#: Plain http on this machine only: a Secure cookie would never be sent back.
LOOPBACK = {"SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False}


def behind_proxies(app: Flask) -> Flask:
    """Trust ``X-Forwarded-For/-Proto/-Host`` from ``SHENFA_PROXIES`` proxies in front.

    Behind a load balancer every request comes from the balancer's address: without this
    the sign-in lockout, kept per user and client address, would count every client's
    failures as one address's, and the audit log would name the balancer.
    """
    count = app.config.get("PROXIES", 0)
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 5:
        raise ConfigError(f"SHENFA_PROXIES 须为 0 到 5 的整数（前置代理的层数），而不是 {count!r}")
    if count:
        proxied = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
        app.wsgi_app = proxied  # type: ignore[method-assign] # Flask's documented way
    return app


def serve(host: str = "127.0.0.1", port: int = 5000, threads: int = THREADS,
          worker: bool = True, workers: int = 1) -> int:
    """Migrate the database and serve the app until interrupted; return the exit code."""
    if workers > 1:
        return serve_many(host, port, threads, worker, workers)
    app = behind_proxies(create_app({"MIGRATE": True, **(LOOPBACK if is_loopback(host) else {})}))
    if worker:  # supervised: restarted if it ever exits; /healthz reports on it
        app.extensions["shenfa_supervisor"] = start_in_thread(app.extensions["shenfa"])
    warm_up()  # the pre-screen's dictionary, before the first post needs it
    print(f"审发 shenfa: http://{host}:{port}/  (waitress, {threads} threads"
          f"{', embedded worker' if worker else ''})")
    # waitress buffers a chunked body before the app sees it: cap it at the largest upload.
    largest = int(float(app.config["MAX_UPLOAD_MB"]) * 1048576) + 65536
    waitress_serve(app, host=host, port=port, threads=threads, ident="shenfa",
                   max_request_body_size=largest)
    return 0


def serve_many(host: str, port: int, threads: int, worker: bool, workers: int) -> int:
    """Serve with ``workers`` gunicorn processes and one worker process (if ``worker``)."""
    # Once, before any child starts: N processes would race to migrate and to create
    # var/secret_key (every process must sign and check sessions with the same key).
    app = behind_proxies(create_app({"MIGRATE": True}))  # a bad setting: refused here, once
    check_free(host, port)
    app.extensions["shenfa"].db.dispose()
    env = child_environment(host, app.config["SECRET_KEY"])
    print(f"审发 shenfa: http://{host}:{port}/  (gunicorn, {workers} processes × {threads} "
          f"threads{', one worker process' if worker else ''})", flush=True)
    children = Children(env)
    return children.run(gunicorn_command(host, port, threads, workers),
                        worker_command() if worker else None)


def check_free(host: str, port: int) -> None:
    """Refuse a port already taken, in one line (gunicorn would retry, then log at length)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.create_server((host, port), family=family):
        pass


def child_environment(host: str, secret: str) -> dict[str, str]:
    """Return the children's environment: this one, the secret key, loopback cookies."""
    env = {**os.environ, "SHENFA_SECRET_KEY": secret}
    if is_loopback(host):
        env.update({f"SHENFA_{k}": "false" for k in LOOPBACK})
    return env


#: seconds a request may run before gunicorn replaces its process (an audit PDF export of
#: a large register takes tens of seconds; gunicorn's default of 30 would cut it off)
TIMEOUT = 120


def gunicorn_command(host: str, port: int, threads: int, workers: int) -> list[str]:
    """Return the command line of gunicorn's master for ``web.wsgi:app``."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return [sys.executable, "-m", "gunicorn", "--bind", bind, "--workers", str(workers),
            "--worker-class", "gthread", "--threads", str(threads),
            "--timeout", str(TIMEOUT), "--graceful-timeout", "30", "--keep-alive", "5",
            "--no-control-socket", "web.wsgi:app"]


def worker_command() -> list[str]:
    """Return the command line of ``shenfa worker`` run by this Python."""
    return [sys.executable, "-m", "web.cli", "worker"]


class Children:
    """Run the web server and the worker as children; restart the worker; stop both."""

    RESTART_AFTER = 5.0  # seconds between restarts of a worker that keeps exiting

    def __init__(self, env: dict[str, str]):
        self.env, self.stopping = env, False
        self.worker: subprocess.Popen | None = None
        self.started = 0.0

    def run(self, web: list[str], worker: list[str] | None) -> int:
        """Start both, watch them until the web server exits or a signal comes."""
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        server = subprocess.Popen(web, env=self.env)
        try:
            while not self.stopping and server.poll() is None:
                if worker is not None:
                    self._keep(worker)
                time.sleep(0.2)
        finally:
            self._end(server)
        return 0 if self.stopping else (server.returncode or 0)

    def _stop(self, _signum: int, _frame: object) -> None:
        self.stopping = True

    def _keep(self, command: list[str]) -> None:
        """Start the worker, or start it again once it has exited (not too often)."""
        if self.worker is not None and self.worker.poll() is None:
            return
        if time.monotonic() - self.started < self.RESTART_AFTER:
            return
        if self.worker is not None:
            print(f"shenfa worker exited ({self.worker.returncode}); restarting it",
                  file=sys.stderr, flush=True)
        self.worker, self.started = subprocess.Popen(command, env=self.env), time.monotonic()

    def _end(self, server: subprocess.Popen) -> None:
        """Stop gracefully: gunicorn finishes its requests, the worker its round."""
        for proc, how in ((server, signal.SIGTERM), (self.worker, signal.SIGINT)):
            if proc is not None and proc.poll() is None:
                proc.send_signal(how)
        for proc in (server, self.worker):
            if proc is not None:
                _wait(proc, 40)


def _wait(proc: subprocess.Popen, seconds: float) -> None:
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
