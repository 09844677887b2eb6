"""A bad ``SHENFA_TIMEZONE`` is refused in one line naming the setting, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.base import localtime
from web import create_app
from web.cli import main
from web.config import ConfigError, load_config

BAD = ["Mars/Olympus_Mons", "Asia", "../../etc/passwd", "/etc/localtime", "UTC+8", "."]


@pytest.fixture(autouse=True)
def _keep_zone():
    previous = localtime.zone().key
    yield
    localtime.set_zone(previous)


@pytest.mark.parametrize("name", BAD)
def test_serve_refuses_a_bad_zone_in_one_line(name, tmp_path):
    env = {"SHENFA_TIMEZONE": name, "SHENFA_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    res = CliRunner().invoke(main, ["serve", "--port", "1"], env=env)
    assert res.exit_code == 1
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "SHENFA_TIMEZONE" in lines[0] and "Traceback" not in res.output
    assert not (tmp_path / "x.sqlite").exists()  # refused before anything was touched


def test_the_installed_command_refuses_it_too(tmp_path):
    env = {**os.environ, "SHENFA_TIMEZONE": "Mars/Olympus_Mons",
           "SHENFA_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    out = subprocess.run([sys.executable, "-c", "from web.cli import main; main()", "serve",
                          "--port", "1"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert out.stderr.strip().count("\n") == 0 and "SHENFA_TIMEZONE" in out.stderr
    assert "Traceback" not in out.stderr + out.stdout


def test_create_app_raises_a_configuration_error(db_url, tmp_path):
    with pytest.raises(ConfigError, match="SHENFA_TIMEZONE.*Mars"):
        create_app({"DATABASE_URL": db_url, "TIMEZONE": "Mars/Olympus_Mons",
                    "VAR_DIR": str(tmp_path / "var"), "SECRET_KEY": "x"})
    app = create_app({"DATABASE_URL": db_url, "TIMEZONE": "Europe/Berlin",
                      "VAR_DIR": str(tmp_path / "var"), "SECRET_KEY": "x"})
    assert localtime.zone().key == "Europe/Berlin"
    app.extensions["shenfa"].db.dispose()


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.text(max_size=40), st.sampled_from(BAD + ["Asia/Shanghai", " UTC ", ""])))
def test_any_setting_is_a_zone_or_a_configuration_error(name):
    app = Flask(__name__)
    try:
        load_config(app, {"TIMEZONE": name, "SECRET_KEY": "x"})
    except ConfigError as err:
        assert "SHENFA_TIMEZONE" in str(err) and "\n" not in str(err)
    else:
        assert localtime.zone().key == (name.strip() or localtime.DEFAULT_ZONE)
