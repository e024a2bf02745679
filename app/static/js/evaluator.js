/* Public rating page: the reason choices only matter for the bottom two levels, so with JS they stay hidden
   until one of those is chosen (without JS they are always shown, with a hint). Also a comment counter. */
(function () {
  "use strict";
  var form = document.querySelector("form.rating-form");
  if (!form) { return; }
  var BAD_LEVELS = ["1", "2"];
  var reasons = document.getElementById("reasons");
  var hint = document.getElementById("reasons-hint");

  function chosenLevel() {
    var checked = form.querySelector('input[name="level"]:checked');
    return checked ? checked.value : null;
  }

  function updateReasons() {
    if (!reasons) { return; }
    reasons.hidden = BAD_LEVELS.indexOf(chosenLevel()) === -1;
  }

  var comment = document.getElementById("comment");
  var counter = document.getElementById("comment-counter");
  function updateCounter() {
    if (!comment || !counter) { return; }
    counter.textContent = "已输入 " + comment.value.length + " / " + counter.getAttribute("data-max") + " 字";
  }

  if (hint) { hint.textContent = "请选择不满意的方面，便于相关部门改进"; }
  form.addEventListener("change", function (event) {
    if (event.target && event.target.name === "level") { updateReasons(); }
  });
  if (comment) { comment.addEventListener("input", updateCounter); }
  updateReasons();
  updateCounter();
}());
