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

// Drag and drop for image uploads. Without this script (or in a browser
// that cannot set a file input's files) the plain file field does the
// same job; with it, a file dropped anywhere on the zone fills that field.
(function () {
  "use strict";
  var zones = document.querySelectorAll("[data-dropzone]");
  Array.prototype.forEach.call(zones, function (zone) {
    var input = zone.querySelector('input[type="file"]');
    if (!input || typeof DataTransfer === "undefined") return;
    zone.addEventListener("dragover", function (e) {
      e.preventDefault();
      zone.classList.add("dragging");
    });
    zone.addEventListener("dragleave", function () {
      zone.classList.remove("dragging");
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("dragging");
      if (!e.dataTransfer || !e.dataTransfer.files.length) return;
      var dt = new DataTransfer();
      dt.items.add(e.dataTransfer.files[0]);
      input.files = dt.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  });
})();
