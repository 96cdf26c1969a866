// Autosave of drafts, one unit at a time (a criterion's answer, the header, one score, a
// report section, a finding, an action proposal).
// Forms carry data-autosave-url; each unit inside carries data-unit and the hidden base_version
// and base_digests fields the page's own form posts. A save after a pause in typing posts the
// unit's fields to the endpoint, which uses the same versioned save as the form: on success the
// unit's base moves on ("Saved at 09:43"); on a conflict the unit shows both versions and stops
// autosaving until the person has merged and chosen "Save my merged text". Without JavaScript
// the form's buttons do the same with the same protection.
(function () {
  "use strict";
  var DELAY_MS = 1500;

  function text(form, key, fallback) {
    return form.getAttribute("data-autosave-" + key) || fallback;
  }

  function setupForm(form) {
    var url = form.getAttribute("data-autosave-url");
    var tokenInput = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!url || !tokenInput) { return; }
    var pending = 0;

    function settle() {
      // Everything typed is saved: leaving the page loses nothing (see app.js).
      if (pending === 0 && !form.querySelector(".has-conflict, .autosave-status.text-danger")) {
        form.dispatchEvent(new CustomEvent("autosave:clean"));
      }
    }

    form.querySelectorAll("[data-unit]").forEach(function (unit) {
      var timer = null;
      var inFlight = false;
      var again = false;
      var paused = false;
      var status = document.createElement("p");
      status.className = "autosave-status small text-body-secondary mb-2";
      status.setAttribute("role", "status");
      status.setAttribute("aria-live", "polite");
      var conflictBox = document.createElement("div");
      conflictBox.className = "autosave-conflict";
      // Where the page says (data-autosave-slot), else right below the unit's heading (which
      // may sit deeper, in a card's body), else at the top of the unit.
      var slot = unit.querySelector("[data-autosave-slot]");
      var heading = slot ? null : unit.querySelector("h2, h3");
      var parent = slot || (heading ? heading.parentNode : unit);
      var anchor = slot ? slot.firstChild : (heading ? heading.nextSibling : unit.firstChild);
      parent.insertBefore(status, anchor);
      parent.insertBefore(conflictBox, anchor);

      function baseInput(suffix) {
        return unit.querySelector("input[type=hidden][name$='-" + suffix + "']");
      }

      function setBase(body) {
        var version = baseInput("base_version");
        var digests = baseInput("base_digests");
        if (version && body.base_version !== undefined) { version.value = body.base_version; }
        if (digests && body.base_digests !== undefined) { digests.value = body.base_digests; }
      }

      function fields() {
        var data = new FormData();
        data.append("csrfmiddlewaretoken", tokenInput.value);
        data.append("unit", unit.getAttribute("data-unit"));
        unit.querySelectorAll("input, textarea, select").forEach(function (el) {
          if (!el.name || el.disabled || el.type === "file" || el.type === "submit") { return; }
          if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
          data.append(el.name, el.value);
        });
        return data;
      }

      function showConflict(body) {
        paused = true;
        conflictBox.innerHTML = body.html || "";
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-sm btn-warning mb-3";
        button.textContent = text(form, "merged", "Save my merged text");
        button.addEventListener("click", function () {
          setBase(body);  // the saved version is now the base: saving is a deliberate merge
          conflictBox.innerHTML = "";
          paused = false;
          save();
        });
        conflictBox.appendChild(button);
        unit.classList.add("has-conflict");
      }

      function handle(code, body) {
        if (body.status === "saved" || body.status === "unchanged") {
          setBase(body);
          unit.classList.remove("has-conflict");
          status.textContent = body.message;
          return true;
        }
        if (body.status === "conflict") {
          status.textContent = body.message;
          showConflict(body);
        } else if (body.status === "refused") {
          paused = true;
          status.textContent = body.message;
          status.classList.add("text-danger");
        } else {
          status.textContent = body.message || text(form, "failed", "Not saved automatically. Use “Save draft”.");
        }
        return false;
      }

      function save() {
        timer = null;
        if (paused) { return; }
        if (inFlight) { again = true; return; }
        inFlight = true;
        pending += 1;
        status.textContent = text(form, "saving", "Saving…");
        fetch(url, {
          method: "POST",
          body: fields(),
          credentials: "same-origin",
          headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
        }).then(function (response) {
          return response.json().then(function (body) { return handle(response.status, body); });
        }).catch(function () {
          status.textContent = text(form, "failed", "Not saved automatically. Use “Save draft”.");
        }).then(function () {
          inFlight = false;
          pending -= 1;
          if (again && !paused) { again = false; save(); } else { settle(); }
        });
      }

      function schedule(event) {
        if (paused || !event.target.name || event.target.type === "file") { return; }
        if (event.target.closest("#evidence-upload")) { return; }
        status.classList.remove("text-danger");
        status.textContent = text(form, "pending", "Not saved yet");
        if (timer) { clearTimeout(timer); }
        timer = setTimeout(save, DELAY_MS);
      }

      unit.addEventListener("input", schedule);
      unit.addEventListener("change", schedule);
    });
  }

  document.querySelectorAll("form[data-autosave-url]").forEach(setupForm);
})();
