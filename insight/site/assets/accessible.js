// Two repairs to the theme's own markup, which our templates cannot reach:
// - wide tables scroll inside a box the theme adds around them, and a keyboard user can
//   only scroll what can take focus (WCAG 2.1.1), so each box becomes a named region;
// - the search dialog has no accessible name (WCAG 4.1.2).
(function () {
  "use strict";

  function reachable(box) {
    if (box.hasAttribute("tabindex")) return;
    var caption = box.querySelector("caption");
    box.setAttribute("tabindex", "0");
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", caption ? caption.textContent : "Table, scrolls sideways");
  }

  function repair() {
    document.querySelectorAll(".md-typeset__scrollwrap").forEach(reachable);
    document.querySelectorAll('.md-search[role="dialog"]:not([aria-label])').forEach(function (dialog) {
      dialog.setAttribute("aria-label", "Search the site");
    });
  }

  new MutationObserver(repair).observe(document.body, { childList: true, subtree: true });
  repair();
})();
