// The "PDF is being prepared" page (reports/pdf_pending.html): asks the status endpoint every few
// seconds (a little less often as time goes on) and, once the PDF is ready, says so in the status
// region and starts the download. Without JavaScript the page's button does the same by hand.
// A page that says "failed" or "none" (the all-rounds spreadsheet: reports/export_pending.html,
// and the programme synthesis's PDF and spreadsheet: network/_synthesis_file_wait.html) stops asking and shows its
// "ask again" link instead of the download button; so does a page served in one of those states,
// which does not poll at all. "too-large" (more rows than an Excel sheet holds) is final too, and
// shows the CSV link instead: asking again would not help. A page marked data-reload-when-final
// reloads when the poll reports a final state, to show the page as served in that state (its
// heading and explanation); served so, it does not poll again.
(function () {
  "use strict";
  var box = document.querySelector("[data-pdf-status-url]");
  if (!box) { return; }
  var statusUrl = box.getAttribute("data-pdf-status-url");
  var pdfUrl = box.getAttribute("data-pdf-url");
  var delay = (Number(box.getAttribute("data-poll-seconds")) || 2) * 1000;
  var message = box.querySelector("[data-pdf-message]");
  var spinner = box.querySelector("[data-pdf-spinner]");
  var download = document.querySelector("[data-pdf-download]");
  var ask = document.querySelector("[data-pdf-ask]");
  var instead = document.querySelector("[data-pdf-instead]");
  var MAX_DELAY_MS = 15000;
  var FINAL = { failed: true, none: true, "too-large": true };

  function say(state) {
    message.textContent = message.getAttribute("data-" + state) || "";
    spinner.hidden = state !== "pending";
    box.setAttribute("data-pdf-state", state);
    if (download) { download.hidden = FINAL[state] === true; }
    if (ask) { ask.hidden = FINAL[state] !== true || state === "too-large"; }
    if (instead) { instead.hidden = state !== "too-large"; }
  }

  function check() {
    fetch(statusUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { state: "pending" }; })
      .catch(function () { return { state: "pending" }; })
      .then(function (data) {
        if (data.state === "ready") {
          say("ready");
          window.location.assign(pdfUrl);
        } else if (FINAL[data.state] && box.hasAttribute("data-reload-when-final")) {
          window.location.reload();  // the page as served in that state: its heading and texts
        } else if (FINAL[data.state]) {
          say(data.state);
        } else {
          say("pending");
          delay = Math.min(delay * 1.3, MAX_DELAY_MS);
          window.setTimeout(check, delay);
        }
      });
  }

  var served = box.getAttribute("data-pdf-state") || "pending";
  say(served);
  if (!FINAL[served]) { window.setTimeout(check, delay); }
})();
