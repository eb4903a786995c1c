// Title suggestions under the search box as the reader types. The page
// works without it: the form submits to /search either way.
(function () {
  "use strict";
  var input = document.getElementById("search-q");
  var list = document.getElementById("search-suggestions");
  if (!input || !list || !window.fetch) return;
  var timer = 0, last = "", seq = 0;

  function clear() {
    list.hidden = true;
    list.textContent = "";
    input.setAttribute("aria-expanded", "false");
  }

  function show(items) {
    list.textContent = "";
    items.forEach(function (it) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      var a = document.createElement("a");
      a.href = it.url;
      a.textContent = it.title; // text, never HTML
      li.appendChild(a);
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
  }

  function ask() {
    var q = input.value.trim();
    if (q === last) return;
    last = q;
    if (q.length < 2) { clear(); return; }
    var mine = ++seq;
    fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q), { credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (items) { if (mine === seq) show(items || []); })
      .catch(function () { if (mine === seq) clear(); });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 120);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Escape") clear();
    if (e.key === "ArrowDown" && !list.hidden) {
      var first = list.querySelector("a");
      if (first) { first.focus(); e.preventDefault(); }
    }
  });
  list.addEventListener("keydown", function (e) {
    var links = Array.prototype.slice.call(list.querySelectorAll("a"));
    var i = links.indexOf(document.activeElement);
    if (e.key === "ArrowDown" && i < links.length - 1) { links[i + 1].focus(); e.preventDefault(); }
    if (e.key === "ArrowUp") { (i > 0 ? links[i - 1] : input).focus(); e.preventDefault(); }
    if (e.key === "Escape") { clear(); input.focus(); }
  });
})();
