"""The ``shenfa`` command: the engine's commands plus ``serve`` (which needs the web layer).

The engine never imports the web layer; the web layer extends the engine's
click group instead.
"""

from __future__ import annotations

import click

from engine.cli import main


@main.command(help="启动网页服务：单进程用 waitress 并内嵌后台 worker；--workers N 用 gunicorn 多进程"
                   "并另起一个 worker 进程（需 PostgreSQL）。")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
@click.option("--port", default=5000, show_default=True, type=int, help="端口")
@click.option("--threads", default=12, show_default=True, type=click.IntRange(1, 64),
              help="每个进程的工作线程数")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="网页服务进程数（大于 1 时需 PostgreSQL）")
@click.option("--worker/--no-worker", default=True, show_default=True,
              help="运行定时器与邮件 worker（多台机器时只在一台运行，或改用 shenfa worker）")
def serve(host: str, port: int, threads: int, workers: int, worker: bool) -> None:
    from .server import serve as run_server

    code = run_server(host, port, threads, worker, workers)
    if code:
        raise SystemExit(code)


__all__ = ["main"]

if __name__ == "__main__":
    main()
