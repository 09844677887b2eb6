"""Every procedure's diagram imports into bpmn-js without errors or warnings.

The viewer is the one the item page uses (``node_modules/bpmn-js``); the test is
skipped where Chromium or the viewer is not installed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
VIEWER = ROOT / "node_modules" / "bpmn-js" / "dist" / "bpmn-navigated-viewer.production.min.js"
MODELS = sorted((ROOT / "processes").glob("*.bpmn"))

pytestmark = pytest.mark.skipif(not (Path(CHROMIUM).exists() and VIEWER.exists()),
                                reason="Chromium or bpmn-js is not installed")

IMPORT = """async (xml) => {
  const box = document.createElement('div');
  box.style.width = '1600px'; box.style.height = '900px';
  document.body.appendChild(box);
  const viewer = new window.BpmnJS({ container: box });
  const result = await viewer.importXML(xml);
  const drawn = viewer.get('elementRegistry').getAll().filter(e => e.type !== 'label');
  return { warnings: result.warnings.map(w => w.message), drawn: drawn.length };
}"""


@pytest.fixture(scope="module")
def page():
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        tab = browser.new_page()
        tab.set_content("<html><body></body></html>")
        tab.add_script_tag(path=str(VIEWER))
        yield tab
        browser.close()


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_the_diagram_imports_cleanly(page, path):
    xml = path.read_text(encoding="utf-8")
    result = page.evaluate(IMPORT, xml)
    assert result["warnings"] == []
    shapes = xml.count("<bpmndi:BPMNShape") + xml.count("<bpmndi:BPMNEdge")
    assert result["drawn"] >= shapes, json.dumps(result, ensure_ascii=False)
