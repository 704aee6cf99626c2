/* The query editor of the /sparql page: YASGUI (vendored, static/vendor/yasgui) over the plain
   form, which stays for browsers without JavaScript. Configuration (endpoint, the corpus's
   prefixes, the example queries of queries/) from /sparql-editor.json (query_editor.py).
   No request leaves this site: the prefix.cc and Linked Open Vocabularies completers of YASGUI
   are replaced by one that knows the corpus's prefixes. */
(function () {
  "use strict";

  var mount = document.getElementById("yasgui-editor");
  var form = document.getElementById("sparql-form");
  if (!mount || !form || typeof window.Yasgui !== "function") {
    return; // the plain form keeps working
  }
  var Yasgui = window.Yasgui;
  var Yasqe = Yasgui.Yasqe;

  function prefixCompleter(prefixes) {
    var lines = Object.keys(prefixes).sort().map(function (p) { return p + ": <" + prefixes[p] + ">"; });
    Yasqe.forkAutocompleter("prefixes", {
      name: "corpusPrefixes",
      persistenceId: null,
      get: function () { return Promise.resolve(lines); }
    }, false);
    // only completers that stay on this site: the corpus's prefixes and the query's own variables
    Yasqe.defaults.autocompleters.splice(0, Yasqe.defaults.autocompleters.length, "corpusPrefixes", "variables");
  }

  function examplePicker(config, yasgui) {
    var wrap = document.createElement("p");
    wrap.className = "example-picker";
    var label = document.createElement("label");
    label.htmlFor = "example-query";
    label.textContent = mount.dataset.labelExamples + " ";
    var select = document.createElement("select");
    select.id = "example-query";
    var none = document.createElement("option");
    none.value = "";
    none.textContent = mount.dataset.labelChoose;
    select.appendChild(none);
    config.examples.forEach(function (q) {
      var option = document.createElement("option");
      option.value = q.name;
      option.textContent = q.name + " — " + (config.lang === "en" ? q.question_en : q.question_nl);
      select.appendChild(option);
    });
    select.addEventListener("change", function () {
      var chosen = config.examples.filter(function (q) { return q.name === select.value; })[0];
      if (chosen) {
        load(yasgui, chosen.text);
      }
    });
    wrap.appendChild(label);
    wrap.appendChild(select);
    mount.parentNode.insertBefore(wrap, mount);
    // the examples list further down: "edit" puts the query in the editor instead of reloading
    document.querySelectorAll("#examples a[href*='example=']").forEach(function (a) {
      var name = new URL(a.href, document.baseURI).searchParams.get("example");
      var chosen = config.examples.filter(function (q) { return q.name === name; })[0];
      if (!chosen) { return; }
      a.addEventListener("click", function (event) {
        event.preventDefault();
        select.value = name;
        load(yasgui, chosen.text);
        mount.scrollIntoView();
      });
    });
  }

  // What YASGUI leaves out for assistive technology: names for its fields, a tab list with only
  // tabs in it, a keyboard-reachable scroll area. Re-applied whenever YASGUI redraws a part.
  var NAMES = {
    nl: { endpoint: "SPARQL-endpoint", query: "SPARQL-query", pageSize: "Rijen per pagina", filter: "Filter de resultaten", results: "Resultaten" },
    en: { endpoint: "SPARQL endpoint", query: "SPARQL query", pageSize: "Rows per page", filter: "Filter the results", results: "Results" }
  };

  function label(selector, text) {
    mount.querySelectorAll(selector).forEach(function (el) {
      if (!el.getAttribute("aria-label")) { el.setAttribute("aria-label", text); }
    });
  }

  function accessibility(lang) {
    var names = NAMES[lang] || NAMES.nl;
    label("input.autocomplete", names.endpoint);
    label(".CodeMirror textarea", names.query);
    label("select.tableSizer", names.pageSize);
    label("input.tableFilter", names.filter);
    label(".tabsList .tab input[type=text]", "tab");
    mount.querySelectorAll(".CodeMirror-scroll").forEach(function (el) {  // scrollable with the keyboard too
      if (el.getAttribute("tabindex") !== "0") { el.setAttribute("tabindex", "0"); el.setAttribute("role", "region"); el.setAttribute("aria-label", names.query); }
    });
    mount.querySelectorAll(".yasr_results").forEach(function (el) {
      if (!el.hasAttribute("tabindex")) { el.setAttribute("tabindex", "0"); el.setAttribute("role", "region"); el.setAttribute("aria-label", names.results); }
    });
    // the "new tab" button sits in the tab list, where only tabs may be: move it next to the list
    mount.querySelectorAll(".tabsList > [role=presentation]").forEach(function (wrap) {
      if (wrap.querySelector("button.addTab")) { wrap.parentNode.parentNode.insertBefore(wrap, wrap.parentNode.nextSibling); }
    });
  }

  function load(yasgui, text) {
    var yasqe = yasgui.getTab().getYasqe();
    yasqe.setValue(text);
    yasqe.focus();
  }

  // The column resizer of YASGUI's results table inserts <style> elements, which the site's
  // policy (default-src 'self') refuses. Its stylesheet comes from /sparql-editor.css instead; an
  // inert placeholder (not an HTML style element) with the resizer's own id for each of its
  // stylesheets makes it see them as present, so it inserts none.
  function resizerPlaceholders(ids) {
    ids.forEach(function (id) {
      var placeholder = document.createElementNS("urn:cloudkader:placeholder", "style");
      placeholder.gripid = id;
      document.head.appendChild(placeholder);
    });
  }


  // YASR's table hands DataTables the cell's HTML for type detection, so a column of numbers
  // ("6"^^xsd:integer, "12"^^xsd:integer) is sorted as text (12 < 6). Numeric literals are given
  // to DataTables as numbers for detection and sorting; what is shown does not change.
  var NUMERIC = /#(integer|decimal|double|float|long|int|short|byte|nonNegativeInteger|positiveInteger|nonPositiveInteger|negativeInteger|unsignedLong|unsignedInt|unsignedShort|unsignedByte)$/;
  function numericSort(Yasr) {
    var Table = Yasr && Yasr.plugins && Yasr.plugins.table;
    if (!Table || Table.prototype.__cloudkaderNumeric) { return; }
    var getColumns = Table.prototype.getColumns;
    Table.prototype.getColumns = function () {
      return getColumns.apply(this, arguments).map(function (col) {
        if (typeof col.render !== "function") { return col; }
        var render = col.render;
        col.render = function (cell, kind) {
          if ((kind === "type" || kind === "sort") && cell && cell.type !== "uri" && cell.datatype &&
              NUMERIC.test(cell.datatype) && !isNaN(Number(cell.value))) {
            return Number(cell.value);
          }
          return render.apply(this, arguments);
        };
        return col;
      });
    };
    Table.prototype.__cloudkaderNumeric = true;
  }

  function start(config) {
    resizerPlaceholders(config.resizerStyleIds || []);
    numericSort(Yasgui.Yasr);
    // YASGUI builds URLs from the endpoint (new URL(endpoint)): it must be absolute
    config.endpoint = new URL(config.endpoint, document.baseURI).href;
    prefixCompleter(config.prefixes);
    var textarea = document.getElementById("query");
    // visible before YASGUI draws itself: CodeMirror cannot measure a hidden editor
    form.hidden = true;
    mount.hidden = false;
    var yasgui = new Yasgui(mount, {
      requestConfig: {
        endpoint: config.endpoint,
        method: "POST",
        acceptHeaderSelect: "application/sparql-results+json,*/*;q=0.9",
        acceptHeaderGraph: "text/turtle,*/*;q=0.9"
      },
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: config.endpoint }]; } },
      copyEndpointOnNewTab: true,
      persistenceId: null,
      populateFromUrl: false,
      autofocus: false,
      yasqe: { value: textarea ? textarea.value : "", resizeable: true, editorHeight: "320px" },
      yasr: { prefixes: config.prefixes, defaultPlugin: "table" }
    });
    var tab = yasgui.getTab();
    tab.setEndpoint(config.endpoint);
    if (textarea && textarea.value) {
      tab.getYasqe().setValue(textarea.value);
    }
    document.body.classList.add("has-yasgui");
    // the server-rendered result of the plain form is replaced by YASGUI's as soon as it runs a query
    yasgui.on("query", function () {
      ["results", "error"].forEach(function (id) {
        var el = document.getElementById(id);
        if (el) { el.hidden = true; }
      });
    });
    examplePicker(config, yasgui);
    var pending = false;
    new MutationObserver(function () {
      if (pending) { return; }
      pending = true;
      window.requestAnimationFrame(function () { pending = false; accessibility(config.lang); });
    }).observe(mount, { childList: true, subtree: true });
    accessibility(config.lang);
    window.cloudkaderYasgui = yasgui; // for the browser tests
  }

  fetch(mount.dataset.config, { headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error("editor configuration: " + r.status); } return r.json(); })
    .then(start)
    .catch(function (err) { console.warn("the plain query form stays:", err); });
})();
