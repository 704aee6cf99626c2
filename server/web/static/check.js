// The service check form: choosing a part of a measure (an exit strategy's part, a contract
// point a cloud contract covers) ticks the measure itself; unticking the measure clears its
// parts. The own-organisation fields show only when "own organisation" is chosen. On a result:
// bring it into view; the print button prints the page (print CSS leaves the form out).
(function () {
  "use strict";
  var form = document.getElementById("check-form");
  if (form) {
    var parts = form.querySelectorAll("input.part");
    var onPart = function (ev) {
      var measure = document.getElementById(ev.target.getAttribute("data-measure"));
      if (measure && ev.target.checked) { measure.checked = true; }
    };
    for (var i = 0; i < parts.length; i++) { parts[i].addEventListener("change", onPart); }
    var measures = form.querySelectorAll("input[name=measure]");
    var onMeasure = function (ev) {
      if (ev.target.checked) { return; }
      var own = form.querySelectorAll("input.part[data-measure='" + ev.target.id + "']");
      for (var j = 0; j < own.length; j++) { own[j].checked = false; }
    };
    for (var k = 0; k < measures.length; k++) { measures[k].addEventListener("change", onMeasure); }
    var org = document.getElementById("org");
    var ownOrg = document.getElementById("own-org");
    var syncOrg = function () { if (org && ownOrg) { ownOrg.hidden = org.value !== "own"; } };
    if (org) { org.addEventListener("change", syncOrg); syncOrg(); }
  }
  var print = document.getElementById("print-result");
  if (print) { print.addEventListener("click", function () { window.print(); }); }
  var result = document.getElementById("result");
  if (result && result.scrollIntoView) { result.scrollIntoView(); }
})();
