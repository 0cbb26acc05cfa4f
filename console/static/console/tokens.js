// API tokens: copy a new token, show the scopes of the chosen application, enable the date of the validity,
// select the tokens to revoke. Every form works without it.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.copyTarget);
      var label = button.querySelector("[data-copy-label]");
      function done() { if (label) label.textContent = "Copied"; }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { input.select(); });
      } else {
        input.select();
        document.execCommand("copy");
        done();
      }
    });
  });

  document.querySelectorAll("form[data-token-form]").forEach(function (form) {
    var application = form.querySelector("select[name=application]");
    var expires = form.querySelector("[data-expires-group]");
    function update() {
      form.querySelectorAll("[data-application]").forEach(function (group) {
        var shown = group.dataset.application === application.value;
        group.hidden = !shown;
        group.querySelectorAll("input").forEach(function (box) { box.disabled = !shown; });
      });
      var validity = form.querySelector("input[name=validity]:checked");
      var dated = validity && validity.value === "date";
      expires.hidden = !dated;
      expires.querySelectorAll("input").forEach(function (input) { input.disabled = !dated; });
    }
    form.addEventListener("change", update);
    update();
  });

  document.querySelectorAll("form[data-revoke-form]").forEach(function (form) {
    var all = form.querySelector("[data-select-all]");
    var button = form.querySelector("[data-revoke-button]");
    var boxes = form.querySelectorAll("input[name=token]");
    function update() {
      var ticked = Array.prototype.filter.call(boxes, function (box) { return box.checked; }).length;
      if (button) button.disabled = ticked === 0;
      if (all) all.checked = ticked > 0 && ticked === boxes.length;
    }
    if (all) all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      update();
    });
    boxes.forEach(function (box) { box.addEventListener("change", update); });
    update();
  });
});
