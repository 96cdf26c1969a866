// Warn before leaving a long form with unsaved changes (forms marked data-warn-unsaved).
(function () {
  "use strict";
  document.querySelectorAll("form[data-warn-unsaved]").forEach(function (form) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    form.addEventListener("autosave:clean", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });
  });
})();

// Progress bars take their width from data-percent (no inline style: the CSP forbids it).
(function () {
  "use strict";
  document.querySelectorAll(".progress-bar[data-percent]").forEach(function (bar) {
    var percent = Math.max(0, Math.min(100, Number(bar.getAttribute("data-percent")) || 0));
    bar.style.width = percent + "%";
  });
})();

// A chosen file over the server's limit is refused at the field, before it is sent
// (inputs with data-max-bytes and data-too-large, the message in the page's language).
(function () {
  "use strict";
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    input.addEventListener("change", function () {
      var limit = Number(input.getAttribute("data-max-bytes"));
      var tooLarge = Array.prototype.some.call(input.files || [], function (file) { return file.size > limit; });
      input.setCustomValidity(tooLarge ? input.getAttribute("data-too-large") : "");
      if (tooLarge) { input.reportValidity(); }
    });
  });
})();
