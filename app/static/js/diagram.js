/* The case's BPMN diagram (bpmn-js NavigatedViewer, vendored): finished steps green, current steps blue.
   Reads data-xml-url, data-finished and data-current (space-separated element ids) from #diagram. */
(function () {
  "use strict";

  var READABLE = 0.6;  // below this scale the labels cannot be read

  function ids(value) {
    return (value || "").split(/\s+/).filter(Boolean);
  }

  function mark(viewer, list, marker) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    list.forEach(function (id) {
      if (registry.get(id)) {
        canvas.addMarker(id, marker);
      }
    });
  }

  /* The whole model when it is legible at that size; otherwise a readable scale centred on the step
     that matters now (the current task, or the last finished element). */
  function focus(viewer, target) {
    var canvas = viewer.get("canvas");
    canvas.zoom("fit-viewport");
    var element = target.map(function (id) { return viewer.get("elementRegistry").get(id); })
      .filter(Boolean)[0];
    if (canvas.zoom() >= READABLE || !element) {
      return;
    }
    var box = canvas.viewbox();
    var width = box.outer.width / READABLE;
    var height = box.outer.height / READABLE;
    var centreY = box.inner.height < height ? box.inner.y + box.inner.height / 2 : element.y + element.height / 2;
    var left = element.x + element.width / 2 - width / 2;
    left = Math.max(box.inner.x - 20, Math.min(left, box.inner.x + box.inner.width + 20 - width));
    canvas.viewbox({ x: left, y: centreY - height / 2, width: width, height: height });
  }

  function buttons(container, viewer, target) {
    var bar = container.parentNode.querySelector(".diagram-tools");
    if (!bar) {
      return;
    }
    bar.hidden = false;
    bar.addEventListener("click", function (event) {
      var action = event.target.getAttribute("data-diagram");
      if (action === "fit") {
        viewer.get("canvas").zoom("fit-viewport");
      } else if (action === "focus") {
        focus(viewer, target);
      }
    });
  }

  function fail(container, error) {
    var message = container.parentNode.querySelector(".diagram-error");
    if (message) {
      message.hidden = false;
    }
    container.setAttribute("data-state", "error");
    if (window.console) {
      window.console.error("diagram", error);
    }
  }

  function show(container) {
    if (typeof window.BpmnJS !== "function") {
      fail(container, "bpmn-js not loaded");
      return;
    }
    var viewer = new window.BpmnJS({ container: container });
    fetch(container.getAttribute("data-xml-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (xml) {
        return viewer.importXML(xml);
      })
      .then(function () {
        var finished = ids(container.getAttribute("data-finished"));
        var current = ids(container.getAttribute("data-current"));
        mark(viewer, finished, "done");
        mark(viewer, current, "current");
        var target = current.length ? current : finished.slice(-1);
        focus(viewer, target);
        buttons(container, viewer, target);
        container.setAttribute("data-state", "ready");
      })
      .catch(function (error) {
        fail(container, error);
      });
  }

  var container = document.getElementById("diagram");
  if (container) {
    show(container);
  }
})();
