// Package api serves the publication's JSON APIs: the read-only Content
// API under /api/content/v1/ (keys made in /admin/api-keys), the Admin
// API under /api/admin/v1/ (tokens with an editor or admin role) and the
// OpenAPI 3.1 document that describes both at /api/openapi.json.
//
// Every route is registered with the authentication it needs (guard.go);
// a handler without one does not compile into the router. Errors are
// always JSON: {"error": {"code", "message", "fields"}}, with the code
// from masthead.Error's closed set.
package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"masthead"
	"masthead/access"
	"masthead/http/web"
	"masthead/reading"
)

// Config holds the APIs' settings.
type Config struct {
	// BaseURL is the public origin of the site, without a trailing
	// slash, for article URLs and next links. Default
	// "http://localhost:8080".
	BaseURL string
	// Policy is handed to access.Decide, as on the article page. The zero
	// value means access.DefaultPolicy.
	Policy access.Policy
	// Location is the publication's time zone, for dates given without
	// one (a complimentary grant's last day, ?since=2026-01-31).
	Location *time.Location
	// MaxBodyBytes bounds request bodies; larger ones get 413. Default
	// 1 MB, room for an article at masthead.MaxBodyBytes as JSON.
	MaxBodyBytes int64
}

// MemberStore is what the Admin API's member routes read and change.
type MemberStore interface {
	masthead.MemberAdminService
	masthead.MemberEventService
	// SetMemberName changes the name shown on the site.
	SetMemberName(ctx context.Context, memberID int64, name string) error
}

// Deps are the services the APIs use. Articles, Taxonomy, Members and
// Keys are required.
type Deps struct {
	Articles masthead.ArticleService
	Taxonomy masthead.TaxonomyService
	Members  masthead.MemberService
	Keys     masthead.APIKeyService
	// Search serves /api/content/v1/search; nil answers it with 404.
	Search masthead.SearchService
	// MemberStore serves the Admin API's member routes; nil answers them
	// with 404.
	MemberStore MemberStore
	// Readers gathers the reader's facts and decides, as for the
	// article page (package reading); nil builds them with
	// Config.Policy. A key reads as a reader nobody knows anything of.
	Readers *reading.Readers
	// Recency is how much search favours recent articles, as the site's
	// settings say (the site's search ranks the same); nil ranks by
	// relevance alone.
	Recency func() masthead.SearchRecency
	Clock   masthead.Clock
	Logger  *slog.Logger
}

// Handler serves everything under /api/. It expects full request paths.
type Handler struct {
	cfg       Config
	deps      Deps
	mux       *http.ServeMux
	routeList []Route
}

// New builds the APIs.
func New(cfg Config, deps Deps) *Handler {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://localhost:8080"
	}
	if cfg.Policy == (access.Policy{}) {
		cfg.Policy = access.DefaultPolicy()
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if deps.Clock == nil {
		deps.Clock = masthead.SystemClock{}
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Readers == nil {
		deps.Readers = reading.New(reading.Config{Policy: cfg.Policy}, reading.Deps{}).Readers(nil, nil)
	}
	h := &Handler{cfg: cfg, deps: deps, mux: http.NewServeMux()}
	rm := &routeMux{mux: h.mux}
	h.routes(rm)
	h.routeList = rm.routes
	return h
}

// ServeHTTP serves a request under /api/.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	// Keys may come in the query string; keep them out of Referer
	// headers of anything that renders a response.
	hdr.Set("Referrer-Policy", "no-referrer")
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) now() time.Time { return h.deps.Clock.Now() }

// serve runs fn, an API handler (web.HandlerFunc), and answers its
// error, if any, as JSON. Responses go out only once the handler has
// finished, through writeJSON, so an error half-way never follows a
// partial body.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, fn web.HandlerFunc) {
	err := fn(w, r)
	if err == nil {
		return
	}
	// One shape for every error response (web.Body), with the status
	// from the table the reader site and the staff area use.
	status := web.Status(err)
	body := web.Body(err)
	if status >= 500 {
		h.deps.Logger.ErrorContext(r.Context(), "api: request failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("request_id", w.Header().Get("X-Request-Id")), slog.Any("err", err))
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="masthead"`)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, body)
}

// writeJSON writes v with status. Encoding our own response types cannot
// fail, so the error is only the client going away.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

// notFound answers any other path under /api/.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) error {
	return masthead.Errorf(masthead.ENOTFOUND, "There is no API endpoint %s %s.", r.Method, r.URL.Path)
}
