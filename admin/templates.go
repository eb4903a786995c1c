package admin

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"masthead/http/web"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageNames lists every page template; each is parsed together with the
// layout into its own set, so pages may all define "content".
func pageNames() []string {
	return []string{"error", "message", "login", "signin", "list", "edit", "delete", "staff",
		"members", "member", "institutions", "institution",
		"newsletters", "newsletter", "issue", "issue_preview", "deliveries", "suppressions", "suppression_lift", "plans", "offers", "offer", "dashboard", "apikeys",
		"webhooks", "webhook", "webhook_delivery", "jobs",
		"taxonomy", "term", "column", "author", "settings", "home", "media", "media_image", "revisions"}
}

// pageParts lists, per page, the files of its sections kept apart from
// it (each defines a template the page calls).
var pageParts = map[string][]string{
	"dashboard": {"dashboard_crawlers"},
}

func parseTemplates(money web.MoneyFormat) map[string]*template.Template {
	base := template.Must(template.New("").Funcs(templateFuncs(money)).ParseFS(templateFS, "templates/layout.html"))
	pages := map[string]*template.Template{}
	for _, name := range pageNames() {
		t := template.Must(base.Clone())
		files := []string{"templates/" + name + ".html"}
		for _, part := range pageParts[name] {
			files = append(files, "templates/"+part+".html")
		}
		pages[name] = template.Must(t.ParseFS(templateFS, files...))
	}
	return pages
}

// assets are the embedded stylesheet and script, served under names that
// carry a hash of their content, so browsers may keep them for a year and
// still never run a stale copy.
type assets struct {
	byHashed map[string]asset // "admin.3f2a9c1b.css" → asset
	urls     map[string]string
}

type asset struct {
	body        []byte
	contentType string
}

func loadAssets() *assets {
	a := &assets{byHashed: map[string]asset{}, urls: map[string]string{}}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic("admin: embedded assets: " + err.Error()) // embedded at build time; cannot fail
	}
	for _, e := range entries {
		b, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			panic("admin: embedded asset " + e.Name() + ": " + err.Error())
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(e.Name())
		hashed := strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:5]) + ext
		ct := "application/octet-stream"
		switch ext {
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".js":
			ct = "text/javascript; charset=utf-8"
		}
		a.byHashed[hashed] = asset{body: b, contentType: ct}
		a.urls[e.Name()] = "/admin/static/" + hashed
	}
	return a
}

func (a *assets) url(name string) string { return a.urls[name] }

func (h *Handler) static(w http.ResponseWriter, r *http.Request) error {
	f, ok := h.assets.byHashed[r.PathValue("name")]
	if !ok {
		return h.notFound(w, r)
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(f.body)
	return nil
}
