// yamlparity HTML report: sort and filter the results table; open a divergence from its link.
// The page reads the same without this script (the Content-Security-Policy admits it by its
// hash only). It never turns report text into markup: textContent and attributes only.
(function () {
  "use strict";
  var SEVERITY = ["ERROR", "FAIL", "DIFF", "FIXED", "KNOWN", "SKIP", "MATCH"];

  function resultsTable() {
    var anchor = document.getElementById("results");
    var node = anchor && anchor.nextElementSibling;
    if (node && node.tagName === "TABLE") return node;
    // A team template without the anchor: the first table with a Verdict column.
    var tables = document.querySelectorAll("table");
    for (var i = 0; i < tables.length; i++) {
      if (verdictColumn(tables[i]) >= 0) return tables[i];
    }
    return null;
  }

  function headers(table) {
    return table.tHead ? Array.prototype.slice.call(table.tHead.rows[0].cells) : [];
  }

  function verdictColumn(table) {
    var cells = headers(table);
    for (var i = 0; i < cells.length; i++) {
      if (cells[i].textContent.trim() === "Verdict") return i;
    }
    return -1;
  }

  function rowVerdict(row, column) {
    var cell = row.cells[column];
    return cell ? cell.textContent.trim() : "";
  }

  function rowTargets(row, column) {
    var badge = row.cells[column] && row.cells[column].querySelector("[data-targets]");
    if (!badge) return [];
    try {
      return JSON.parse(badge.getAttribute("data-targets")) || [];
    } catch (e) {
      return [];
    }
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function setUp(table) {
    var body = table.tBodies[0];
    if (!body) return;
    var rows = Array.prototype.slice.call(body.rows);
    var column = verdictColumn(table);
    var counts = {};
    var targets = [];
    rows.forEach(function (row, index) {
      row.setAttribute("data-index", String(index));
      var verdict = rowVerdict(row, column);
      counts[verdict] = (counts[verdict] || 0) + 1;
      rowTargets(row, column).forEach(function (name) {
        if (targets.indexOf(name) < 0) targets.push(name);
      });
    });

    var state = { verdicts: {}, target: "", text: "" };
    var bar = element("div", { class: "controls", role: "search" });
    var chips = element("div", { class: "chips" });
    SEVERITY.forEach(function (verdict) {
      if (!counts[verdict]) return;
      var chip = element("button", {
        type: "button",
        class: "chip verdict v-" + verdict,
        "data-verdict": verdict,
        "aria-pressed": "false",
      }, verdict + " " + counts[verdict]);
      chip.addEventListener("click", function () {
        state.verdicts[verdict] = !state.verdicts[verdict];
        chip.setAttribute("aria-pressed", state.verdicts[verdict] ? "true" : "false");
        apply();
      });
      chips.appendChild(chip);
    });
    bar.appendChild(chips);

    if (targets.length) {
      var select = element("select", { "aria-label": "target", class: "target-filter" });
      select.appendChild(element("option", { value: "" }, "every target"));
      targets.forEach(function (name) {
        select.appendChild(element("option", { value: name }, "involves " + name));
      });
      select.addEventListener("change", function () {
        state.target = select.value;
        apply();
      });
      bar.appendChild(select);
    }
    var search = element("input", {
      type: "search",
      placeholder: "filter cases by text",
      "aria-label": "filter cases by text",
      class: "text-filter",
    });
    search.addEventListener("input", function () {
      state.text = search.value.toLowerCase();
      apply();
    });
    bar.appendChild(search);
    var status = element("span", { class: "shown", "aria-live": "polite" });
    bar.appendChild(status);
    table.parentNode.insertBefore(bar, table);

    function apply() {
      var anyVerdict = Object.keys(state.verdicts).some(function (v) {
        return state.verdicts[v];
      });
      var shown = 0;
      rows.forEach(function (row) {
        var ok = !anyVerdict || state.verdicts[rowVerdict(row, column)];
        if (ok && state.target) ok = rowTargets(row, column).indexOf(state.target) >= 0;
        if (ok && state.text) ok = row.textContent.toLowerCase().indexOf(state.text) >= 0;
        row.hidden = !ok;
        if (ok) shown++;
      });
      status.textContent = shown + " of " + rows.length + " cases";
    }
    apply();
    sortable(table, rows, column);
  }

  function sortKey(row, index, verdictIndex) {
    var text = row.cells[index] ? row.cells[index].textContent.trim() : "";
    if (index === verdictIndex) return [0, SEVERITY.indexOf(text), text];
    var number = Number(text.replace(/[^0-9.eE+-]/g, ""));
    if (text !== "" && /^[-+]?[0-9.]/.test(text) && !isNaN(number)) return [0, number, text];
    return [1, 0, text.toLowerCase()];
  }

  function compare(a, b) {
    for (var i = 0; i < a.length; i++) {
      if (a[i] < b[i]) return -1;
      if (a[i] > b[i]) return 1;
    }
    return 0;
  }

  function sortable(table, rows, verdictIndex) {
    var body = table.tBodies[0];
    headers(table).forEach(function (cell, index) {
      var button = element("button", { type: "button", class: "sort" }, cell.textContent);
      cell.textContent = "";
      cell.appendChild(button);
      cell.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = cell.getAttribute("aria-sort") !== "ascending";
        headers(table).forEach(function (other) {
          other.setAttribute("aria-sort", "none");
        });
        cell.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var keyed = rows.map(function (row) {
          return [sortKey(row, index, verdictIndex), Number(row.getAttribute("data-index")), row];
        });
        keyed.sort(function (a, b) {
          var order = compare(a[0], b[0]) * (ascending ? 1 : -1);
          return order || a[1] - b[1];
        });
        keyed.forEach(function (item) {
          body.appendChild(item[2]);
        });
      });
    });
  }

  function openFromHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (target && target.tagName === "DETAILS") {
      target.open = true;
      target.scrollIntoView();
    }
  }

  function tools() {
    var first = document.querySelector("details[id^='case-']");
    if (!first) return;
    var bar = element("div", { class: "controls" });
    [["open every divergence", true], ["close every divergence", false]].forEach(function (pair) {
      var button = element("button", { type: "button", class: "toggle-all" }, pair[0]);
      button.addEventListener("click", function () {
        document.querySelectorAll("details[id^='case-']").forEach(function (d) {
          d.open = pair[1];
        });
      });
      bar.appendChild(button);
    });
    first.parentNode.insertBefore(bar, first);
  }

  var table = resultsTable();
  if (table) setUp(table);
  tools();
  window.addEventListener("hashchange", openFromHash);
  openFromHash();
  document.documentElement.setAttribute("data-script", "ran");
})();
