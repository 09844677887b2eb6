// Live countdown for tasks with a due time: <time class="due" datetime="ISO">.
(function () {
  function say(ms) {
    var m = Math.floor(Math.abs(ms) / 60000), d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), mm = m % 60;
    return (d ? d + '天' : '') + (d || h ? h + '小时' : '') + mm + '分';
  }
  function tick() {
    document.querySelectorAll('time.due').forEach(function (el) {
      var left = new Date(el.getAttribute('datetime')) - new Date();
      var out = el.nextElementSibling && el.nextElementSibling.classList.contains('countdown')
        ? el.nextElementSibling : null;
      if (!out) { out = document.createElement('span'); out.className = 'countdown'; el.after(out); }
      out.textContent = left < 0 ? '已超时 ' + say(left) : '剩余 ' + say(left);
      out.classList.toggle('overdue', left < 0);
      var row = el.closest('tr'); if (row && left < 0) { row.classList.add('overdue'); }
    });
  }
  tick(); setInterval(tick, 30000);
})();

// The bell keeps itself current while a page is open: it asks for the unread count every
// data-poll seconds and whenever the tab comes back into view (a task may arrive meanwhile).
(function () {
  var bell = document.querySelector('a.bell[data-count]');
  if (!bell) { return; }
  var seconds = Math.max(1, parseFloat(bell.getAttribute('data-poll')) || 30);
  function show(n) {
    var badge = bell.querySelector('.badge');
    if (!n) { if (badge) { badge.remove(); } return; }
    if (!badge) { badge = document.createElement('span'); badge.className = 'badge'; bell.appendChild(badge); }
    badge.textContent = String(n);
    badge.setAttribute('aria-label', '未读 ' + n + ' 条');
  }
  function poll() {
    fetch(bell.getAttribute('data-count'), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { show(data.unread); } })
      .catch(function () {});  // offline for a moment: the next poll tries again
  }
  setInterval(poll, seconds * 1000);
  document.addEventListener('visibilitychange', function () { if (!document.hidden) { poll(); } });
  window.addEventListener('pageshow', function (e) { if (e.persisted) { poll(); } });  // back button
})();
