// Live preview for the article editor. The page works without this
// script (the Preview button re-renders the form on the server); with it,
// the preview follows the text as it is typed.
(function () {
  "use strict";
  var body = document.getElementById("body");
  var out = document.getElementById("preview");
  if (!body || !out) return;
  var timer = 0, seq = 0;
  function refresh() {
    var mine = ++seq;
    var data = new URLSearchParams();
    data.set("body", body.value);
    fetch("/admin/preview", { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error("preview: " + r.status);
        return r.text();
      })
      .then(function (html) {
        // Only the latest request may paint, so a slow answer never
        // replaces a newer one. The HTML comes sanitised from the server.
        if (mine === seq) out.innerHTML = html;
      })
      .catch(function () {
        if (mine === seq) out.setAttribute("data-stale", "true");
      });
  }
  body.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
  out.hidden = false;
  var section = document.getElementById("preview-section");
  if (section) section.hidden = false;
  refresh();
})();
