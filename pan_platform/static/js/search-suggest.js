/* Title suggestions under the search box. No inline script; text only (no innerHTML). */
(function () {
  "use strict";
  function setup(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    if (!list) { return; }
    var timer = null, active = -1, lastAsked = "";
    function close() { list.hidden = true; list.textContent = ""; active = -1; input.setAttribute("aria-expanded", "false"); }
    function mark(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (el, i) { el.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
    }
    function show(suggestions) {
      list.textContent = "";
      suggestions.forEach(function (s, i) {
        var li = document.createElement("li"), a = document.createElement("a");
        li.setAttribute("role", "option"); li.id = "suggestion-" + i;
        a.href = s.url; a.textContent = s.title; li.appendChild(a); list.appendChild(li);
      });
      list.hidden = suggestions.length === 0;
      input.setAttribute("aria-expanded", suggestions.length ? "true" : "false");
      active = -1;
    }
    function ask() {
      var q = input.value.trim();
      if (q.length < 2 || q === lastAsked) { if (q.length < 2) { close(); } return; }
      lastAsked = q;
      var url = input.getAttribute("data-suggest-url") + "?q=" + encodeURIComponent(q);
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) { if (input.value.trim() === q) { show(data.suggestions || []); } })
        .catch(close);
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 150); });
    input.addEventListener("keydown", function (e) {
      var options = list.querySelectorAll("[role=option]");
      if (list.hidden || !options.length) { return; }
      if (e.key === "ArrowDown") { e.preventDefault(); mark((active + 1) % options.length); }
      else if (e.key === "ArrowUp") { e.preventDefault(); mark((active - 1 + options.length) % options.length); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); options[active].querySelector("a").click(); }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 200); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-suggest-url]").forEach(setup);
  });
})();
