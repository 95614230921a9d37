/* SafeGuide reader: bring the cited passage into view and give it focus.
 *
 * CSS :target already highlights /documents/<id>#<chunk_id> without this script; here we
 * also scroll the highlighted span (?span=...) to the middle of the screen, move keyboard
 * and screen-reader focus to the passage, and say so when the link's passage is gone.
 */
(function () {
  "use strict";

  function show() {
    var id = "";
    try { id = decodeURIComponent(window.location.hash.slice(1)); } catch (e) { return; }
    if (!id) return;
    document.querySelectorAll(".chunk.is-cited").forEach(function (node) {
      node.classList.remove("is-cited");
    });
    var target = document.getElementById(id);
    var stale = document.getElementById("stale-link");
    if (!target || !target.classList.contains("chunk")) {
      if (stale) stale.hidden = false;
      return;
    }
    if (stale) stale.hidden = true;
    target.classList.add("is-cited");
    target.focus({ preventScroll: true });
    var mark = target.querySelector("mark");
    if (!mark) {
      target.scrollIntoView({ block: "start" });
      return;
    }
    // The quoted words a quarter of the way down the screen, the passage's start above them.
    var top = mark.getBoundingClientRect().top;
    window.scrollBy(0, top - window.innerHeight * 0.25);
  }

  window.addEventListener("hashchange", show);
  // Again after "load": the browser's own jump to the #fragment can land after our first run.
  window.addEventListener("load", function () { window.requestAnimationFrame(show); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show);
  else show();
})();
