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
