# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ASSETS := node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js

.PHONY: run test system-deps pdf-deps assets demo bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

# Browser assets (bpmn-js) from the npm registry, served locally — never from a CDN.
$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(ASSETS)

assets: $(ASSETS)

# Debian packages the printed records (附件1/附件2) need at run time: Pango for WeasyPrint's
# PDF layout and CJK fonts so Chinese renders.  `run` and `test` both depend on it.
pdf-deps:
	@if ! ldconfig -p | grep -q libpangoft2-1.0 || [ -z "$$(fc-list :lang=zh 2>/dev/null)" ]; then \
		echo "installing Pango and fonts-noto-cjk for PDF records (Debian packages)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk; \
	fi

# Debian packages the tests need: a PostgreSQL server, Chromium and CJK fonts for the
# browser tests, and npm for the assets.
system-deps: pdf-deps
	@if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
		echo "installing PostgreSQL server (Debian package)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	fi
	@if ! command -v chromium >/dev/null 2>&1 || [ -z "$$(fc-list :lang=zh 2>/dev/null)" ]; then \
		echo "installing chromium and fonts-noto-cjk (Debian packages)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; \
	fi
	@if ! command -v npm >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; \
	fi

run: $(STAMP) $(ASSETS) pdf-deps
	$(BIN)/shenfa init --demo
	$(BIN)/shenfa demo
	$(BIN)/shenfa serve --host 127.0.0.1 --port 5000

test: $(STAMP) system-deps $(ASSETS)
	$(BIN)/ruff check engine web tests bench tools
	$(BIN)/mypy
	$(BIN)/pytest -q -n auto --dist loadfile

bench: $(STAMP)
	$(BIN)/python bench/three_review.py
	$(BIN)/python bench/timers.py
	$(BIN)/python bench/inbox.py
	$(BIN)/python bench/audit.py
	$(BIN)/python bench/liveness.py
	$(BIN)/python bench/sign_in.py
	$(BIN)/python bench/returns.py

lint: $(STAMP)
	$(BIN)/ruff check engine web tests bench tools

clean:
	rm -rf $(VENV) var node_modules
