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

  // A confirmation that came with a new page ("The request was cancelled.") is read out from
  // the live region that was already there: one that arrives with the swap is not.
  function announce(notice) {
    var region = document.getElementById("announcer");
    if (!region) return;
    region.textContent = "";
    if (notice) setTimeout(function () { region.textContent = notice.textContent.trim(); }, 100);
  }

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
      announce(root.querySelector("[data-notice]"));
      return;
    }
    if (submitted(event) && root.querySelector("[data-error-summary]")) focusAfterRender(root);
  });
})();

// The idle warning: a modal dialog 2 minutes before the server ends an idle session.
// "Stay signed in" extends the session in place (a 204), so nothing typed is lost.
(function () {
  "use strict";
  var timer = null;
  var ending = null;
  function arm() {
    var box = document.querySelector("[data-idle-warning]");
    if (!box || !box.showModal) return;
    var idle = parseInt(box.getAttribute("data-idle-seconds"), 10) || 900;
    var warn = parseInt(box.getAttribute("data-idle-warn"), 10) || 120;
    if (timer) clearTimeout(timer);
    if (ending) clearTimeout(ending);
    if (box.open) box.close();
    timer = setTimeout(function () {
      box.showModal();
      var button = box.querySelector("button");
      if (button) button.focus();
    }, Math.max(idle - warn, 10) * 1000);
    // A self-service machine ends its session itself once idle, for the next person.
    var end = document.querySelector("form[data-idle-end]");
    if (end) ending = setTimeout(function () { end.requestSubmit(); }, idle * 1000);
  }
  document.addEventListener("DOMContentLoaded", arm);
  document.addEventListener("htmx:afterSettle", arm);
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target;
    if (form && form.hasAttribute && form.hasAttribute("data-idle-extend") && event.detail.successful) arm();
  });
})();

// Photos for face recognition are shrunk on the phone to the size the matcher works at, so a
// 5 MB camera photo goes as a few hundred KB. Whatever fails leaves the photo as it was.
(function () {
  "use strict";
  function shrink(input) {
    var file = input.files && input.files[0];
    var max = parseInt(input.getAttribute("data-max-side"), 10);
    if (!file || !max || !window.createImageBitmap || !window.DataTransfer) return;
    if (!/^image\/(jpeg|png|webp)$/.test(file.type)) return;
    createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, max / Math.max(bitmap.width, bitmap.height));
      if (scale === 1) return;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) {
        if (!blob || blob.size >= file.size || input.files[0] !== file) return;
        var list = new DataTransfer();
        list.items.add(new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" }));
        input.files = list.files;
        input.setAttribute("data-shrunk", canvas.width + "x" + canvas.height);
      }, "image/jpeg", 0.9);
    }).catch(function () {});
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("input[type=file][data-max-side]")) shrink(target);
  });
})();
