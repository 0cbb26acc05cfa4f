// Applies the theme before the page paints: "auto" follows the operating system's light or dark mode.
(function () {
  var root = document.documentElement;
  var preference = root.getAttribute("data-theme-preference") || "auto";
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function apply() {
    var dark = preference === "dark" || (preference === "auto" && media && media.matches);
    root.setAttribute("data-bs-theme", dark ? "dark" : "light");
  }
  apply();
  if (media && media.addEventListener) {
    media.addEventListener("change", apply);
  }
  // Browsers without the features the console relies on get a plain page saying what to update.
  var modern = window.fetch && window.Promise && window.CSS && CSS.supports && CSS.supports("display", "grid")
    && CSS.supports("(--a: 0)") && "noModule" in document.createElement("script");
  if (!modern && location.pathname.indexOf("/browser-not-supported/") !== 0) {
    location.replace("/browser-not-supported/");
  }
})();
