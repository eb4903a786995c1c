package admin

import "net/http"

// routes lists every route of the staff area. Paths are full, as the
// reader site mounts this handler at /admin/ without stripping the prefix.
func (h *Handler) routes(mux *http.ServeMux) {
	// Signing in and out.
	mux.Handle("GET /admin/login", h.handle(h.loginForm))
	mux.Handle("POST /admin/login", h.handle(h.loginSubmit))
	mux.Handle("GET /admin/signin", h.handle(h.signInForm))
	mux.Handle("POST /admin/signin", h.handle(h.signInSubmit))
	mux.Handle("POST /admin/logout", h.handle(h.logout))

	// Articles.
	mux.Handle("GET /admin/{$}", h.staffPage(h.articleList))
	mux.Handle("GET /admin/articles", h.staffPage(h.articleList))
	mux.Handle("GET /admin/articles/new", h.staffPage(h.articleNew))
	mux.Handle("POST /admin/articles/new", h.staffPage(h.articleCreate))
	mux.Handle("GET /admin/articles/{id}", h.staffPage(h.articleEdit))
	mux.Handle("POST /admin/articles/{id}", h.staffPage(h.articleUpdate))
	mux.Handle("GET /admin/articles/{id}/delete", h.staffPage(h.articleDeleteConfirm))
	mux.Handle("POST /admin/articles/{id}/delete", h.staffPage(h.articleDelete))
	mux.Handle("POST /admin/preview", h.staffAPI(h.preview))

	// Staff management.
	mux.Handle("GET /admin/staff", h.staffPage(h.adminOnly(h.staffList)))

	// Embedded assets under content-hashed names.
	mux.Handle("GET /admin/static/{name}", h.handle(h.static))

	// Anything else under /admin/ is a clean 404 page.
	mux.Handle("/admin/", h.handle(h.notFound))
}
