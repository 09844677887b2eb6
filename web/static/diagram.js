// An item's diagram: bpmn-js NavigatedViewer with completed / active / waiting elements marked.
// Used by the item page and the audit replay (which adds a focused element and auto-play).
// A call activity the item entered opens the called model's diagram with its own progress
// (click it, or the button under the diagram); "返回上级流程" goes back.
(function () {
  var box = document.getElementById('diagram');
  if (!box || !window.BpmnJS) { return; }
  var viewer = new window.BpmnJS({ container: box });
  var nav = document.createElement('p');
  nav.className = 'diagram-nav';
  box.parentNode.insertBefore(nav, box.nextSibling);
  var top = null, shown = null;

  function button(label, view) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'small';
    b.textContent = label;
    b.addEventListener('click', function () { show(view); });
    nav.appendChild(b);
  }

  function navigate(view) {
    nav.textContent = '';
    if (view !== top) {
      nav.appendChild(document.createTextNode('子流程「' + view.name + '」 '));
      button('返回上级流程', top);
      return;
    }
    Object.keys(top.called || {}).forEach(function (key) {
      var called = top.called[key];
      button('查看子流程「' + called.name + '」', called);
    });
  }

  function show(view) {
    shown = view;
    return viewer.importXML(view.xml).then(function () {
      var canvas = viewer.get('canvas'), registry = viewer.get('elementRegistry');
      Object.keys(view.states).forEach(function (id) {
        if (registry.get(id)) { canvas.addMarker(id, 'state-' + view.states[id]); }
      });
      if (view.focus && registry.get(view.focus)) { canvas.addMarker(view.focus, 'step-focus'); }
      canvas.zoom('fit-viewport');
      navigate(view);
      box.setAttribute('data-shown', view === top ? '' : view.call);
    });
  }

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
  viewer.get('eventBus').on('element.click', function (event) {
    if (shown !== top) { return; }
    var keys = Object.keys(top.called || {});
    for (var i = 0; i < keys.length; i++) {
      if (top.called[keys[i]].call === event.element.id) { show(top.called[keys[i]]); return; }
    }
  });

  fetch(box.getAttribute('data-src'), { credentials: 'same-origin' })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      // The audit replay sends the step's own diagram and the item's top diagram apart.
      top = data.top || data;
      var first = data.top && data.diagram ? top.called[data.diagram] : top;
      if (data.top) {
        (first || top).focus = data.focus;
        if (!first) { first = { xml: data.xml, states: data.states, focus: data.focus, name: data.diagram, call: '' }; }
      }
      return show(first).then(function () {
        if (!box.getAttribute('data-zoom')) { zoomControls(box, viewer.get('canvas')); }
        box.setAttribute('data-rendered', 'true');
        var next = box.getAttribute('data-next');
        if (next) { setTimeout(function () { window.location.href = next; }, 1500); }
      });
    })
    .catch(function (err) { box.textContent = '流程图加载失败：' + err; });
})();
