// Reseller Area → Managed Clients: ticking clients, the bar at the bottom of the page, and the Download
// dialog (which clients it exports, which period fields it shows, starting the download).
document.addEventListener("DOMContentLoaded", function () {
  var section = document.getElementById("managed-clients");
  var bar = document.getElementById("selection-bar");
  var dialog = document.getElementById("export-dialog");
  if (!section || !bar || !dialog) return;
  var pageBox = document.getElementById("select-page");
  var boxes = Array.prototype.slice.call(section.querySelectorAll("input[data-client-checkbox]"));
  var countText = bar.querySelector("[data-selection-count]");
  var matchingButton = bar.querySelector("[data-select-matching]");
  var total = parseInt(section.dataset.total || "0", 10);
  var matching = false; // every client matching the filters, on every page
  var scope = "all";
  // The sentences in the page's language (partners.views), "{count}" standing for a number.
  var texts = JSON.parse(document.getElementById("managed-clients-texts").textContent);
  var pluralRules = new Intl.PluralRules(document.documentElement.lang || "en");

  function ticked() {
    return boxes.filter(function (box) { return box.checked; });
  }

  function counted(forms, count) {
    return forms[pluralRules.select(count) === "one" ? 0 : 1].replace("{count}", count);
  }

  function update() {
    var count = ticked().length;
    var allOnPage = boxes.length > 0 && count === boxes.length;
    if (!allOnPage) matching = false;
    if (pageBox) {
      pageBox.checked = allOnPage;
      pageBox.indeterminate = count > 0 && !allOnPage;
    }
    bar.hidden = count === 0;
    document.body.classList.toggle("has-selection-bar", count > 0);
    countText.textContent = matching ? texts.allMatchingSelected : counted(texts.selected, count);
    matchingButton.hidden = matching || !allOnPage || total <= boxes.length;
  }

  boxes.forEach(function (box) {
    box.addEventListener("change", function () { matching = false; update(); });
  });
  if (pageBox) {
    pageBox.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = pageBox.checked; });
      matching = false;
      update();
    });
  }
  matchingButton.addEventListener("click", function () { matching = true; update(); });
  bar.querySelector("[data-clear-selection]").addEventListener("click", function () {
    boxes.forEach(function (box) { box.checked = false; });
    matching = false;
    update();
  });

  function setHidden(form, name, value) {
    var input = form.querySelector("input[type=hidden][name=" + name + "]");
    if (input) input.value = value;
  }

  // The dialog exports all clients (Download), the ticked ones, or all those matching the filters.
  function applyScope(form) {
    if (!form) return;
    setHidden(form, "scope", scope);
    setHidden(form, "q", scope === "matching" ? section.dataset.q : "");
    setHidden(form, "access", scope === "matching" ? section.dataset.access : "");
    setHidden(form, "payment_method", scope === "matching" ? section.dataset.paymentMethod : "");
    setHidden(form, "until", scope === "matching" ? section.dataset.until : "");
    form.querySelectorAll("input[type=hidden][name=clients]").forEach(function (input) { input.remove(); });
    var chosen = ticked();
    if (scope === "selected") {
      chosen.forEach(function (box) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = "clients";
        input.value = box.value;
        form.appendChild(input);
      });
    }
    var text = form.querySelector("[data-export-scope-text]");
    if (text) {
      text.textContent = scope === "selected" ? counted(texts.ticked, chosen.length)
        : scope === "matching" ? texts.allMatching
        : texts.allClients;
    }
  }

  // The bulk actions (ask for a renewal, stop) post the ticked clients, or the filters of "all matching".
  var bulkForm = document.getElementById("bulk-form");
  if (bulkForm) {
    bulkForm.addEventListener("submit", function () {
      scope = matching ? "matching" : "selected";
      applyScope(bulkForm);
    });
  }

  dialog.addEventListener("show.bs.modal", function (event) {
    var trigger = event.relatedTarget;
    scope = trigger && trigger.dataset.exportScope === "selected" ? (matching ? "matching" : "selected") : "all";
    applyScope(dialog.querySelector("#export-form"));
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "export-dialog-body") {
      applyScope(dialog.querySelector("#export-form[data-fresh]"));
    }
  });

  // Only the fields of the chosen period are shown.
  dialog.addEventListener("change", function (event) {
    if (event.target.name !== "period") return;
    dialog.querySelectorAll("[data-period-group]").forEach(function (group) {
      group.hidden = group.dataset.periodGroup !== event.target.value;
    });
  });

  // A small export: the server answers with the file's address; the browser downloads it, the page stays.
  document.body.addEventListener("billingExportDownload", function (event) {
    window.location.assign(event.detail.url);
  });

  update();
});
