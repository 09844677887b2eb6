// Conditional form fields (x-when in the form file): a field is shown, and its inputs
// enabled, only while the fields it names hold one of the listed values. Disabled
// inputs are not submitted, so a hidden field sends nothing (the server refuses a
// value for a hidden field, and requires a shown one that the form marks required).
(function () {
  function chosen(form, name) {
    var values = [];
    form.querySelectorAll('[name="' + CSS.escape(name) + '"]').forEach(function (el) {
      if (el.disabled) { return; }
      if (el.type === 'radio' || el.type === 'checkbox') {
        if (el.checked) { values.push(el.value); } else if (el.type === 'checkbox' && el.value === 'true') { values.push('false'); }
      } else if (el.value !== '') { values.push(el.value); }
    });
    return values;
  }
  function holds(form, when) {
    return Object.keys(when).every(function (name) {
      var wanted = when[name].map(String), got = chosen(form, name);
      return got.some(function (v) { return wanted.indexOf(v) >= 0; });
    });
  }
  function refresh(form) {
    form.querySelectorAll('[data-when]').forEach(function (row) {
      var show = holds(form, JSON.parse(row.getAttribute('data-when')));
      row.hidden = !show;
      row.querySelectorAll('input, select, textarea').forEach(function (el) { el.disabled = !show; });
    });
  }
  document.querySelectorAll('form').forEach(function (form) {
    if (!form.querySelector('[data-when]')) { return; }
    form.addEventListener('change', function () { refresh(form); });
    refresh(form);
  });
})();
