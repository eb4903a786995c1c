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

// The slug follows the title until an editor types one, and never once
// the article has been published (the field carries data-locked). The
// server does the same for an empty slug, so this only shows it early.
(function () {
  "use strict";
  var title = document.getElementById("title");
  var slug = document.getElementById("slug");
  if (!title || !slug || slug.hasAttribute("data-locked")) return;
  var fold = { "à": "a", "á": "a", "â": "a", "ä": "a", "ã": "a", "å": "a", "æ": "ae", "ç": "c", "è": "e", "é": "e",
    "ê": "e", "ë": "e", "ì": "i", "í": "i", "î": "i", "ï": "i", "ñ": "n", "ò": "o", "ó": "o", "ô": "o", "ö": "o",
    "õ": "o", "ø": "o", "ù": "u", "ú": "u", "û": "u", "ü": "u", "ý": "y", "ÿ": "y", "ß": "ss", "œ": "oe" };
  function slugify(s) {
    s = s.toLowerCase().replace(/[^\x00-\x7f]/g, function (c) { return fold[c] || " "; });
    s = s.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    if (s.length > 80) {
      var cut = s.slice(0, 81), i = cut.lastIndexOf("-");
      s = i > 0 ? cut.slice(0, i) : s.slice(0, 80);
    }
    return s;
  }
  // Following: the slug is empty or is what the title made of it.
  var following = slug.value === "" || slug.value === slugify(title.value);
  title.addEventListener("input", function () {
    if (following) slug.value = slugify(title.value);
  });
  slug.addEventListener("input", function () {
    following = slug.value === "";
  });
})();

// Autosave of a draft while it is typed. Each save carries the revision
// it was based on (the hidden base_revision field) and moves it on when
// it is kept; a save the server refuses because the article changed
// elsewhere stops autosaving and says so above the form, leaving the
// text in the page. Without this script the form's buttons save.
(function () {
  "use strict";
  var form = document.getElementById("article-form");
  if (!form || !form.hasAttribute("data-autosave")) return;
  var url = form.getAttribute("data-autosave");
  var base = document.getElementById("base_revision");
  var status = document.getElementById("autosave-status");
  var banner = document.getElementById("autosave-banner");
  var timer = 0, busy = false, again = false, stopped = false, dirty = false;
  function say(text) { if (status) status.textContent = text; }
  function save() {
    if (stopped) return;
    if (busy) { again = true; return; }
    busy = true; again = false; dirty = false;
    var data = new URLSearchParams(new FormData(form));
    data.delete("action");
    say("Saving…");
    fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        // A signed-out session answers with a page, not JSON.
        return r.json().catch(function () { return null; })
          .then(function (body) { return { ok: r.ok && body, status: r.status, body: body }; });
      })
      .then(function (res) {
        if (res.ok) {
          base.value = String(res.body.revision);
          say("Saved " + res.body.saved_at);
          return;
        }
        var msg = res.body && res.body.error ? res.body.error.message :
          "The draft could not be saved (" + res.status + "); use the buttons to save it.";
        if (res.status === 409) {
          // Another tab or person saved first: never overwrite them.
          stopped = true;
          banner.textContent = msg;
          banner.hidden = false;
          say("Not saved");
          return;
        }
        say("Not saved: " + msg);
      })
      .catch(function () { say("Not saved: the server could not be reached."); })
      .then(function () {
        busy = false;
        if (pending && !stopped) {
          var button = pending;
          pending = null;
          form.requestSubmit(button);
          return;
        }
        if (again && !stopped) save();
      });
  }
  form.addEventListener("input", function () {
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(save, 1500);
  });
  // A manual save is based on the newest autosave's revision: one sent
  // while an autosave is on its way waits for its answer.
  var pending = null;
  form.addEventListener("submit", function (e) {
    clearTimeout(timer);
    dirty = false;
    if (busy) {
      e.preventDefault();
      pending = e.submitter || null;
    }
  });
  window.addEventListener("beforeunload", function (e) {
    if (dirty && !stopped) { e.preventDefault(); }
  });
})();
