/* Task form: marks fields whose requirement depends on another answer ("required when …") as required
   while the condition holds. The server validates either way; this only keeps the marks honest. */
(function () {
  "use strict";

  var form = document.querySelector("form[data-task-form]");
  if (!form) {
    return;
  }

  function valueOf(name) {
    var controls = form.querySelectorAll('[name="' + name.replace(/"/g, "") + '"]');
    for (var i = 0; i < controls.length; i += 1) {
      var control = controls[i];
      if (control.type === "radio" || control.type === "checkbox") {
        if (control.checked) {
          return control.value;
        }
      } else {
        return control.value;
      }
    }
    return "";
  }

  function holds(condition) {
    var value = valueOf(condition.field);
    if (value === "") {
      return false;
    }
    return condition.negate ? value !== condition.value : value === condition.value;
  }

  function refresh() {
    var fields = form.querySelectorAll("[data-when]");
    for (var i = 0; i < fields.length; i += 1) {
      var field = fields[i];
      var conditions = JSON.parse(field.getAttribute("data-when"));
      var needed = conditions.some(holds);
      var mark = field.querySelector("legend, label > span, label");
      if (mark) {
        mark.classList.toggle("required", needed);
      }
      field.classList.toggle("needed", needed);
      var controls = field.querySelectorAll("input, select, textarea");
      for (var j = 0; j < controls.length; j += 1) {
        if (controls[j].name && controls[j].name.slice(-7) !== "__codes") {
          controls[j].setAttribute("aria-required", needed ? "true" : "false");
        }
      }
    }
  }

  form.addEventListener("change", refresh);
  refresh();
})();
