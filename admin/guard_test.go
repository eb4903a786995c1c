package admin_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"masthead"
	"masthead/admin"
)

// publicRoutes are the only staff-area routes anyone may reach. Adding to
// this list is a decision to review, not a way to make the test pass.
var publicRoutes = []string{
	"GET /admin/login", "POST /admin/login",
	"GET /admin/signin", "POST /admin/signin",
	"POST /admin/logout",
	"GET /admin/static/{name}",
	"/admin/",
}

// concrete turns a route pattern into a request: its method (GET when the
// pattern has none) and a path with every wildcard filled in.
func concrete(pattern string) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = http.MethodGet, pattern
	}
	path = strings.ReplaceAll(path, "{$}", "")
	for {
		i := strings.Index(path, "{")
		if i < 0 {
			break
		}
		j := strings.Index(path[i:], "}")
		path = path[:i] + "1" + path[i+j+1:]
	}
	return method, path
}

// TestEveryAdminRouteIsGuarded walks every route of the staff area, as the
// router lists them, and sends each one a request from nobody and from a
// signed-in reader without a staff role: every route not in publicRoutes
// must send them to the login page (pages) or answer 401 (script
// endpoints), and change nothing.
func TestEveryAdminRouteIsGuarded(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		h := f.h.(*admin.Handler)
		routes := h.Routes()
		if len(routes) < 10 {
			t.Fatalf("only %d routes listed", len(routes))
		}
		reader := f.staff("reader@example.com", masthead.RoleNone, "")
		var public []string
		for _, r := range routes {
			if r.Access == admin.AccessPublic {
				public = append(public, r.Pattern)
				continue
			}
			if r.Access != admin.AccessStaff {
				t.Errorf("%s: unknown access %q", r.Pattern, r.Access)
				continue
			}
			method, path := concrete(r.Pattern)
			for _, who := range []struct {
				name   string
				cookie *http.Cookie
			}{{"nobody", nil}, {"a reader", reader}} {
				rq := req{name: who.name + " " + r.Pattern, method: method, url: path, cookie: who.cookie}
				if method == http.MethodPost {
					rq.form = url.Values{"title": {"Planted"}, "body": {"x"}, "action": {"publish"}, "email": {"x@example.com"}, "role": {"admin"}}
				}
				w := f.do(rq)
				switch {
				case w.Code == http.StatusSeeOther && w.Header().Get("Location") == "/admin/login":
				case w.Code == http.StatusUnauthorized:
				default:
					t.Errorf("%s %s as %s: status %d (Location %q), want a redirect to /admin/login or 401",
						method, path, who.name, w.Code, w.Header().Get("Location"))
				}
			}
		}
		slices.Sort(public)
		want := slices.Clone(publicRoutes)
		slices.Sort(want)
		if !slices.Equal(public, want) {
			t.Errorf("public routes are %q, want %q", public, want)
		}
		if _, n, _ := f.db.Articles(t.Context(), masthead.ArticleFilter{TitleQuery: new("Planted")}); n != 0 {
			t.Errorf("refused requests created %d articles", n)
		}
		if m, err := f.db.MemberByEmail(t.Context(), "reader@example.com"); err != nil || m.Role != masthead.RoleNone {
			t.Errorf("the reader's role after the walk: %v %v", m, err)
		}
	})
}
