// Form editor: live preview of the rendered form and the schema's own check as you type.
(function () {
  var box = document.getElementById('form-editor');
  if (!box) { return; }
  var token = document.querySelector('meta[name=csrf-token]').getAttribute('content');
  var area = document.getElementById('schema'), preview = document.getElementById('preview');
  var error = document.getElementById('schema-error'), status = document.getElementById('form-status');
  var timer = null;

  function post(url) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': token },
      body: JSON.stringify({ text: area.value })
    }).then(function (r) { return r.json(); });
  }
  function refresh() {
    post(box.dataset.preview).then(function (data) {
      error.hidden = data.ok;
      error.textContent = data.ok ? '' : data.message;
      if (data.ok) { preview.innerHTML = data.html; }  // rendered and escaped by the server
      box.setAttribute('data-checked', data.ok ? 'ok' : 'error');
    });
  }
  area.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(refresh, 400); });
  preview.addEventListener('submit', function (e) { e.preventDefault(); });
  document.getElementById('btn-form-save').addEventListener('click', function () {
    post(box.dataset.save).then(function (data) { status.textContent = data.message; });
  });
  refresh();
})();
