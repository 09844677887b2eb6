// An item's diagram: bpmn-js NavigatedViewer with completed / active / waiting elements marked.
// Used by the item page and the audit replay (which adds a focused element and auto-play).
(function () {
  var box = document.getElementById('diagram');
  if (!box || !window.BpmnJS) { return; }
  var viewer = new window.BpmnJS({ container: box });
  // Buttons to zoom (the wheel with Ctrl and dragging also work): a long procedure is
  // unreadable when fitted into a phone's width.  data-zoom tells the current scale.
  function zoomControls(host, canvas) {
    var bar = document.createElement('div');
    bar.className = 'zoom-controls';
    [['＋', '放大', function () { canvas.zoom(canvas.zoom() * 1.25); }],
     ['－', '缩小', function () { canvas.zoom(canvas.zoom() / 1.25); }],
     ['适应', '适应窗口', function () { canvas.zoom('fit-viewport', 'auto'); }]].forEach(function (b) {
      var button = document.createElement('button');
      button.type = 'button'; button.textContent = b[0]; button.title = b[1];
      button.setAttribute('aria-label', b[1]);
      button.addEventListener('click', b[2]);
      bar.appendChild(button);
    });
    var wrap = document.createElement('div');
    wrap.className = 'diagram-wrap';
    host.parentNode.insertBefore(wrap, host);
    wrap.appendChild(host);
    wrap.appendChild(bar);
    function tell() { host.setAttribute('data-zoom', canvas.zoom().toFixed(3)); }
    viewer.on('canvas.viewbox.changed', tell);
    tell();
  }
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
        zoomControls(box, canvas);
        box.setAttribute('data-rendered', 'true');
        var next = box.getAttribute('data-next');
        if (next) { setTimeout(function () { window.location.href = next; }, 1500); }
      });
    })
    .catch(function (err) { box.textContent = '流程图加载失败：' + err; });
})();
