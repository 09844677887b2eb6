// bpmn-js in Chinese: a `translate` module for the modeler (palette, context pad, the
// "change element" menu and their tooltips).  bpmn-js passes every text it shows through
// `translate(template, replacements)`; overriding that one service translates them all.
// Texts not listed stay in English, so a newer bpmn-js shows its new texts rather than none.
(function () {
  var ZH = {
    // palette
    'Activate hand tool': '抓手工具（拖动画布）',
    'Activate lasso tool': '套索工具（框选元素）',
    'Activate create/remove space tool': '插入或移除空白',
    'Activate global connect tool': '连线工具',
    'Create start event': '开始事件',
    'Create intermediate/boundary event': '中间事件或边界事件（如定时器）',
    'Create end event': '结束事件',
    'Create gateway': '网关',
    'Create task': '任务',
    'Create data object reference': '数据对象',
    'Create data store reference': '数据存储',
    'Create expanded sub-process': '展开的子流程',
    'Create pool/participant': '池（参与者）',
    'Create group': '分组',
    // context pad
    'Append end event': '追加结束事件',
    'Append gateway': '追加网关',
    'Append task': '追加任务',
    'Append intermediate/boundary event': '追加中间事件或边界事件',
    'Append timer intermediate catch event': '追加定时中间事件',
    'Append message intermediate catch event': '追加消息中间事件',
    'Append signal intermediate catch event': '追加信号中间事件',
    'Append conditional intermediate catch event': '追加条件中间事件',
    'Append receive task': '追加接收任务',
    'Append compensation activity': '追加补偿活动',
    'Add text annotation': '添加文字注释',
    'Change element': '更改元素类型',
    'Delete': '删除',
    'Connect to other element': '连接到其他元素',
    'Connect using association': '用关联连接',
    'Connect using data input association': '用数据输入关联连接',
    'Add lane above': '在上方添加泳道',
    'Add lane below': '在下方添加泳道',
    'Divide into two lanes': '拆分为两条泳道',
    'Divide into three lanes': '拆分为三条泳道',
    'Toggle non-interrupting': '切换为非中断 / 中断',
    'Align elements': '对齐元素',
    'Align elements ': '对齐元素',
    'Distribute elements horizontally': '水平均匀分布',
    'Distribute elements vertically': '垂直均匀分布',
    'Open {element}': '打开{element}',
    'Search in diagram': '在图中搜索',
    // "change element" menu
    'Loop': '循环', 'Parallel multi-instance': '并行多实例', 'Sequential multi-instance': '串行多实例',
    'Collection': '集合', 'Ad-hoc': '自由（Ad-hoc）', 'Participant multiplicity': '参与者多实例',
    'Task': '任务', 'User task': '用户任务（人工办理）', 'Service task': '服务任务', 'Script task': '脚本任务',
    'Business rule task': '业务规则任务', 'Manual task': '手工任务', 'Send task': '发送任务',
    'Receive task': '接收任务', 'Call activity': '调用活动（调用其他流程）',
    'Sub-process': '子流程', 'Sub-process (collapsed)': '子流程（折叠）', 'Sub-process (expanded)': '子流程（展开）',
    'Event sub-process': '事件子流程', 'Transaction': '事务',
    'Start event': '开始事件', 'End event': '结束事件', 'Intermediate throw event': '中间抛出事件',
    'Timer start event': '定时开始事件', 'Timer boundary event': '定时边界事件（超时中断）',
    'Timer boundary event (non-interrupting)': '定时边界事件（不中断，用于提醒）',
    'Timer intermediate catch event': '定时中间事件', 'Timer start event (non-interrupting)': '定时开始事件（不中断）',
    'Message start event': '消息开始事件', 'Message end event': '消息结束事件',
    'Message boundary event': '消息边界事件', 'Message boundary event (non-interrupting)': '消息边界事件（不中断）',
    'Message intermediate catch event': '消息中间捕获事件', 'Message intermediate throw event': '消息中间抛出事件',
    'Message start event (non-interrupting)': '消息开始事件（不中断）',
    'Signal start event': '信号开始事件', 'Signal end event': '信号结束事件', 'Signal boundary event': '信号边界事件',
    'Signal boundary event (non-interrupting)': '信号边界事件（不中断）',
    'Signal intermediate catch event': '信号中间捕获事件', 'Signal intermediate throw event': '信号中间抛出事件',
    'Signal start event (non-interrupting)': '信号开始事件（不中断）',
    'Conditional start event': '条件开始事件', 'Conditional boundary event': '条件边界事件',
    'Conditional boundary event (non-interrupting)': '条件边界事件（不中断）',
    'Conditional intermediate catch event': '条件中间事件', 'Conditional start event (non-interrupting)': '条件开始事件（不中断）',
    'Error start event': '错误开始事件', 'Error end event': '错误结束事件', 'Error boundary event': '错误边界事件',
    'Escalation start event': '升级开始事件', 'Escalation end event': '升级结束事件',
    'Escalation boundary event': '升级边界事件', 'Escalation boundary event (non-interrupting)': '升级边界事件（不中断）',
    'Escalation intermediate throw event': '升级中间抛出事件', 'Escalation start event (non-interrupting)': '升级开始事件（不中断）',
    'Compensation start event': '补偿开始事件', 'Compensation end event': '补偿结束事件',
    'Compensation boundary event': '补偿边界事件', 'Compensation intermediate throw event': '补偿中间抛出事件',
    'Cancel boundary event': '取消边界事件', 'Cancel end event': '取消结束事件', 'Terminate end event': '终止结束事件',
    'Link intermediate catch event': '链接中间捕获事件', 'Link intermediate throw event': '链接中间抛出事件',
    'Exclusive gateway': '排他网关（单选）', 'Parallel gateway': '并行网关（同时）', 'Inclusive gateway': '包容网关（多选）',
    'Complex gateway': '复杂网关', 'Event-based gateway': '事件网关',
    'Event based instantiating Gateway': '事件网关（实例化）', 'Parallel Event based instantiating Gateway': '并行事件网关（实例化）',
    'Sequence flow': '顺序流', 'Default flow': '默认流', 'Conditional flow': '条件流',
    'Data object reference': '数据对象', 'Data store reference': '数据存储',
    'Expanded pool/participant': '展开的池（参与者）',
    'flow elements must be children of pools/participants': '流程元素必须放在池（参与者）内'
  };

  function translate(template, replacements) {
    var text = Object.prototype.hasOwnProperty.call(ZH, template) ? ZH[template] : template;
    return text.replace(/{([^}]+)}/g, function (_, key) {
      return replacements && key in replacements ? replacements[key] : '{' + key + '}';
    });
  }

  window.ShenfaTranslate = { translate: ['value', translate] };  // a bpmn-js (didi) module
})();
