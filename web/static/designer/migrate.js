// Bulk migration: send the migratable items in small batches and show progress; re-running
// continues where an interrupted run stopped (migrated items are no longer on the old version).
(function () {
  var button = document.getElementById('btn-migrate');
  if (!button) { return; }
  var token = document.querySelector('meta[name=csrf-token]').getAttribute('content');
  var bar = document.getElementById('progress'), text = document.getElementById('progress-text');
  var LABELS = { migrated: '已迁移', untouched: '未迁移（保持原版本）', skipped: '已跳过' };

  function batch(ids) {
    return fetch(button.dataset.url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': token },
      body: JSON.stringify({ from: button.dataset.from, to: button.dataset.to, ids: ids })
    }).then(function (r) { return r.json(); });
  }
  function mark(result) {
    var row = document.querySelector('tr[data-id="' + result.instance_id + '"]');
    if (!row) { return; }
    row.querySelector('.outcome').textContent = LABELS[result.state] +
      ((result.reasons || []).length ? '：' + result.reasons.join('；') : '');
    row.classList.add('state-' + result.state);
  }
  button.addEventListener('click', function () {
    var rows = Array.prototype.slice.call(document.querySelectorAll('tr[data-migratable=true]'));
    var ids = rows.map(function (r) { return Number(r.dataset.id); }), done = 0;
    button.disabled = true;
    bar.max = ids.length || 1;
    function next() {
      if (!ids.length) { text.textContent = '完成：共处理 ' + done + ' 件。'; button.disabled = false; return; }
      var chunk = ids.splice(0, 5);
      return batch(chunk).then(function (data) {
        if (!data.results) { text.textContent = data.message || '迁移失败'; button.disabled = false; return; }
        data.results.forEach(mark);
        done += data.results.length; bar.value = done;
        text.textContent = '已处理 ' + done + ' / ' + bar.max;
        return next();
      });
    }
    next();
  });
})();
