/* SafeGuide checklist page: progress, copy to clipboard, print, clear.
 *
 * Ticks live only in the page (the checkboxes' own state): nothing goes to localStorage or
 * the server. A checklist is used for one incident, often on a shared custody terminal;
 * ticks kept after the page closed would show the next officer items as done that were not.
 * Text is only ever read with textContent.
 */
(function () {
  "use strict";

  var root = document.getElementById("checklist");
  if (!root) return;
  var ticks = Array.prototype.slice.call(root.querySelectorAll(".tick"));
  var progress = document.getElementById("check-progress");
  var copyButton = document.getElementById("copy-checklist");
  var printButton = document.getElementById("print-checklist");
  var clearButton = document.getElementById("clear-ticks");

  function done() { return ticks.filter(function (t) { return t.checked; }).length; }

  function update() {
    progress.textContent = done() + " of " + ticks.length + " ticked";
    ticks.forEach(function (t) { t.closest(".check-item").classList.toggle("is-done", t.checked); });
  }

  function asText() {
    var title = root.querySelector(".checklist-title").textContent.trim();
    var lines = [title];
    var draft = root.querySelector(".checklist-draft");
    if (draft) lines.push(draft.textContent.trim());
    lines.push("");
    root.querySelectorAll(".check-item").forEach(function (li) {
      var tick = li.querySelector(".tick");
      var source = li.querySelector(".print-source");
      var url = source.getAttribute("data-url");
      lines.push((tick.checked ? "[x] " : "[ ] ") + li.querySelector(".check-text").textContent.trim() +
        " (" + source.textContent.trim() + (url ? " " + location.origin + url : "") + ")");
    });
    return lines.join("\n");
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(area);
      if (ok) resolve(); else reject(new Error("copy failed"));
    });
  }

  ticks.forEach(function (t) { t.checked = false; t.addEventListener("change", update); });
  copyButton.addEventListener("click", function () {
    copy(asText()).then(function () { progress.textContent = "Checklist copied."; },
      function () { progress.textContent = "Could not copy: select the text instead."; });
  });
  printButton.addEventListener("click", function () { window.print(); });
  clearButton.addEventListener("click", function () {
    ticks.forEach(function (t) { t.checked = false; });
    update();
  });
  [copyButton, printButton, clearButton].forEach(function (b) { b.hidden = false; });
  update();
})();
