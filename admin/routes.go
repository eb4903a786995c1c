package admin

import (
	"strings"

	"masthead"
)

// routes lists every route of the staff area. Paths are full, as the
// reader site mounts this handler at /admin/ without stripping the prefix.
// The router takes only guarded handlers (guard.go): wrap a new route in
// h.staffPage or h.staffAPI, or h.public if anyone may reach it;
// TestEveryAdminRouteIsGuarded walks them all.
func (h *Handler) routes(mux *routeMux) {
	// Signing in and out.
	mux.Handle("GET /admin/login", h.public(h.loginForm))
	mux.Handle("POST /admin/login", h.public(h.loginSubmit))
	mux.Handle("GET /admin/signin", h.public(h.signInForm))
	mux.Handle("POST /admin/signin", h.public(h.signInSubmit))
	mux.Handle("POST /admin/logout", h.public(h.logout))

	// Articles.
	mux.Handle("GET /admin/{$}", h.staffPage(h.home))
	mux.Handle("GET /admin/articles", h.staffPage(h.articleList))
	mux.Handle("GET /admin/articles/new", h.staffPage(h.articleNew))
	mux.Handle("POST /admin/articles/new", h.staffPage(h.articleCreate))
	mux.Handle("GET /admin/articles/{id}", h.staffPage(h.articleEdit))
	mux.Handle("POST /admin/articles/{id}", h.staffPage(h.articleUpdate))
	mux.Handle("GET /admin/articles/{id}/delete", h.staffPage(h.articleDeleteConfirm))
	mux.Handle("POST /admin/articles/{id}/delete", h.staffPage(h.articleDelete))
	mux.Handle("POST /admin/preview", h.staffAPI(h.preview))
	// The writing desk (revisions.go): revisions and their diff,
	// restoring, autosave, corrections and updates.
	mux.Handle("GET /admin/articles/{id}/revisions", h.staffPage(h.revisionList))
	mux.Handle("POST /admin/articles/{id}/revisions/{rev}/restore", h.staffPage(h.revisionRestore))
	mux.Handle("POST /admin/articles/{id}/autosave", h.staffAPI(h.autosave))
	mux.Handle("POST /admin/articles/{id}/notes", h.staffPage(h.noteAdd))
	mux.Handle("POST /admin/articles/{id}/notes/{note}", h.staffPage(h.noteEdit))
	mux.Handle("POST /admin/articles/{id}/notes/{note}/delete", h.staffPage(h.noteDelete))

	// The site's structure (taxonomy.go, columns.go, authors.go):
	// editors and admins; an author edits their own author profile.
	mux.Handle("GET /admin/columns", h.staffPage(h.newsroomOnly(h.taxonomyList(masthead.TermColumn))))
	mux.Handle("GET /admin/columns/new", h.staffPage(h.newsroomOnly(h.columnNew)))
	mux.Handle("POST /admin/columns/new", h.staffPage(h.newsroomOnly(h.columnSave)))
	mux.Handle("GET /admin/columns/{slug}", h.staffPage(h.newsroomOnly(h.columnEdit)))
	mux.Handle("POST /admin/columns/{slug}", h.staffPage(h.newsroomOnly(h.columnSave)))
	mux.Handle("GET /admin/authors", h.staffPage(h.newsroomOnly(h.taxonomyList(masthead.TermAuthor))))
	mux.Handle("GET /admin/authors/new", h.staffPage(h.newsroomOnly(h.authorNew)))
	mux.Handle("POST /admin/authors/new", h.staffPage(h.newsroomOnly(h.authorCreate)))
	mux.Handle("GET /admin/authors/{slug}", h.staffPage(h.authorEdit))
	mux.Handle("POST /admin/authors/{slug}", h.staffPage(h.authorUpdate))
	mux.Handle("POST /admin/authors/{slug}/merge", h.staffPage(h.newsroomOnly(h.authorMerge)))
	for _, kind := range []masthead.TermKind{masthead.TermTopic, masthead.TermRegion} {
		p := "/admin" + kind.Prefix()
		mux.Handle("GET "+strings.TrimSuffix(p, "/"), h.staffPage(h.newsroomOnly(h.taxonomyList(kind))))
		mux.Handle("GET "+p+"new", h.staffPage(h.newsroomOnly(h.termNew(kind))))
		mux.Handle("POST "+p+"new", h.staffPage(h.newsroomOnly(h.termSave(kind))))
		mux.Handle("GET "+p+"{slug}", h.staffPage(h.newsroomOnly(h.termEdit(kind))))
		mux.Handle("POST "+p+"{slug}", h.staffPage(h.newsroomOnly(h.termSave(kind))))
		mux.Handle("POST "+p+"{slug}/merge", h.staffPage(h.newsroomOnly(h.termMerge(kind))))
	}

	// The home page's layout (home.go): editors and admins.
	mux.Handle("GET /admin/home", h.staffPage(h.homeEditors(h.homeLayoutPage)))
	mux.Handle("POST /admin/home", h.staffPage(h.homeEditors(h.homeLayoutSave)))

	// Site settings (settings.go): admins.
	mux.Handle("GET /admin/settings", h.staffPage(h.settingsOnly(h.settingsPage)))
	mux.Handle("POST /admin/settings", h.staffPage(h.settingsOnly(h.settingsSave)))

	// The media library (media.go): every member of staff uploads;
	// deleting another's image is for editors (checked in the handler).
	mux.Handle("GET /admin/media", h.staffPage(h.mediaList))
	mux.Handle("POST /admin/media/upload", h.staffPage(h.mediaUpload))
	mux.Handle("GET /admin/media/{id}", h.staffPage(h.mediaEdit))
	mux.Handle("POST /admin/media/{id}", h.staffPage(h.mediaUpdate))
	mux.Handle("POST /admin/media/{id}/delete", h.staffPage(h.mediaDelete))

	// Staff management.
	mux.Handle("GET /admin/staff", h.staffPage(h.adminOnly(h.staffList)))
	mux.Handle("POST /admin/staff/{id}/remove", h.staffPage(h.adminOnly(h.staffRemove)))

	// Members, complimentary grants and institutions (members.go,
	// institutions.go).
	mux.Handle("GET /admin/members", h.staffPage(h.adminOnly(h.memberList)))
	mux.Handle("GET /admin/members/{id}", h.staffPage(h.adminOnly(h.memberPage)))
	mux.Handle("POST /admin/members/{id}/comp", h.staffPage(h.adminOnly(h.compGrant)))
	mux.Handle("POST /admin/members/{id}/comp/{eid}/end", h.staffPage(h.adminOnly(h.compEnd)))
	mux.Handle("GET /admin/institutions", h.staffPage(h.adminOnly(h.institutionList)))
	mux.Handle("GET /admin/institutions/new", h.staffPage(h.adminOnly(h.institutionNew)))
	mux.Handle("POST /admin/institutions/new", h.staffPage(h.adminOnly(h.institutionCreate)))
	mux.Handle("GET /admin/institutions/{id}", h.staffPage(h.adminOnly(h.institutionEdit)))
	mux.Handle("POST /admin/institutions/{id}", h.staffPage(h.adminOnly(h.institutionUpdate)))

	// Plans (plans.go).
	mux.Handle("GET /admin/plans", h.staffPage(h.adminOnly(h.planList)))
	mux.Handle("POST /admin/plans/{slug}", h.staffPage(h.adminOnly(h.planUpdate)))

	// Offers (offers.go): editors and admins.
	mux.Handle("GET /admin/offers", h.staffPage(h.offersDesk(h.offerList)))
	mux.Handle("GET /admin/offers/new", h.staffPage(h.offersDesk(h.offerNew)))
	mux.Handle("POST /admin/offers/new", h.staffPage(h.offersDesk(h.offerCreate)))
	mux.Handle("GET /admin/offers/{id}", h.staffPage(h.offersDesk(h.offerEdit)))
	mux.Handle("POST /admin/offers/{id}", h.staffPage(h.offersDesk(h.offerUpdate)))

	// The newsletter desk and the suppression list (newsletters.go,
	// suppressions.go): editors and admins.
	mux.Handle("GET /admin/newsletters", h.staffPage(h.editorsOnly(h.newsletterList)))
	mux.Handle("GET /admin/newsletters/{slug}", h.staffPage(h.editorsOnly(h.newsletterEdit)))
	mux.Handle("POST /admin/newsletters/{slug}", h.staffPage(h.editorsOnly(h.newsletterUpdate)))
	mux.Handle("POST /admin/newsletters/{slug}/compose", h.staffPage(h.editorsOnly(h.newsletterCompose)))
	mux.Handle("GET /admin/issues/{id}", h.staffPage(h.editorsOnly(h.issueEdit)))
	mux.Handle("POST /admin/issues/{id}", h.staffPage(h.editorsOnly(h.issueUpdate)))
	mux.Handle("POST /admin/issues/{id}/articles", h.staffPage(h.editorsOnly(h.issueArticles)))
	mux.Handle("POST /admin/issues/{id}/status", h.staffPage(h.editorsOnly(h.issueStatus)))
	mux.Handle("GET /admin/issues/{id}/preview", h.staffPage(h.editorsOnly(h.issuePreview)))
	mux.Handle("GET /admin/issues/{id}/preview.html", h.staffPage(h.editorsOnly(h.issuePreviewHTML)))
	mux.Handle("POST /admin/issues/{id}/test", h.staffPage(h.editorsOnly(h.issueTest)))
	mux.Handle("GET /admin/issues/{id}/deliveries", h.staffPage(h.editorsOnly(h.issueDeliveries)))
	mux.Handle("GET /admin/suppressions", h.staffPage(h.editorsOnly(h.suppressionList)))
	mux.Handle("GET /admin/suppressions/lift", h.staffPage(h.editorsOnly(h.suppressionLiftConfirm)))
	mux.Handle("POST /admin/suppressions/lift", h.staffPage(h.editorsOnly(h.suppressionLift)))

	// The dashboard's CSV downloads (dashboard.go): editors and admins;
	// the dashboard itself is /admin/ (home).
	mux.Handle("GET /admin/insights/{file}", h.staffPage(h.insightsFor(h.insightCSV)))

	// Content API keys and Admin API tokens (apikeys.go): admins.
	mux.Handle("GET /admin/api-keys", h.staffPage(h.adminOnly(h.apiKeyList)))
	mux.Handle("POST /admin/api-keys", h.staffPage(h.adminOnly(h.apiKeyCreate)))
	mux.Handle("POST /admin/api-keys/{id}/revoke", h.staffPage(h.adminOnly(h.apiKeyRevoke)))
	// The billing log of licensed requests (licences.go).
	mux.Handle("GET /admin/api-keys/usage.csv", h.staffPage(h.adminOnly(h.licenceUsageCSV)))

	// Outgoing webhooks and their delivery log (webhooks.go): admins.
	mux.Handle("GET /admin/webhooks", h.staffPage(h.adminOnly(h.webhookList)))
	mux.Handle("POST /admin/webhooks", h.staffPage(h.adminOnly(h.webhookCreate)))
	mux.Handle("GET /admin/webhooks/{id}", h.staffPage(h.adminOnly(h.webhookPage)))
	mux.Handle("POST /admin/webhooks/{id}/active", h.staffPage(h.adminOnly(h.webhookActive)))
	mux.Handle("POST /admin/webhooks/{id}/delete", h.staffPage(h.adminOnly(h.webhookDelete)))
	mux.Handle("GET /admin/webhooks/{id}/deliveries/{did}", h.staffPage(h.adminOnly(h.webhookDeliveryPage)))
	mux.Handle("POST /admin/webhooks/{id}/deliveries/{did}/redeliver", h.staffPage(h.adminOnly(h.webhookRedeliver)))

	// The durable queue (jobs.go): admins.
	mux.Handle("GET /admin/jobs", h.staffPage(h.adminOnly(h.jobList)))
	mux.Handle("POST /admin/jobs/{id}/retry", h.staffPage(h.adminOnly(h.jobRetry)))
	mux.Handle("POST /admin/jobs/{id}/discard", h.staffPage(h.adminOnly(h.jobDiscard)))
	mux.Handle("POST /admin/jobs/reindex", h.staffPage(h.adminOnly(h.jobReindex)))

	// Embedded assets under content-hashed names.
	mux.Handle("GET /admin/static/{name}", h.public(h.static))

	// Anything else under /admin/ is a clean 404 page.
	mux.Handle("/admin/", h.public(h.notFound))
}
