"""The group robot (企业微信/钉钉): posted after commit to a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from engine.notify import webhook
from engine.run.worker import Worker
from engine.store.schema import WebhookMessage

START = {"title": "冬季心血管健康提示", "media": ["订阅号"]}
DRAFT = {"media": ["订阅号"], "title": "冬季心血管健康提示", "body": "注意保暖。", "source": "原创"}


class Robot:
    """A group robot on 127.0.0.1: records each POST and answers with ``answers`` in turn."""

    def __init__(self):
        self.received: list[dict] = []
        self.answers: list[tuple[int, dict]] = []
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers["Content-Length"])
                robot.received.append({"path": self.path, "type": self.headers["Content-Type"],
                                       "body": json.loads(self.rfile.read(length))})
                status, answer = robot.answers.pop(0) if robot.answers else (200, {"errcode": 0})
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/webhook/send?key=k1"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot(monkeypatch):
    served = Robot()
    monkeypatch.setenv("SHENFA_WEBHOOK_URL", served.url)
    monkeypatch.setenv("SHENFA_WEBHOOK_KIND", "wecom")
    monkeypatch.setenv("SHENFA_BASE_URL", "http://127.0.0.1:5000/")
    yield served
    served.close()


def pending(engine) -> list[WebhookMessage]:
    with engine.db.transaction() as session:
        return list(session.scalars(select(WebhookMessage).order_by(WebhookMessage.id)))


def test_a_new_pool_task_is_one_group_message_naming_every_holder(drive, engine, robot):
    instance = drive.start("three_review", "zhangwei", START)
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    assert robot.received == []  # nothing leaves before the worker runs, after commit
    assert Worker(engine).run_once()["mailed"] == 1
    (sent,) = robot.received
    assert sent["path"].endswith("?key=k1") and sent["type"].startswith("application/json")
    assert sent["body"]["msgtype"] == "markdown"
    content = sent["body"]["markdown"]["content"]
    assert "【新待办】审稿（一审一校）：冬季心血管健康提示" in content and "请留意：吴华、周杰" in content
    assert "时间：2026-11-26 17:00" in content  # local time, not UTC
    assert f"[打开事项 #{instance}](http://127.0.0.1:5000/items/{instance})" in content
    assert [m.status for m in pending(engine)] == ["sent"]
    assert Worker(engine).run_once()["mailed"] == 0  # sent once only


def test_dingtalk_gets_its_own_body_and_a_signed_url(drive, engine, robot, monkeypatch):
    monkeypatch.setenv("SHENFA_WEBHOOK_KIND", "dingtalk")
    monkeypatch.setenv("SHENFA_WEBHOOK_SECRET", "SEC-test")
    instance = drive.start("three_review", "zhangwei", START)
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    Worker(engine).run_once()
    (sent,) = robot.received
    body = sent["body"]
    assert set(body["markdown"]) == {"title", "text"} and body["markdown"]["title"].startswith("审发【新待办】")
    query = parse_qs(urlsplit(sent["path"]).query)
    stamp, sign = query["timestamp"][0], query["sign"][0]
    expected = base64.b64encode(hmac.new(b"SEC-test", f"{stamp}\nSEC-test".encode(),
                                         hashlib.sha256).digest()).decode()
    assert sign == expected


@pytest.mark.parametrize("answer", [(500, {"error": "busy"}), (200, {"errcode": 310000,
                                                                      "errmsg": "keywords not in content"})])
def test_a_refused_post_is_retried_later_and_the_step_stands(drive, engine, robot, clock, answer):
    robot.answers.append(answer)
    instance = drive.start("three_review", "zhangwei", START)
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    assert Worker(engine).run_once()["mailed"] == 0
    (message,) = pending(engine)
    assert (message.status, message.attempts) == ("pending", 1) and message.error
    assert drive.open_specs(instance) == ["Task_review"]
    assert Worker(engine).run_once()["mailed"] == 0  # backing off: not yet
    clock.advance(seconds=3)
    assert Worker(engine).run_once()["mailed"] == 1
    assert [m.status for m in pending(engine)] == ["sent"] and len(robot.received) == 2


def test_an_unreachable_robot_gives_up_after_the_last_attempt(drive, engine, robot, clock, monkeypatch):
    robot.close()
    monkeypatch.setenv("SHENFA_WEBHOOK_TIMEOUT", "1")
    instance = drive.start("three_review", "zhangwei", START)
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    for _ in range(webhook.MAX_ATTEMPTS):
        Worker(engine).run_once()
        clock.advance(seconds=601)
    (message,) = pending(engine)
    assert (message.status, message.attempts) == ("failed", webhook.MAX_ATTEMPTS)


def test_without_a_url_nothing_is_queued(drive, engine, monkeypatch):
    monkeypatch.delenv("SHENFA_WEBHOOK_URL", raising=False)
    instance = drive.start("three_review", "zhangwei", START)
    drive.act(instance, "Task_draft", "zhangwei", DRAFT)
    assert pending(engine) == []


@pytest.mark.parametrize("url,kind", [("https://oapi.dingtalk.com/robot/send?access_token=x", "dingtalk"),
                                      ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "wecom")])
def test_the_kind_is_guessed_from_the_url(url, kind):
    assert webhook.guess_kind(url) == kind


def test_an_unknown_kind_is_refused(monkeypatch):
    monkeypatch.setenv("SHENFA_WEBHOOK_URL", "http://127.0.0.1:9/x")
    monkeypatch.setenv("SHENFA_WEBHOOK_KIND", "slack")
    with pytest.raises(ValueError, match="SHENFA_WEBHOOK_KIND"):
        webhook.WebhookSettings.from_env()
