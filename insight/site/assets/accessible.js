// Repairs to the theme's own markup, which our templates cannot reach:
// - wide tables scroll inside a box the theme adds around them, and a keyboard user can
//   only scroll what can take focus (WCAG 2.1.1), so each box becomes a named region;
// - the search dialog has no accessible name (WCAG 4.1.2);
// - what is out of sight takes no focus (WCAG 2.4.7): the navigation drawer while it is
//   closed off the edge of a narrow screen (the search results' box: see insight.css).
(function () {
  "use strict";

  function reachable(box) {
    if (box.hasAttribute("tabindex")) return;
    var caption = box.querySelector("caption");
    box.setAttribute("tabindex", "0");
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", caption ? caption.textContent : "Table, scrolls sideways");
  }

  function offScreen(element) {
    var box = element.getBoundingClientRect();
    return box.right <= 0 || box.left >= window.innerWidth;
  }

  function outOfSight() {
    document.querySelectorAll(".md-sidebar").forEach(function (sidebar) {
      sidebar.inert = offScreen(sidebar);
    });
  }

  function repair() {
    document.querySelectorAll(".md-typeset__scrollwrap").forEach(reachable);
    document.querySelectorAll('.md-search[role="dialog"]:not([aria-label])').forEach(function (dialog) {
      dialog.setAttribute("aria-label", "Search the site");
    });
    outOfSight();
  }

  new MutationObserver(repair).observe(document.body, { childList: true, subtree: true });
  // The drawer and the search open and close by checkboxes and slide in by CSS: look again
  // once they have moved.
  document.querySelectorAll(".md-toggle").forEach(function (toggle) {
    toggle.addEventListener("change", function () { setTimeout(outOfSight, 300); });
  });
  window.addEventListener("resize", outOfSight);
  document.addEventListener("transitionend", outOfSight);
  repair();
})();
