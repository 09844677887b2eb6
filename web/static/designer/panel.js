// The designer's properties panel: only what shenfa reads, written with bpmn-js's modeling API
// so every edit is one undoable command (Ctrl+Z works as in Camunda Modeler).
(function () {
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function is(bo, type) { return bo && bo.$instanceOf && bo.$instanceOf(type); }

  window.ShenfaPanel = function (modeler, box, options) {
    var modeling = modeler.get('modeling'), moddle = modeler.get('moddle');
    var current = null;

    function spiffProps(bo) {
      var out = {}, ext = bo.extensionElements;
      (ext && ext.values || []).forEach(function (v) {
        if (v.$type === 'spiffworkflow:Properties') {
          (v.properties || []).forEach(function (p) { out[p.name] = p.value; });
        }
      });
      return out;
    }

    function setSpiff(element, name, value) {
      var bo = element.businessObject, ext = bo.extensionElements, others = [], list = [], seen = false;
      (ext && ext.values || []).forEach(function (v) {
        if (v.$type !== 'spiffworkflow:Properties') { others.push(v); return; }
        (v.properties || []).forEach(function (p) {
          if (p.name === name) { seen = true; if (value) { list.push(moddle.create('spiffworkflow:Property', { name: name, value: value })); } }
          else { list.push(moddle.create('spiffworkflow:Property', { name: p.name, value: p.value })); }
        });
      });
      if (!seen && value) { list.push(moddle.create('spiffworkflow:Property', { name: name, value: value })); }
      var values = others.slice();
      if (list.length) { values.push(moddle.create('spiffworkflow:Properties', { properties: list })); }
      var next = values.length ? moddle.create('bpmn:ExtensionElements', { values: values }) : undefined;
      modeling.updateProperties(element, { extensionElements: next });
    }

    function docText(bo) { return (bo.documentation || []).map(function (d) { return d.text; }).join('\n'); }
    function docs(text) { return text ? [moddle.create('bpmn:Documentation', { text: text })] : []; }
    function expr(body) { return body ? moddle.create('bpmn:FormalExpression', { body: body }) : undefined; }

    function row(label, input, help) {
      var wrap = el('div', { 'class': 'prop' }), id = 'prop-' + input.getAttribute('data-prop');
      input.id = id;
      wrap.appendChild(el('label', { 'for': id }, label));
      wrap.appendChild(input);
      if (help) { wrap.appendChild(el('p', { 'class': 'help' }, help)); }
      box.appendChild(wrap);
      return input;
    }
    function text(prop, label, value, onChange, help, multi) {
      var input = el(multi ? 'textarea' : 'input', { 'data-prop': prop });
      if (multi) { input.rows = 4; }
      input.value = value || '';
      input.addEventListener('change', function () { onChange(input.value.trim()); });
      return row(label, input, help);
    }
    function select(prop, label, value, choices, onChange, help) {
      var input = el('select', { 'data-prop': prop });
      choices.forEach(function (c) {
        var opt = el('option', { value: c[0] }, c[1]);
        if (c[0] === (value || '')) { opt.selected = true; }
        input.appendChild(opt);
      });
      input.addEventListener('change', function () { onChange(input.value); });
      return row(label, input, help);
    }
    function check(prop, label, value, onChange) {
      var input = el('input', { type: 'checkbox', 'data-prop': prop });
      input.checked = !!value;
      input.addEventListener('change', function () { onChange(input.checked); });
      return row(label, input);
    }

    function roleOf(name) { var m = /[(（]\s*([a-z_]+)\s*[)）]\s*$/.exec(name || ''); return m ? m[1] : (name || '').trim(); }
    // forms are chosen by their title (「拟稿（附件2…）」); the file name is shown after it
    function formChoices(blank) {
      return [['', blank]].concat(options.forms.map(function (f) {
        return typeof f === 'string' ? [f, f] : [f.name, f.title === f.name ? f.name : f.title + '（' + f.name + '）'];
      }));
    }
    function formTitle(name) {
      var found = options.forms.filter(function (f) { return f.name === name; })[0];
      return found ? found.title : name;
    }

    // a registered property applies to the BPMN types it names (userTask -> bpmn:UserTask)
    function propsFor(bo) {
      return (options.properties || []).filter(function (d) {
        return d.elements.some(function (e) { return is(bo, 'bpmn:' + e.charAt(0).toUpperCase() + e.slice(1)); });
      });
    }
    function labelOf(d, bo) {
      var local = bo.$type.replace('bpmn:', '');
      return (d.labels || {})[local.charAt(0).toLowerCase() + local.slice(1)] || d.label;
    }
    function field(element, bo, d, value) {
      function set(v) { setSpiff(element, d.name, v); }
      if (d.type === 'form') {
        var user = is(bo, 'bpmn:UserTask');
        select(d.name, labelOf(d, bo), value, formChoices(user ? '（未指定）' : '（无）'), set, d.help);
        if (user && value && options.formsUrl) {
          box.appendChild(el('a', { href: options.formsUrl + '/' + encodeURIComponent(value), target: '_blank', rel: 'noopener' }, '编辑表单「' + formTitle(value) + '」'));
        }
      } else if (d.type === 'flag') {
        check(d.name, labelOf(d, bo), value === 'true', function (v) { set(v ? 'true' : ''); });
      } else {
        text(d.name, labelOf(d, bo), value, set, d.help);
      }
    }

    var sections = [
      [function (bo) { return is(bo, 'bpmn:Lane'); }, function (element, bo) {
        var choices = [['', '（请选择角色）']].concat(options.roles.map(function (r) { return [r.key, r.title + ' (' + r.key + ')']; }));
        select('role', '泳道角色', roleOf(bo.name), choices, function (key) {
          var role = options.roles.filter(function (r) { return r.key === key; })[0];
          modeling.updateProperties(element, { name: role ? role.title + ' (' + role.key + ')' : '' });
        }, '泳道名写作「中文 (role_key)」，办理人按角色解析。');
      }],
      // the extension properties, from the registry (engine/model/extensions.py)
      [function (bo) { return propsFor(bo).length > 0; }, function (element, bo) {
        var p = spiffProps(bo);
        propsFor(bo).forEach(function (d) { field(element, bo, d, p[d.name]); });
      }],
      [function (bo) { return (bo.eventDefinitions || []).some(function (d) { return is(d, 'bpmn:TimerEventDefinition'); }); }, function (element, bo) {
        var def = bo.eventDefinitions.filter(function (d) { return is(d, 'bpmn:TimerEventDefinition'); })[0];
        var kind = ['timeDuration', 'timeDate', 'timeCycle'].filter(function (k) { return def[k]; })[0] || 'timeDuration';
        var kindInput, exprInput;
        function apply() {
          var update = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
          update[kindInput.value] = expr(exprInput.value.trim());
          modeling.updateModdleProperties(element, def, update);
        }
        kindInput = select('timerKind', '定时类型', kind, [['timeDuration', '时长'], ['timeDate', '日期'], ['timeCycle', '周期']], apply);
        exprInput = text('timer', '定时表达式', def[kind] && def[kind].body, apply,
          is(bo, 'bpmn:StartEvent')
            ? '定时发起：每个周期自动发起一个事项，如 "R/2026-01-05T09:00:00+08:00/P1M"（第十九条 每月定期巡查）；表达式，不是 Python'
            : '如 "PT30M"（第十三条：30 分钟内更正或撤回）；表达式，不是 Python');
      }],
      [function (bo) { return is(bo, 'bpmn:ExclusiveGateway') || is(bo, 'bpmn:InclusiveGateway'); }, function (element, bo) {
        var choices = [['', '（无）']].concat((bo.outgoing || []).map(function (f) { return [f.id, (f.name || f.id)]; }));
        select('default', '默认流', bo.default && bo.default.id, choices, function (id) {
          var flow = (bo.outgoing || []).filter(function (f) { return f.id === id; })[0];
          modeling.updateProperties(element, { 'default': flow });
        }, '多于一条出口的排他网关必须有默认流。');
      }],
      [function (bo) { return is(bo, 'bpmn:SequenceFlow') && is(bo.sourceRef, 'bpmn:Gateway'); }, function (element, bo) {
        text('condition', '条件表达式', bo.conditionExpression && bo.conditionExpression.body, function (v) {
          modeling.updateProperties(element, { conditionExpression: expr(v) });
        }, '如 decision == "return"（不是 Python，由受限求值器计算）');
      }]
    ];

    function render() {
      box.textContent = '';
      if (!current) { box.appendChild(el('p', { 'class': 'muted' }, '选择图中的元素以编辑其属性。')); return; }
      var element = current, bo = element.businessObject;
      box.appendChild(el('h2', {}, bo.$type.replace('bpmn:', '')));
      box.appendChild(el('p', { 'class': 'help' }, '编号：' + bo.id));
      if (!is(bo, 'bpmn:Lane')) {
        text('name', '名称', bo.name, function (v) { modeling.updateProperties(element, { name: v }); });
      }
      sections.forEach(function (s) { if (s[0](bo)) { s[1](element, bo); } });
      var target = is(bo, 'bpmn:Participant') ? bo.processRef : bo;
      if (target && !is(bo, 'bpmn:SequenceFlow') && !is(bo, 'bpmn:Lane')) {
        text('documentation', '说明（写明依据条款：第N条、附件1/附件2）', docText(target), function (v) {
          modeling.updateModdleProperties(element, target, { documentation: docs(v) });
        }, null, true);
      }
    }

    modeler.on('selection.changed', function (e) {
      current = e.newSelection.length === 1 ? e.newSelection[0] : null;
      render();
    });
    modeler.on('commandStack.changed', function () {
      if (current && !box.contains(document.activeElement)) { render(); }
    });
    render();
  };
})();
