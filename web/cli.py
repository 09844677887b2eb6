"""The ``shenfa`` command: the engine's commands plus ``serve`` (which needs the web layer).

The engine never imports the web layer; the web layer extends the engine's
click group instead.
"""

from __future__ import annotations

import click

from engine.cli import main


@main.command(help="启动网页服务（waitress 生产级 WSGI 服务器），默认内嵌后台 worker。")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
@click.option("--port", default=5000, show_default=True, type=int, help="端口")
@click.option("--threads", default=12, show_default=True, type=int, help="工作线程数")
@click.option("--worker/--no-worker", default=True, show_default=True,
              help="在同一进程中运行定时器与邮件 worker（多台机器时可改用 shenfa worker）")
def serve(host: str, port: int, threads: int, worker: bool) -> None:
    from .server import serve as run_server

    run_server(host, port, threads, worker)


__all__ = ["main"]
