// The "PDF is being prepared" page (reports/pdf_pending.html): asks the status endpoint every few
// seconds (a little less often as time goes on) and, once the PDF is ready, says so in the status
// region and starts the download. Without JavaScript the page's button does the same by hand.
(function () {
  "use strict";
  var box = document.querySelector("[data-pdf-status-url]");
  if (!box) { return; }
  var statusUrl = box.getAttribute("data-pdf-status-url");
  var pdfUrl = box.getAttribute("data-pdf-url");
  var delay = (Number(box.getAttribute("data-poll-seconds")) || 2) * 1000;
  var message = box.querySelector("[data-pdf-message]");
  var spinner = box.querySelector("[data-pdf-spinner]");
  var MAX_DELAY_MS = 15000;

  function say(state) {
    message.textContent = message.getAttribute("data-" + state) || "";
    spinner.hidden = state !== "pending";
    box.setAttribute("data-pdf-state", state);
  }

  function check() {
    fetch(statusUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { state: "pending" }; })
      .catch(function () { return { state: "pending" }; })
      .then(function (data) {
        if (data.state === "ready") {
          say("ready");
          window.location.assign(pdfUrl);
        } else if (data.state === "failed") {
          say("failed");
        } else {
          say("pending");
          delay = Math.min(delay * 1.3, MAX_DELAY_MS);
          window.setTimeout(check, delay);
        }
      });
  }

  say("pending");
  window.setTimeout(check, delay);
})();
