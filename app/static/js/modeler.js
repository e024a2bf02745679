/* 流程模型编辑器: the vendored bpmn-js Modeler with a small properties panel for what policy staff change —
   names (tasks, lanes), conditions, scripts, timer expressions, and a user task's form, due and roles
   (spiffworkflow:properties) with its form's JSON Schema. On submit the diagram is exported into the
   #bpmn-xml textarea (unless that XML was edited by hand) and the form is posted to the server, which
   validates it; nothing here is trusted. */
(function () {
  "use strict";

  var SPIFF = {
    name: "SpiffWorkflow", uri: "http://spiffworkflow.org/bpmn/schema/1.0/core", prefix: "spiffworkflow",
    xml: { tagAlias: "lowerCase" },
    types: [
      { name: "Properties", superClass: ["Element"],
        properties: [{ name: "properties", type: "Property", isMany: true }] },
      { name: "Property", superClass: ["Element"],
        properties: [{ name: "name", type: "String", isAttr: true }, { name: "value", type: "String", isAttr: true }] },
      { name: "PreScript", superClass: ["Element"], properties: [{ name: "value", type: "String", isBody: true }] },
      { name: "PostScript", superClass: ["Element"], properties: [{ name: "value", type: "String", isBody: true }] },
      { name: "MessageVariable", superClass: ["Element"], properties: [{ name: "value", type: "String", isBody: true }] },
      { name: "InstructionsForEndUser", superClass: ["Element"],
        properties: [{ name: "value", type: "String", isBody: true }] },
      { name: "LoopScripts", extends: ["bpmn:MultiInstanceLoopCharacteristics"],
        properties: [{ name: "scriptsOnInstances", type: "Boolean", isAttr: true }] }
    ]
  };
  var TIMER_KINDS = ["timeDate", "timeDuration", "timeCycle"];

  var form = document.getElementById("model-form");
  var container = document.getElementById("modeler");
  var xmlField = document.getElementById("bpmn-xml");
  var formsField = document.getElementById("forms-json");
  var errorBox = document.getElementById("modeler-error");
  if (!form || !container || !xmlField) {
    return;
  }
  if (typeof window.BpmnJS !== "function") {
    showError("图形编辑器未能加载，可直接编辑下方的 XML 源码。");
    return;
  }

  var modeler = new window.BpmnJS({ container: container, moddleExtensions: { spiffworkflow: SPIFF } });
  var modeling = modeler.get("modeling");
  var moddle = modeler.get("moddle");
  var current = null;
  var xmlEditedByHand = false;
  var submitting = false;

  function $(id) { return document.getElementById(id); }

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = !text;
  }

  function is(element, type) {
    var bo = element && element.businessObject;
    return !!(bo && bo.$instanceOf && bo.$instanceOf(type));
  }

  // -- spiffworkflow:properties ----------------------------------------------------------------
  function propertyList(bo) {
    var ext = bo.extensionElements;
    var props = ext && (ext.values || []).filter(function (v) { return v.$type === "spiffworkflow:Properties"; })[0];
    return props ? (props.properties || []) : [];
  }

  function getProperty(bo, name) {
    var found = propertyList(bo).filter(function (p) { return p.name === name; })[0];
    return found ? found.value || "" : "";
  }

  function setProperty(element, name, value) {
    var bo = element.businessObject;
    var ext = bo.extensionElements;
    if (!ext) {
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      ext.$parent = bo;
      modeling.updateProperties(element, { extensionElements: ext });
    }
    var props = (ext.values || []).filter(function (v) { return v.$type === "spiffworkflow:Properties"; })[0];
    if (!props) {
      props = moddle.create("spiffworkflow:Properties", { properties: [] });
      props.$parent = ext;
      modeling.updateModdleProperties(element, ext, { values: (ext.values || []).concat([props]) });
    }
    var list = props.properties || [];
    var existing = list.filter(function (p) { return p.name === name; })[0];
    if (!value) {
      if (existing) {
        modeling.updateModdleProperties(element, props, { properties: list.filter(function (p) { return p !== existing; }) });
      }
    } else if (existing) {
      modeling.updateModdleProperties(element, existing, { value: value });
    } else {
      var created = moddle.create("spiffworkflow:Property", { name: name, value: value });
      created.$parent = props;
      modeling.updateModdleProperties(element, props, { properties: list.concat([created]) });
    }
  }

  // -- forms (the JSON object in #forms-json) ----------------------------------------------------
  function readForms() {
    try {
      var value = JSON.parse(formsField.value || "{}");
      return value && typeof value === "object" ? value : {};
    } catch (e) {
      return null;
    }
  }

  function formNameOf(element) {
    return getProperty(element.businessObject, "form") || element.businessObject.id;
  }

  function showFormSchema(element) {
    var forms = readForms();
    var box = $("prop-form-schema");
    $("prop-form-error").hidden = true;
    if (forms === null) {
      box.value = "";
      box.disabled = true;
      $("prop-form-error").textContent = "“全部表单定义”不是有效的 JSON，请先修正。";
      $("prop-form-error").hidden = false;
      return;
    }
    box.disabled = false;
    var schema = forms[formNameOf(element)];
    box.value = schema ? JSON.stringify(schema, null, 2) : "";
  }

  function saveFormSchema(element) {
    var forms = readForms();
    var text = $("prop-form-schema").value.trim();
    if (forms === null) {
      return;
    }
    try {
      if (text) {
        forms[formNameOf(element)] = JSON.parse(text);
      } else {
        delete forms[formNameOf(element)];
      }
      formsField.value = JSON.stringify(forms, null, 2);
      $("prop-form-error").hidden = true;
    } catch (e) {
      $("prop-form-error").textContent = "表单字段不是有效的 JSON：" + e.message;
      $("prop-form-error").hidden = false;
    }
  }

  // -- expressions ---------------------------------------------------------------------------------
  function expression(body) {
    return moddle.create("bpmn:FormalExpression", { body: body });
  }

  function timerDefinition(bo) {
    return (bo.eventDefinitions || []).filter(function (d) { return d.$type === "bpmn:TimerEventDefinition"; })[0];
  }

  function timerKind(definition) {
    return TIMER_KINDS.filter(function (k) { return definition[k]; })[0] || "timeDate";
  }

  // -- the panel ------------------------------------------------------------------------------------
  function section(name, visible) {
    var node = document.querySelector('[data-for="' + name + '"]');
    if (node) {
      node.hidden = !visible;
    }
  }

  function show(element) {
    current = element && element.type !== "bpmn:Process" && element.type !== "bpmn:Collaboration" &&
      element.type !== "label" ? element : null;
    $("properties-empty").hidden = !!current;
    $("properties-fields").hidden = !current;
    if (!current) {
      return;
    }
    var bo = current.businessObject;
    $("prop-id").textContent = bo.id;
    $("prop-type").textContent = bo.$type.replace("bpmn:", "");
    $("prop-name").value = bo.name || "";
    $("lane-hint").hidden = !is(current, "bpmn:Lane");
    section("condition", is(current, "bpmn:SequenceFlow"));
    $("prop-condition").value = bo.conditionExpression ? bo.conditionExpression.body || "" : "";
    section("script", is(current, "bpmn:ScriptTask"));
    $("prop-script").value = bo.script || "";
    var timer = timerDefinition(bo);
    section("timer", !!timer);
    if (timer) {
      var kind = timerKind(timer);
      $("prop-timer-kind").value = kind;
      $("prop-timer").value = timer[kind] ? timer[kind].body || "" : "";
    }
    var human = is(current, "bpmn:UserTask") || is(current, "bpmn:ManualTask");
    section("usertask", human);
    if (human) {
      $("prop-form").value = getProperty(bo, "form");
      $("prop-due").value = getProperty(bo, "due");
      $("prop-roles").value = getProperty(bo, "roles");
      showFormSchema(current);
    }
  }

  function bind(id, handler) {
    $(id).addEventListener("change", function () {
      if (current) {
        handler(current, $(id).value);
      }
    });
  }

  bind("prop-name", function (element, value) { modeling.updateLabel(element, value); });
  bind("prop-condition", function (element, value) {
    modeling.updateProperties(element, { conditionExpression: value.trim() ? expression(value.trim()) : undefined });
  });
  bind("prop-script", function (element, value) {
    modeling.updateProperties(element, { script: value, scriptFormat: "python" });
  });
  function updateTimer(element) {
    var timer = timerDefinition(element.businessObject);
    var kind = $("prop-timer-kind").value;
    var changes = {};
    TIMER_KINDS.forEach(function (k) { changes[k] = undefined; });
    changes[kind] = expression($("prop-timer").value.trim());
    modeling.updateModdleProperties(element, timer, changes);
  }
  bind("prop-timer", updateTimer);
  bind("prop-timer-kind", updateTimer);
  bind("prop-form", function (element, value) {
    var forms = readForms();
    var before = formNameOf(element);
    setProperty(element, "form", value.trim());
    var after = formNameOf(element);
    if (forms && before !== after && forms[before] && !forms[after]) {
      forms[after] = forms[before];  // a renamed form keeps its fields
      formsField.value = JSON.stringify(forms, null, 2);
    }
    showFormSchema(element);
  });
  bind("prop-due", function (element, value) { setProperty(element, "due", value.trim()); });
  bind("prop-roles", function (element, value) { setProperty(element, "roles", value.trim()); });
  bind("prop-form-schema", function (element) { saveFormSchema(element); });

  modeler.on("selection.changed", function (event) {
    show(event.newSelection.length === 1 ? event.newSelection[0] : null);
  });
  modeler.on("element.changed", function (event) {
    if (current && event.element === current && document.activeElement &&
        !$("properties").contains(document.activeElement)) {
      show(current);
    }
  });
  xmlField.addEventListener("input", function () { xmlEditedByHand = true; });

  function showStart() {
    // A wide model fitted whole is too small to work on: show its beginning at a readable scale instead.
    var canvas = modeler.get("canvas");
    canvas.zoom("fit-viewport");
    if (canvas.zoom() < 0.5) {
      var inner = canvas.viewbox().inner;
      canvas.viewbox({ x: inner.x - 40, y: inner.y - 20,
                       width: container.clientWidth / 0.8, height: container.clientHeight / 0.8 });
    }
  }

  modeler.importXML(xmlField.value).then(function (result) {
    showStart();
    container.setAttribute("data-state", "ready");
    if (result.warnings && result.warnings.length) {
      showError("导入时有 " + result.warnings.length + " 条警告：" + result.warnings[0].message);
    }
  }).catch(function (error) {
    container.setAttribute("data-state", "error");
    showError("无法在图形编辑器中打开该模型（可直接编辑 XML 源码）：" + error.message);
  });

  form.addEventListener("submit", function (event) {
    if (submitting || xmlEditedByHand || container.getAttribute("data-state") !== "ready") {
      return;  // post as is: the hand-edited XML, or the exported one on the second pass
    }
    event.preventDefault();
    var submitter = event.submitter;
    if (current && document.activeElement && $("properties").contains(document.activeElement)) {
      document.activeElement.blur();  // commit the field being edited ("change" fires on blur)
    }
    modeler.saveXML({ format: true }).then(function (result) {
      xmlField.value = result.xml;
      submitting = true;
      var intent = document.createElement("input");  // form.submit() sends no submitter: carry its value
      intent.type = "hidden";
      intent.name = "intent";
      intent.value = submitter && submitter.value ? submitter.value : "check";
      form.appendChild(intent);
      form.submit();
    }).catch(function (error) {
      showError("导出 BPMN 失败：" + error.message);
    });
  });
})();
