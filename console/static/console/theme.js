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
  // Browsers without the features the console relies on get a plain page saying what to update; the page
  // names what is missing (its keys are listed in console/views.py BROWSER_FEATURES).
  var css = window.CSS && CSS.supports ? function (test) { return CSS.supports(test); } : function () { return false; };
  var features = {
    "modern-javascript": "noModule" in document.createElement("script") && typeof Symbol === "function",
    "fetch": typeof window.fetch === "function" && typeof window.Promise === "function",
    "css-variables": css("(--a: 0)"),
    "css-grid": css("(display: grid)"),
    "flex-gap": css("(gap: 1rem)"),
    "color-scheme": typeof window.matchMedia === "function",
    "form-data": typeof window.FormData === "function" && typeof window.URLSearchParams === "function",
  };
  var missing = Object.keys(features).filter(function (name) { return !features[name]; });
  if (missing.length && location.pathname.indexOf("/browser-not-supported/") !== 0) {
    location.replace("/browser-not-supported/?missing=" + missing.join(","));
  }
})();
