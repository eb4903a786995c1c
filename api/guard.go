package api

import (
	"context"
	"net/http"
	"strings"

	"masthead"
	"masthead/http/web"
)

// Auth names what a route requires of the caller.
type Auth string

const (
	// AuthPublic routes need nothing: the OpenAPI document and the 404
	// answer.
	AuthPublic Auth = "public"
	// AuthContentKey routes need a Content API key.
	AuthContentKey Auth = "content-key"
	// AuthEditor routes need an Admin API token with the editor or the
	// admin role.
	AuthEditor Auth = "admin-token:editor"
	// AuthAdmin routes need an Admin API token with the admin role.
	AuthAdmin Auth = "admin-token:admin"
)

// Route is one route of the APIs and what it requires.
type Route struct {
	Pattern string
	Auth    Auth
}

// guarded is a handler that says what it requires. The router takes
// nothing else: a route is added with h.public, h.content or h.admin, and
// a plain http.Handler does not compile there.
type guarded struct {
	http.Handler
	auth Auth
}

// route is what routeMux.Handle accepts. Its unexported method keeps
// other packages' handlers out.
type route interface {
	http.Handler
	guard() Auth
}

func (g guarded) guard() Auth { return g.auth }

// routeMux records each route's guard beside the ServeMux, so a test
// can walk them all (Routes) and the OpenAPI test can compare them with
// the document.
type routeMux struct {
	mux    *http.ServeMux
	routes []Route
}

// Handle registers a guarded handler for pattern.
func (m *routeMux) Handle(pattern string, h route) {
	m.mux.Handle(pattern, h)
	m.routes = append(m.routes, Route{Pattern: pattern, Auth: h.guard()})
}

// Routes lists every route with its guard, in the order registered.
func (h *Handler) Routes() []Route { return append([]Route(nil), h.routeList...) }

// public marks a route anyone may call.
func (h *Handler) public(fn web.HandlerFunc) guarded {
	return guarded{auth: AuthPublic, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.serve(w, r, fn)
	})}
}

// keyHandler is a handler that runs with an authenticated key.
type keyHandler func(w http.ResponseWriter, r *http.Request, key *masthead.APIKey) error

// content guards a Content API route: a content key in use.
func (h *Handler) content(fn keyHandler) guarded {
	return guarded{auth: AuthContentKey, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.serve(w, r, func(w http.ResponseWriter, r *http.Request) error {
			key, err := h.authenticate(r.Context(), r, masthead.APIKeyContent)
			if err != nil {
				return err
			}
			// What a key reads depends on the key: never shared caches.
			w.Header().Set("Cache-Control", "private, max-age=60")
			w.Header().Set("Vary", "Authorization")
			return fn(w, r, key)
		})
	})}
}

// admin guards an Admin API route: a token in use whose role is at
// least role (editor or admin).
func (h *Handler) admin(role masthead.Role, fn keyHandler) guarded {
	auth := AuthEditor
	if role == masthead.RoleAdmin {
		auth = AuthAdmin
	}
	return guarded{auth: auth, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.serve(w, r, func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Cache-Control", "no-store")
			key, err := h.authenticate(r.Context(), r, masthead.APIKeyAdmin)
			if err != nil {
				return err
			}
			// The token acts with its maker's role as it is now: a maker
			// who left the staff takes the token's powers with them, and
			// a demoted one lowers them.
			acting := key.ActingRole()
			if !acting.Staff() {
				return errMakerGone
			}
			if role == masthead.RoleAdmin && acting != masthead.RoleAdmin {
				if key.Role == masthead.RoleAdmin {
					return masthead.Errorf(masthead.EFORBIDDEN, "This endpoint needs the admin role; the staff member who made this token is now %s, and the token acts as they may.", acting)
				}
				return masthead.Errorf(masthead.EFORBIDDEN, "This endpoint needs a token with the admin role.")
			}
			if !acting.CanPublish() {
				return masthead.Errorf(masthead.EFORBIDDEN, "The staff member who made this token is now %s, and may not call the Admin API; neither may the token.", acting)
			}
			key.Role = acting
			return fn(w, r, key)
		})
	})}
}

var (
	errNoKey      = masthead.Errorf(masthead.EUNAUTHORIZED, "Send an API key: Authorization: Bearer KEY, or ?key=KEY.")
	errNoToken    = masthead.Errorf(masthead.EUNAUTHORIZED, "Send an Admin API token in the header: Authorization: Bearer TOKEN.")
	errWrongKey   = masthead.Errorf(masthead.EUNAUTHORIZED, "The API key is not valid.")
	errMakerGone  = masthead.Errorf(masthead.EUNAUTHORIZED, "This token is no longer valid: the staff member who made it is no longer on the staff.")
	errQueryToken = masthead.Errorf(masthead.EUNAUTHORIZED, "Admin API tokens are not accepted in the query string, "+
		"where logs and browser histories keep them: send the token in the header, Authorization: Bearer TOKEN, and make a new one if this one was shared.")
)

// authenticate finds the key the request carries: the Authorization
// header's bearer token, or, for a Content API key only, the key query
// parameter for clients that cannot set headers (as Ghost's Content API
// allows: the key reads what is public anyway). An Admin API token in the
// query string is refused even beside a good header, so a client that
// puts it there learns at once. A key of the other kind is as bad as
// none, so a leaked content key never reaches the Admin API.
func (h *Handler) authenticate(ctx context.Context, r *http.Request, kind masthead.APIKeyKind) (*masthead.APIKey, error) {
	if kind == masthead.APIKeyAdmin && tokenInQuery(r) {
		return nil, errQueryToken
	}
	secret := ""
	if a := r.Header.Get("Authorization"); a != "" {
		scheme, tok, ok := strings.Cut(a, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return nil, errNoKey
		}
		secret = strings.TrimSpace(tok)
	} else if r.URL.RawQuery != "" && kind == masthead.APIKeyContent {
		secret = r.URL.Query().Get("key")
	}
	if secret == "" {
		if kind == masthead.APIKeyAdmin {
			return nil, errNoToken
		}
		return nil, errNoKey
	}
	if !strings.HasPrefix(secret, masthead.APIKeyPrefix(kind)) || len(secret) > 200 {
		return nil, errWrongKey
	}
	key, err := h.deps.Keys.APIKeyByHash(ctx, masthead.HashToken(secret))
	if err != nil {
		return nil, err
	}
	if key.Kind != kind {
		return nil, errWrongKey
	}
	return key, nil
}

// tokenInQuery reports whether the query string carries what looks like
// an Admin API token: a key parameter, or any value that starts as
// admin tokens do.
func tokenInQuery(r *http.Request) bool {
	if r.URL.RawQuery == "" {
		return false
	}
	q := r.URL.Query()
	if q.Has("key") {
		return true
	}
	prefix := masthead.APIKeyPrefix(masthead.APIKeyAdmin)
	for _, vs := range q {
		for _, v := range vs {
			if strings.HasPrefix(strings.TrimSpace(v), prefix) {
				return true
			}
		}
	}
	return false
}
