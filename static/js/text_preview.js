// Preview of a long text as the report shows it (the small Markdown subset). The server renders
// and sanitises it (reports.text.render_markdown); this only asks and shows the answer.
// Textareas with data-markdown get a "Preview" button; the URL and the labels (in the page's
// language) come from the help block #text-format-help.
(function () {
  "use strict";
  var help = document.getElementById("text-format-help");
  if (!help) { return; }
  var url = help.getAttribute("data-preview-url");
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  document.querySelectorAll("textarea[data-markdown]").forEach(function (textarea, index) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm btn-outline-secondary mt-1 text-preview-button";
    button.textContent = help.getAttribute("data-preview-label");
    var output = document.createElement("div");
    output.className = "text-preview border rounded p-2 mt-1 bg-body-tertiary";
    output.id = "text-preview-" + index;
    output.hidden = true;
    output.setAttribute("aria-live", "polite");
    output.setAttribute("aria-label", help.getAttribute("data-region-label"));
    button.setAttribute("aria-controls", output.id);
    button.setAttribute("aria-expanded", "false");
    textarea.insertAdjacentElement("afterend", output);
    textarea.insertAdjacentElement("afterend", button);
    button.addEventListener("click", function () {
      if (!output.hidden) {
        output.hidden = true;
        button.textContent = help.getAttribute("data-preview-label");
        button.setAttribute("aria-expanded", "false");
        return;
      }
      var data = new FormData();
      data.append("text", textarea.value);
      if (token) { data.append("csrfmiddlewaretoken", token.value); }
      fetch(url, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(function (html) {
          output.innerHTML = html || "<p>" + help.getAttribute("data-empty-label") + "</p>";
        })
        .catch(function () {
          output.textContent = help.getAttribute("data-error-label");
        })
        .then(function () {
          output.hidden = false;
          button.textContent = help.getAttribute("data-hide-label");
          button.setAttribute("aria-expanded", "true");
        });
    });
  });
})();
