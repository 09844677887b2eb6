// Never lose typed work: autosave drafts, post comments and uploads without reloading,
// submit once, 全部符合 for checklists, insert attachment images, live preview.
// Every form still posts normally without JavaScript.
(function () {
  document.documentElement.classList.add('js');
  var FETCH = { 'X-Requested-With': 'fetch' };

  function post(url, body) {
    return fetch(url, { method: 'POST', body: body, headers: FETCH, credentials: 'same-origin' })
      .then(function (r) {
        return r.json().catch(function () { return { ok: false, message: '服务器返回错误（' + r.status + '）' }; })
          .then(function (data) { data.status = r.status; return data; });
      });
  }
  function hhmm(d) { return ('0' + d.getHours()).slice(-2) + ':' + ('0' + d.getMinutes()).slice(-2); }
  function debounce(fn, ms) {
    var timer = null;
    var run = function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
    run.cancel = function () { clearTimeout(timer); };
    return run;
  }

  // -- comments and attachments: fetch, then redraw the box; the typed form stays untouched
  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!form.classList || !form.classList.contains('js-async')) { return; }
    ev.preventDefault();
    var button = form.querySelector('button[type=submit]');
    var status = form.querySelector('.async-status');
    button.disabled = true;
    if (status) { status.textContent = '正在提交…'; }
    post(form.action, new FormData(form)).then(function (data) {
      var box = document.getElementById(form.getAttribute('data-box'));
      if (data.html && box) {
        box.outerHTML = data.html;
        box = document.getElementById(form.getAttribute('data-box'));
        showInsertButtons();
      } else { button.disabled = false; }
      var note = box && box.querySelector('.async-status');
      if (note) {
        note.textContent = data.message || '';
        note.classList.toggle('bad', !data.ok);
      }
    }).catch(function () {
      button.disabled = false;
      if (status) { status.textContent = '网络错误，请重试（已填写的内容仍在）。'; }
    });
  });

  // -- the task form
  var form = document.querySelector('form.task-form');
  if (form) { taskForm(form); }

  function taskForm(form) {
    var status = form.querySelector('.autosave-status');
    var submitting = false;
    var save = debounce(function () {
      if (submitting) { return; }
      var data = new FormData(form);
      data.delete('action');
      status.textContent = '正在自动保存…';
      post(form.getAttribute('data-autosave'), data).then(function (res) {
        if (submitting) { return; }
        status.textContent = res.saved ? '已自动保存 ' + hhmm(new Date(res.at)) : '自动保存失败，请点“保存草稿”';
        status.classList.toggle('bad', !res.saved);
      }).catch(function () { status.textContent = '自动保存失败（网络），内容仍在本页'; });
    }, 1200);
    form.addEventListener('input', save);
    form.addEventListener('change', save);

    form.addEventListener('submit', function (ev) {
      var by = ev.submitter;
      if (submitting) { ev.preventDefault(); return; }
      if (by && by.getAttribute('data-decision')) {
        var radio = form.querySelector('input[name=decision][value=' + by.getAttribute('data-decision') + ']');
        if (radio) { radio.checked = true; }
      }
      submitting = true;
      save.cancel();
      // disable after the browser has read the clicked button's name and value
      setTimeout(function () {
        form.querySelectorAll('.sticky-actions button').forEach(function (b) { b.disabled = true; });
        if (by) { by.textContent = '提交中…'; }
      }, 0);
    });

    form.querySelectorAll('fieldset.checklist').forEach(function (set) {
      var all = document.createElement('button');
      all.type = 'button';
      all.className = 'all-pass big';
      all.textContent = '全部符合';
      all.addEventListener('click', function () {
        set.querySelectorAll('input[type=radio][value=pass]').forEach(function (r) { r.checked = true; });
        set.querySelectorAll('tr').forEach(function (tr) { tr.classList.remove('failing'); });
        save();
      });
      set.querySelector('legend').after(all);
    });
    var decisions = Array.prototype.map.call(form.querySelectorAll('input[name=decision]'), function (r) { return r.value; });
    if (decisions.length && decisions.every(function (v) { return v === 'approve' || v === 'return'; })) {
      form.classList.add('has-decision-bar');
    }
    preview(form);
  }

  // -- images: insert an attachment into the body; live preview with warnings
  function body() { return document.getElementById('f-body'); }
  function showInsertButtons() {
    document.querySelectorAll('.insert-image').forEach(function (b) { b.hidden = !body(); });
  }
  showInsertButtons();
  document.addEventListener('click', function (ev) {
    var b = ev.target.closest && ev.target.closest('.insert-image');
    var area = body();
    if (!b || !area) { return; }
    var text = '\n' + b.getAttribute('data-markdown') + '\n';
    var at = area.selectionStart || area.value.length;
    area.value = area.value.slice(0, at) + text + area.value.slice(area.selectionEnd || at);
    area.focus();
    area.dispatchEvent(new Event('input', { bubbles: true }));
  });

  function preview(form) {
    var area = body(), pane = document.getElementById('body-preview');
    if (!area || !pane) { return; }
    var render = debounce(function () {
      var data = new FormData();
      data.append('csrf_token', form.querySelector('input[name=csrf_token]').value);
      data.append('body', area.value);
      data.append('instance_id', form.getAttribute('data-instance'));
      post(form.getAttribute('data-preview'), data).then(function (res) {
        pane.querySelector('.preview-body').innerHTML = res.html || '';
        var warn = pane.querySelector('.preview-warnings');
        warn.innerHTML = '';
        (res.warnings || []).forEach(function (w) {
          var p = document.createElement('p');
          p.className = 'strip-warning';
          p.textContent = w;
          warn.appendChild(p);
        });
      });
    }, 500);
    area.addEventListener('input', render);
    render();
  }

  // -- inbox filters: folded on phones unless some are in use
  var filters = document.querySelector('details.filter-box');
  if (filters && window.matchMedia('(max-width: 760px)').matches && !filters.hasAttribute('data-active')) {
    filters.open = false;
  }
})();
