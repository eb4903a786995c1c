package admin

import (
	"net/http"

	"masthead/http/web"
)

// Access names who may reach a route of the staff area.
type Access string

const (
	// AccessPublic routes are for anyone: signing in and out, the
	// staff area's static files and its 404 page.
	AccessPublic Access = "public"
	// AccessStaff routes need a staff session (author, editor or
	// admin); handlers narrow further by role (adminOnly, editorsOnly).
	AccessStaff Access = "staff"
)

// Route is one route of the staff area and who may reach it.
type Route struct {
	Pattern string
	Access  Access
}

// guarded is a handler that says who may reach it. The staff area's
// router takes nothing else, so a route cannot be added without choosing
// its guard: h.staffPage or h.staffAPI for staff, h.public for the few
// pages anyone may see. A plain http.Handler (h.handle(…)) does not
// compile there.
type guarded struct {
	http.Handler
	access Access
}

// route is what routeMux.Handle accepts: only guarded handlers.
type route interface {
	http.Handler
	guard() Access
}

func (g guarded) guard() Access { return g.access }

// public marks a route anyone may reach.
func (h *Handler) public(fn web.HandlerFunc) guarded {
	return guarded{h.handle(fn), AccessPublic}
}

// routeMux is the staff area's router: a ServeMux that records each
// route's guard, so a test can walk every route (Routes).
type routeMux struct {
	mux    *http.ServeMux
	routes []Route
}

// Handle registers a guarded handler for pattern.
func (m *routeMux) Handle(pattern string, h route) {
	m.mux.Handle(pattern, h)
	m.routes = append(m.routes, Route{Pattern: pattern, Access: h.guard()})
}

// Routes lists every route of the staff area with its guard, in the
// order registered.
func (h *Handler) Routes() []Route { return append([]Route(nil), h.routeList...) }
