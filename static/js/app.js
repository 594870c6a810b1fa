// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Move focus to the error summary, or after an HTMX swap to the new page heading,
  // so screen reader users hear what changed.
  function focusAfterRender(root) {
    var target = root.querySelector("[data-error-summary]") || root.querySelector("h1");
    if (target) {
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus({ preventScroll: false });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  });

  // After a boosted navigation only <main> is new: the language switch in the footer must
  // still return to the page now shown, not the one first loaded.
  // With the query: the filters chosen stay when the language changes (as on the server, the
  // path alone when the query is too long to keep whole).
  function syncLanguageNext() {
    var next = document.querySelector(".lang-switch input[name=next]");
    if (!next) return;
    var here = window.location.pathname + window.location.search;
    next.value = here.length <= 200 ? here : window.location.pathname;
  }
  document.addEventListener("htmx:pushedIntoHistory", syncLanguageNext);
  document.addEventListener("htmx:replacedInHistory", syncLanguageNext);

  // After a form is submitted into a smaller region, focus goes to a new error summary, as
  // after a page load. Live updates as one types or chooses leave focus where it is.
  function submitted(event) {
    var config = event.detail && event.detail.requestConfig;
    return !!(config && config.triggeringEvent && config.triggeringEvent.type === "submit");
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.target;
    if (!root || !root.querySelector) return; // a swapped-in text node
    if (root.id === "main") {
      syncLanguageNext();
      focusAfterRender(root);
      return;
    }
    if (submitted(event) && root.querySelector("[data-error-summary]")) focusAfterRender(root);
  });
})();

// The idle warning: shown 2 minutes before the server ends an idle session.
(function () {
  "use strict";
  var timer = null;
  function arm() {
    var box = document.querySelector("[data-idle-warning]");
    if (!box) return;
    var idle = parseInt(box.getAttribute("data-idle-seconds"), 10) || 900;
    if (timer) clearTimeout(timer);
    box.hidden = true;
    timer = setTimeout(function () {
      box.hidden = false;
      var button = box.querySelector("button");
      if (button) button.focus();
    }, Math.max(idle - 120, 10) * 1000);
  }
  document.addEventListener("DOMContentLoaded", arm);
  document.addEventListener("htmx:afterSettle", arm);
})();
