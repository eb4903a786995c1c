package api

import "masthead"

// routes lists every route of the APIs. The router takes only guarded
// handlers (guard.go): h.content for the Content API, h.admin with a role
// for the Admin API, h.public for the document and the 404 answer.
// TestEveryRouteIsGuarded walks them all, and TestOpenAPIMatchesRoutes
// compares them with openapi.json.
func (h *Handler) routes(mux *routeMux) {
	mux.Handle("GET /api/openapi.json", h.public(h.openAPI))

	// Content API: read-only, with a content key.
	mux.Handle("GET /api/content/v1/articles", h.content(h.contentArticles))
	mux.Handle("GET /api/content/v1/articles/{slug}", h.content(h.contentArticle))
	mux.Handle("GET /api/content/v1/authors", h.content(h.contentAuthors))
	mux.Handle("GET /api/content/v1/columns", h.content(h.contentColumns))
	mux.Handle("GET /api/content/v1/topics", h.content(h.contentTopics))
	mux.Handle("GET /api/content/v1/regions", h.content(h.contentRegions))
	mux.Handle("GET /api/content/v1/search", h.content(h.contentSearch))

	// Admin API: articles for editors and admins.
	mux.Handle("GET /api/admin/v1/articles", h.admin(masthead.RoleEditor, h.adminArticles))
	mux.Handle("POST /api/admin/v1/articles", h.admin(masthead.RoleEditor, h.adminCreateArticle))
	mux.Handle("GET /api/admin/v1/articles/{id}", h.admin(masthead.RoleEditor, h.adminArticle))
	mux.Handle("PATCH /api/admin/v1/articles/{id}", h.admin(masthead.RoleEditor, h.adminUpdateArticle))
	mux.Handle("POST /api/admin/v1/articles/{id}/schedule", h.admin(masthead.RoleEditor, h.adminScheduleArticle))
	mux.Handle("POST /api/admin/v1/articles/{id}/publish", h.admin(masthead.RoleEditor, h.adminPublishArticle))
	mux.Handle("POST /api/admin/v1/articles/{id}/unpublish", h.admin(masthead.RoleEditor, h.adminUnpublishArticle))

	// Admin API: members, for admins, as in the staff area.
	mux.Handle("GET /api/admin/v1/members", h.admin(masthead.RoleAdmin, h.adminMembers))
	mux.Handle("GET /api/admin/v1/members/{id}", h.admin(masthead.RoleAdmin, h.adminMember))
	mux.Handle("PATCH /api/admin/v1/members/{id}", h.admin(masthead.RoleAdmin, h.adminUpdateMember))
	mux.Handle("POST /api/admin/v1/members/{id}/comp", h.admin(masthead.RoleAdmin, h.adminGrantComp))

	// Anything else under /api/ is a JSON 404.
	mux.Handle("/api/", h.public(h.notFound))
}
