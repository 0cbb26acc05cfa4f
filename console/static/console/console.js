// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", function () {
  // The VAT number only applies to entities other than individuals.
  document.querySelectorAll("form[data-vat-form]").forEach(function (form) {
    var vatGroup = form.querySelector("#group-vat_number");
    if (!vatGroup) return;
    function update() {
      var checked = form.querySelector("input[name=entity_type]:checked");
      var select = form.querySelector("select[name=entity_type]");
      var entityType = checked ? checked.value : select ? select.value : "";
      vatGroup.hidden = entityType === "individual";
    }
    form.addEventListener("change", update);
    update();
  });
  // Products are chosen only for external users.
  document.querySelectorAll("form[data-role-form]").forEach(function (form) {
    var role = form.querySelector("select[name=role]");
    var products = form.querySelector("#group-products");
    if (!role || !products) return;
    function update() { products.hidden = role.value !== "external"; }
    role.addEventListener("change", update);
    update();
  });
});

// A table wider than its frame scrolls inside it (.table-responsive): the frame becomes a region that the
// keyboard reaches (Tab, then the arrow keys scroll it) and that a screen reader names after the table's
// caption or the heading above it (or of the section around it). A frame whose table fits stays out of the
// Tab order.
(function () {
  // The named landmark (a section with its heading) around the frame, if any.
  function section(frame) {
    var around = frame.parentElement && frame.parentElement.closest("section[aria-labelledby], [role=region][aria-labelledby]");
    return around ? document.getElementById(around.getAttribute("aria-labelledby")) : null;
  }
  function heading(frame) {
    var table = frame.querySelector("table");
    var caption = table && table.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption;
    var around = section(frame);
    if (around) return around;
    // The nearest heading before the frame in the page's order.
    var headings = Array.prototype.slice.call(document.querySelectorAll("main h1, main h2, main h3, main h4"));
    var before = headings.filter(function (h) {
      return h.compareDocumentPosition(frame) & Node.DOCUMENT_POSITION_FOLLOWING;
    });
    return before.length ? before[before.length - 1] : null;
  }
  var counter = 0;
  function update() {
    document.querySelectorAll(".table-responsive").forEach(function (frame) {
      if (frame.hasAttribute("data-region")) return; // the template made it a region of its own
      var scrolls = frame.scrollWidth > frame.clientWidth + 1;
      if (!scrolls) {
        frame.removeAttribute("tabindex");
        frame.removeAttribute("role");
        frame.removeAttribute("aria-labelledby");
        return;
      }
      var label = heading(frame);
      frame.setAttribute("tabindex", "0");
      // Inside a section that is already a landmark of that name, a group: no second landmark of the name.
      frame.setAttribute("role", section(frame) ? "group" : "region");
      if (label) {
        if (!label.id) label.id = "table-label-" + (++counter);
        frame.setAttribute("aria-labelledby", label.id);
      }
    });
  }
  document.addEventListener("DOMContentLoaded", update);
  document.addEventListener("htmx:afterSettle", update);
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(update, 100);
  });
})();
