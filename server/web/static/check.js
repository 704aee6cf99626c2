// The service check form: choosing a part of an exit strategy implies the exit strategy itself.
(function () {
  "use strict";
  var form = document.getElementById("check-form");
  if (!form) { return; }
  var exit = document.getElementById("measure-exit");
  var parts = form.querySelectorAll("input.exitpart");
  function sync(ev) {
    if (exit && ev.target.checked) { exit.checked = true; }
  }
  for (var i = 0; i < parts.length; i++) { parts[i].addEventListener("change", sync); }
  if (exit) {
    exit.addEventListener("change", function () {
      if (!exit.checked) { for (var j = 0; j < parts.length; j++) { parts[j].checked = false; } }
    });
  }
  // after a check, bring the result into view
  var result = document.getElementById("result");
  if (result && result.scrollIntoView) { result.scrollIntoView(); }
})();
