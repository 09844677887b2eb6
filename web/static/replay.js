// Audit replay: arrow keys step through the history (the diagram itself is diagram.js).
(function () {
  document.addEventListener('keydown', function (e) {
    var target = { ArrowLeft: 'step-prev', ArrowRight: 'step-next' }[e.key];
    var link = target && document.getElementById(target);
    if (link && !/input|textarea|select/i.test(e.target.tagName)) { window.location.href = link.href; }
  });
})();
