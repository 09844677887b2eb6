// The item's diagram: bpmn-js NavigatedViewer with completed / active elements marked.
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
        canvas.zoom('fit-viewport');
        box.setAttribute('data-rendered', 'true');
      });
    })
    .catch(function (err) { box.textContent = '流程图加载失败：' + err; });
})();
