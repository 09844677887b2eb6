// An item's diagram: bpmn-js NavigatedViewer with completed / active / waiting elements marked.
// Used by the item page and the audit replay (which adds a focused element and auto-play).
(function () {
  var box = document.getElementById('diagram');
  if (!box || !window.BpmnJS) { return; }
  var viewer = new window.BpmnJS({ container: box });
  fetch(box.getAttribute('data-src'), { credentials: 'same-origin' })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      return viewer.importXML(data.xml).then(function () {
        var canvas = viewer.get('canvas'), registry = viewer.get('elementRegistry');
        Object.keys(data.states).forEach(function (id) {
          if (registry.get(id)) { canvas.addMarker(id, 'state-' + data.states[id]); }
        });
        if (data.focus && registry.get(data.focus)) { canvas.addMarker(data.focus, 'step-focus'); }
        canvas.zoom('fit-viewport');
        box.setAttribute('data-rendered', 'true');
        var next = box.getAttribute('data-next');
        if (next) { setTimeout(function () { window.location.href = next; }, 1500); }
      });
    })
    .catch(function (err) { box.textContent = '流程图加载失败：' + err; });
})();
