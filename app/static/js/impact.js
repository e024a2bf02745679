// Impact preview: polls the background replay's progress and reloads the page when it has finished.
(function () {
  var box = document.getElementById("replay-progress");
  if (!box) return;
  var bar = box.querySelector("progress"), text = box.querySelector(".progress-text");
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        bar.max = p.total || 1; bar.value = p.done; text.textContent = p.done + " / " + p.total;
        if (p.status === "done" || p.status === "failed") { window.location.reload(); }
        else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
