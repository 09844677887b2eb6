// The pre-screen's marks in the post and its list beside the checklist: a mark (tap,
// click, Enter) brings its finding into view and focus; a finding's span (tap) brings the
// mark into view. Both stay plain links and titles without this script.
(function () {
  function reveal(el) {
    if (!el) { return; }
    el.scrollIntoView({ block: 'center', behavior: 'smooth' });
    el.classList.add('pf-flash');
    setTimeout(function () { el.classList.remove('pf-flash'); }, 1500);
  }
  document.querySelectorAll('mark.pf').forEach(function (mark) {
    function go() {
      var first = (mark.getAttribute('data-findings') || '').split(' ')[0];
      var item = first && document.getElementById(first);
      if (item) { item.setAttribute('tabindex', '-1'); reveal(item); item.focus({ preventScroll: true }); }
    }
    mark.addEventListener('click', go);
    mark.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); go(); } });
  });
  document.querySelectorAll('.pf-item .pf-span').forEach(function (span) {
    span.setAttribute('role', 'button');
    span.setAttribute('tabindex', '0');
    function go() {
      var id = span.closest('.pf-item').id;
      var mark = document.querySelector('mark.pf[data-findings~="' + id + '"]');
      if (mark) { reveal(mark); mark.focus({ preventScroll: true }); }
    }
    span.addEventListener('click', go);
    span.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); go(); } });
  });
})();
