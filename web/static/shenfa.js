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
