// 预审规则: the working copy of the rules files lives in this page's text boxes; 「试一试」 and
// 「部署」 post every edited file (the server lays them over the rules in use). Nothing edited
// is in use until deployed.
(function () {
  var box = document.getElementById('ps-rules');
  if (!box) { return; }
  var token = document.querySelector('meta[name=csrf-token]').getAttribute('content');
  var texts = Array.prototype.slice.call(box.querySelectorAll('textarea.ps-text'));
  var error = document.getElementById('ps-error'), result = document.getElementById('ps-result');
  var status = document.getElementById('ps-status');

  function working() {  // every file, so an unchanged copy still names what it deploys
    var files = {};
    texts.forEach(function (t) { files[t.dataset.file] = t.value; });
    return files;
  }
  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': token },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return { message: '服务器没有给出可读的答复（' + r.status + '）。' }; })
        .then(function (data) { data.httpOk = r.ok; return data; });
    }).catch(function () { return { httpOk: false, message: '网络错误，请稍后重试；没有作任何更改。' }; });
  }
  function showError(data, inBox) {
    if (inBox) { error.hidden = false; error.textContent = data.message || '请求有误。'; }
    var file = data.errors && Object.keys(data.errors).filter(function (k) { return /\.yaml$/.test(k); })[0];
    var editor = file && box.querySelector('.ps-editor[data-file="' + file + '"]');
    if (editor) {
      var line = editor.querySelector('.ps-file-error');
      line.textContent = data.message;
      line.hidden = false;
      open(file);
    }
  }
  function clearFileErrors() {
    box.querySelectorAll('.ps-file-error').forEach(function (p) { p.hidden = true; p.textContent = ''; });
  }
  function mark(t) {
    var row = box.querySelector('tr[data-file="' + t.dataset.file + '"] .ps-edited');
    if (row) { row.hidden = t.value === t.defaultValue; }
  }
  function open(name, quiet) {
    box.querySelectorAll('.ps-editor').forEach(function (ed) { ed.hidden = ed.dataset.file !== name; });
    box.querySelectorAll('tr[data-file]').forEach(function (tr) { tr.classList.toggle('ps-current', tr.dataset.file === name); });
    var t = box.querySelector('textarea.ps-text[data-file="' + name + '"]');
    if (t && !quiet) { t.focus(); }
  }
  box.querySelectorAll('button.ps-open').forEach(function (b) {
    b.addEventListener('click', function () { open(b.dataset.file); });
  });
  box.querySelectorAll('button.ps-revert').forEach(function (b) {
    b.addEventListener('click', function () {
      var t = box.querySelector('textarea.ps-text[data-file="' + b.dataset.file + '"]');
      t.value = t.defaultValue;
      mark(t);
    });
  });
  texts.forEach(function (t) { t.addEventListener('input', function () { mark(t); }); });

  document.getElementById('btn-ps-try').addEventListener('click', function () {
    box.setAttribute('data-tried', 'pending');
    post(box.dataset.try, { files: working(), text: document.getElementById('ps-sample').value }).then(function (data) {
      error.hidden = data.httpOk;
      clearFileErrors();
      if (data.httpOk) { result.innerHTML = data.html; } else { result.innerHTML = ''; showError(data, true); }  // html escaped by the server
      box.setAttribute('data-tried', data.httpOk ? 'ok' : 'error');
    });
  });
  document.getElementById('btn-ps-deploy').addEventListener('click', function () {
    var button = this;
    button.disabled = true;
    var note = document.getElementById('ps-note').value;
    post(box.dataset.deploy, { files: working(), note: note, base: box.dataset.base }).then(function (data) {
      button.disabled = false;
      status.textContent = data.message || '';
      status.className = 'status-line ' + (data.httpOk ? 'ok' : 'bad');
      clearFileErrors();
      if (!data.httpOk) { showError(data, false); return; }
      box.dataset.base = data.version;
      document.getElementById('rules-version').textContent = data.version;
      document.getElementById('rules-state').innerHTML = '<span class="tag ok">已部署</span>';
      Object.keys(data.counts || {}).forEach(function (name) {
        var cell = box.querySelector('tr[data-file="' + name + '"] .ps-count');
        if (cell) { cell.textContent = data.counts[name]; }
      });
      document.getElementById('ps-versions').innerHTML = data.html;  // rendered and escaped by the server
      texts.forEach(function (t) { t.defaultValue = t.value; mark(t); });  // the deployed text is the new base
      box.setAttribute('data-deployed', data.version);
    });
  });
  if (texts.length) { open(texts[0].dataset.file, true); }
})();
