// Cookie consent. The banner's buttons save the choice without reloading the page (the form works without
// JavaScript too). Any optional script must ask first: Manager.consent.allows("analytics") is false until the
// visitor allowed it; a "manager:consent" event tells scripts already loaded that the choice was made.
(function () {
  var VERSION = 1;

  function read() {
    var match = document.cookie.match(/(?:^|;\s*)cookie_consent=([^;]*)/);
    if (!match) return null;
    var parts = decodeURIComponent(match[1]).replace(/^"|"$/g, "").split(":");
    if (parts.length !== 3 || Number(parts[0]) !== VERSION || !/^[01]{2}$/.test(parts[1])) return null;
    return {
      necessary: true,
      analytics: parts[1].charAt(0) === "1",
      marketing: parts[1].charAt(1) === "1",
      givenAt: new Date(Number(parts[2]) * 1000),
    };
  }

  window.Manager = window.Manager || {};
  window.Manager.consent = {
    current: read,
    allows: function (category) {
      var consent = read();
      return category === "necessary" || Boolean(consent && consent[category]);
    },
  };

  document.addEventListener("DOMContentLoaded", function () {
    var banner = document.querySelector("[data-cookie-banner]");
    if (!banner) return;
    var form = banner.querySelector("form[data-cookie-form]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      var submitter = event.submitter;
      if (submitter && submitter.name) data.append(submitter.name, submitter.value);
      fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          if (!response.ok) throw new Error("The cookie choice was not saved.");
          banner.remove();
          document.dispatchEvent(new CustomEvent("manager:consent", { detail: read() }));
        })
        .catch(function () {
          form.submit();
        });
    });
  });
})();
