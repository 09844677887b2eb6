// The BPMN modeler page: bpmn-js Modeler with the spiffworkflow moddle extension, drafts,
// checks shown on the diagram, deploy with a change note.
(function () {
  var box = document.getElementById('canvas');
  if (!box || !window.BpmnJS) { return; }
  var status = document.getElementById('status'), list = document.getElementById('findings');
  var token = document.querySelector('meta[name=csrf-token]').getAttribute('content');
  var modeler = null, marked = [], dirty = false, base = null;

  function setDirty(value) {
    dirty = value;
    box.setAttribute('data-dirty', String(value));
  }
  window.addEventListener('beforeunload', function (e) {
    if (dirty) { e.preventDefault(); e.returnValue = ''; }
  });

  function say(message, bad) {
    status.textContent = message;
    status.className = 'status-line' + (bad ? ' bad' : ' ok');
  }
  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': token }
    }).then(function (r) { return r.json().then(function (data) { data.httpStatus = r.status; return data; }); });
  }
  function xml() { return modeler.saveXML({ format: true }).then(function (r) { return r.xml; }); }

  function clearFindings() {
    var canvas = modeler.get('canvas');
    modeler.get('overlays').remove({ type: 'finding' });
    marked.forEach(function (id) { canvas.removeMarker(id, 'has-finding'); });
    marked = [];
    list.textContent = '';
  }
  function showFindings(findings) {
    clearFindings();
    var canvas = modeler.get('canvas'), registry = modeler.get('elementRegistry');
    if (!findings.length) {
      var ok = document.createElement('li'); ok.className = 'ok'; ok.textContent = '检查通过，没有发现问题。';
      list.appendChild(ok); return;
    }
    findings.forEach(function (f) {
      var item = document.createElement('li');
      item.className = 'finding';
      item.textContent = (f.element_id ? '[' + f.element_id + '] ' : '') + f.message;
      list.appendChild(item);
      if (!f.element_id || !registry.get(f.element_id)) { return; }
      canvas.addMarker(f.element_id, 'has-finding');
      marked.push(f.element_id);
      var badge = document.createElement('div');
      badge.className = 'finding-badge'; badge.title = f.message; badge.textContent = '!';
      badge.setAttribute('data-element', f.element_id);
      modeler.get('overlays').add(f.element_id, 'finding', { position: { top: -10, right: 10 }, html: badge });
      item.addEventListener('click', function () { modeler.get('selection').select(registry.get(f.element_id)); });
    });
  }

  function save() {
    return xml().then(function (text) { return post(box.dataset.save, { xml: text, base: base }); })
      .then(function (data) {
        say(data.message, data.httpStatus !== 200);
        if (data.httpStatus === 200) { setDirty(false); base = data.token; }
      });
  }
  function check() {
    return xml().then(function (text) { return post(box.dataset.check, { xml: text }); })
      .then(function (data) {
        if (data.findings === undefined) { say(data.message, true); return; }
        showFindings(data.findings);
        say(data.ok ? '检查通过。' : '发现 ' + data.findings.length + ' 个问题，已在图上标出。', !data.ok);
      });
  }
  function deploy() {
    var note = document.getElementById('deploy-note').value.trim();
    if (!note) { say('请填写变更说明。', true); return Promise.resolve(); }
    say('正在检查并部署…');
    return xml().then(function (text) { return post(box.dataset.deploy, { xml: text, note: note, base: base }); })
      .then(function (data) {
        if (data.findings) { showFindings(data.findings); }
        else if (data.ok) { showFindings([]); }
        say(data.message, !data.ok);
        if (data.ok) { setDirty(false); base = data.token; box.setAttribute('data-deployed', String(data.version)); }
        offerRedeploy(data.ok ? data.callers || [] : []);
      });
  }
  // A called model (three_review) is pinned by its callers: offer to redeploy them at once.
  function offerRedeploy(callers) {
    var old = document.getElementById('redeploy-callers');
    if (old) { old.remove(); }
    if (!callers.length) { return; }
    var button = document.createElement('button');
    button.type = 'button'; button.id = 'redeploy-callers'; button.className = 'primary';
    button.textContent = '重新部署调用方（' + callers.map(function (c) { return c.name; }).join('、') + '）';
    button.addEventListener('click', function () {
      button.disabled = true;
      post(box.dataset.redeploy, {}).then(function (data) {
        say(data.message, !data.ok);
        if (data.ok) { button.remove(); }
        else { button.disabled = false; }
      });
    });
    status.after(button);
  }

  Promise.all([
    fetch(box.dataset.descriptor).then(function (r) { return r.json(); }),
    fetch(box.dataset.source, { credentials: 'same-origin' }).then(function (r) { return r.json(); })
  ]).then(function (loaded) {
    var source = loaded[1];
    base = source.token;
    modeler = new window.BpmnJS({ container: box, keyboard: { bindTo: document },
                                  additionalModules: window.ShenfaTranslate ? [window.ShenfaTranslate] : [],
                                  moddleExtensions: { spiffworkflow: loaded[0] } });
    window.shenfaModeler = modeler;  // for tests and the browser console
    window.ShenfaPanel(modeler, document.getElementById('panel'), { roles: source.roles, forms: source.forms, properties: source.properties, formsUrl: box.dataset.forms });
    return modeler.importXML(source.xml).then(function () {
      // fit, then leave room on the left for the palette and on the right for the context pad
      var canvas = modeler.get('canvas');
      canvas.zoom('fit-viewport', 'auto');
      canvas.zoom(canvas.zoom() * 0.85, 'auto');
      canvas.scroll({ dx: 40, dy: 0 });
      box.setAttribute('data-ready', 'true');
      modeler.on('commandStack.changed', function () {
        setDirty(true);
        say('有未保存的更改。');
      });
      say(source.draft ? '已打开草稿。' : '已打开最新部署版本。');
    });
  }).catch(function (err) { say('建模器加载失败：' + err, true); });

  document.getElementById('btn-save').addEventListener('click', save);
  document.getElementById('btn-check').addEventListener('click', check);
  document.getElementById('btn-deploy').addEventListener('click', deploy);
})();
