// Two versions side by side: added (new side), removed (old side), changed (both) coloured.
(function () {
  var data = JSON.parse(document.getElementById('diff-data').textContent);
  function show(id, marks) {
    var box = document.getElementById(id);
    if (!box || !window.BpmnJS) { return; }
    var viewer = new window.BpmnJS({ container: box });
    fetch(box.getAttribute('data-src'), { credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (d) { return viewer.importXML(d.xml); })
      .then(function () {
        var canvas = viewer.get('canvas'), registry = viewer.get('elementRegistry');
        marks.forEach(function (m) { if (registry.get(m[0])) { canvas.addMarker(m[0], m[1]); } });
        canvas.zoom('fit-viewport');
        box.setAttribute('data-rendered', 'true');
      })
      .catch(function (err) { box.textContent = '流程图加载失败：' + err; });
  }
  function pairs(items, cls) { return items.map(function (e) { return [e.id, cls]; }); }
  var changed = pairs(data.changed, 'diff-changed');
  show('diagram-old', pairs(data.removed, 'diff-removed').concat(changed));
  show('diagram-new', pairs(data.added, 'diff-added').concat(changed));
})();
