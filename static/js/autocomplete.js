// Searchable choices over tables that grow (cities.autocomplete): the text input becomes an
// ARIA 1.2 combobox whose suggestions come, a page at a time, from the field's JSON endpoint.
// Choosing a suggestion puts its id in the hidden input beside it; typing clears the id, so a name
// typed without choosing is looked up by the server (as it is without JavaScript).
(function () {
  "use strict";
  var DELAY_MS = 250;
  var count = 0;

  function setup(box) {
    var input = box.querySelector("input[type=text]");
    var hidden = box.querySelector("input[data-autocomplete-value]");
    var list = box.querySelector("[role=listbox]");
    var status = box.querySelector("[data-autocomplete-status]");
    var url = box.getAttribute("data-autocomplete-url");
    if (!input || !hidden || !list || !status || !url) { return; }
    count += 1;
    var listId = (input.id || "autocomplete-" + count) + "-listbox";
    list.id = listId;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    var label = input.id ? document.querySelector('label[for="' + input.id + '"]') : null;
    if (label) {
      label.id = label.id || input.id + "-label";
      list.setAttribute("aria-labelledby", label.id);
    }
    var chosenText = input.value;
    var options = [];
    var active = -1;
    var timer = null;
    var latest = 0;

    function text(key) { return box.getAttribute("data-autocomplete-" + key) || ""; }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      options.forEach(function (option, position) {
        option.setAttribute("aria-selected", position === index ? "true" : "false");
      });
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(option) {
      hidden.value = option.getAttribute("data-id");
      input.value = option.textContent;
      chosenText = input.value;
      close();
      status.textContent = "";
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function render(data) {
      list.replaceChildren();
      options = (data.results || []).map(function (result, index) {
        var option = document.createElement("li");
        option.id = listId + "-" + index;
        option.className = "list-group-item list-group-item-action";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.setAttribute("data-id", String(result.id));
        option.textContent = result.label;
        // Keep the focus in the input while the pointer chooses.
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { choose(option); });
        list.appendChild(option);
        return option;
      });
      active = -1;
      if (options.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        status.textContent = text("some") + (data.more ? " " + text("more") : "");
      } else {
        close();
        status.textContent = text("none");
      }
    }

    function load() {
      var request = ++latest;
      var query = (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(input.value.trim());
      fetch(url + query, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (data) { if (request === latest) { render(data); } })
        .catch(function () {
          if (request === latest) { close(); status.textContent = text("error"); }
        });
    }

    input.addEventListener("input", function () {
      if (input.value !== chosenText) { hidden.value = ""; }
      window.clearTimeout(timer);
      timer = window.setTimeout(load, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) { load(); } else { highlight(Math.min(active + 1, options.length - 1)); }
      } else if (event.key === "ArrowUp") {
        if (!list.hidden) { event.preventDefault(); highlight(Math.max(active - 1, 0)); }
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) { event.preventDefault(); choose(options[active]); }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); }
      } else if (event.key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  document.querySelectorAll("[data-autocomplete-url]").forEach(setup);
})();
