// The case-study explorer: filter the cards by the facet values written on each
// (data-facets), and keep the counts beside every value in step with the filter.
// Within a facet any checked value matches; across facets every facet must match.
(function () {
  "use strict";

  function setUp(explorer) {
    var cards = Array.prototype.slice.call(explorer.querySelectorAll("[data-facets]"));
    var facets = Array.prototype.slice.call(explorer.querySelectorAll("[data-facet]"));
    var shown = explorer.querySelector("[data-shown]");
    var reset = explorer.querySelector("[data-reset]");
    cards.forEach(function (card) {
      card.insightFacets = JSON.parse(card.getAttribute("data-facets"));
    });

    function chosen() {
      var result = {};
      facets.forEach(function (fieldset) {
        var values = Array.prototype.slice
          .call(fieldset.querySelectorAll("input:checked"))
          .map(function (input) { return input.value; });
        if (values.length) result[fieldset.getAttribute("data-facet")] = values;
      });
      return result;
    }

    // A card matches when, for every facet with a choice (but `except`), it has a chosen value.
    function matches(card, choice, except) {
      return Object.keys(choice).every(function (facet) {
        return facet === except || choice[facet].some(function (value) {
          return card.insightFacets[facet].indexOf(value) !== -1;
        });
      });
    }

    function update() {
      var choice = chosen();
      var visible = 0;
      cards.forEach(function (card) {
        var match = matches(card, choice, null);
        card.hidden = !match;
        if (match) visible += 1;
      });
      shown.textContent = String(visible);
      reset.hidden = Object.keys(choice).length === 0;
      // Each value's count: how many cards it would show, given the other facets' choices.
      facets.forEach(function (fieldset) {
        var facet = fieldset.getAttribute("data-facet");
        fieldset.querySelectorAll("label").forEach(function (label) {
          var value = label.querySelector("input").value;
          var count = cards.filter(function (card) {
            return matches(card, choice, facet) && card.insightFacets[facet].indexOf(value) !== -1;
          }).length;
          label.querySelector("[data-count]").textContent = String(count);
          label.classList.toggle("insight-facet-empty", count === 0);
        });
      });
    }

    explorer.addEventListener("change", update);
    reset.addEventListener("click", function () {
      explorer.querySelectorAll("input:checked").forEach(function (input) { input.checked = false; });
      update();
      // The button hides itself: keep the keyboard in the facets instead of losing it to the page.
      explorer.querySelector("[data-facet] input").focus();
    });
  }

  document.querySelectorAll("[data-explorer]").forEach(setUp);
})();
