package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"masthead"
	"masthead/admin"
)

func TestAPIKeys(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.with(func(d *admin.Deps) { d.APIKeys = f.db })
		ctx := context.Background()
		adminC := f.staff("admin@example.com", masthead.RoleAdmin, "")
		editor := f.staff("editor@example.com", masthead.RoleEditor, "")
		f.run([]req{
			{name: "empty list", url: "/admin/api-keys", cookie: adminC, wantStatus: 200, wantContains: []string{"No keys yet.", "Make a key"}},
			{name: "editors may not", url: "/admin/api-keys", cookie: editor, wantStatus: http.StatusForbidden},
			{name: "editors may not make keys", url: "/admin/api-keys", cookie: editor,
				form: url.Values{"kind": {"admin"}, "name": {"Mine"}, "role": {"admin"}}, wantStatus: http.StatusForbidden},
			{name: "no name", url: "/admin/api-keys", cookie: adminC, form: url.Values{"kind": {"content"}},
				wantStatus: http.StatusBadRequest, wantContains: []string{"Name the key"}},
			{name: "admin token without a role", url: "/admin/api-keys", cookie: adminC,
				form:       url.Values{"kind": {"admin"}, "name": {"CMS"}, "role": {"author"}},
				wantStatus: http.StatusBadRequest, wantContains: []string{"editor or an admin", `value="CMS"`}},
		})

		// Making a key shows its secret once.
		w := f.do(req{url: "/admin/api-keys", cookie: adminC, form: url.Values{"kind": {"content"}, "name": {"Partner"}, "full_text": {"1"}},
			wantStatus: 200, wantContains: []string{"New key: Partner", "shown this once", "Content API, full text"}})
		secret := regexp.MustCompile(`mhc_[A-Za-z0-9_-]{43}`).FindString(w.Body.String())
		if secret == "" {
			t.Fatalf("no secret on the page")
		}
		k, err := f.db.APIKeyByHash(ctx, masthead.HashToken(secret))
		if err != nil || k.Name != "Partner" || !k.HasScope(masthead.ScopeFullText) || k.Kind != masthead.APIKeyContent {
			t.Fatalf("stored key: %+v, %v", k, err)
		}
		f.do(req{url: "/admin/api-keys", cookie: adminC, form: url.Values{"kind": {"admin"}, "name": {"CMS"}, "role": {"editor"}},
			wantStatus: 200, wantContains: []string{"mha_", "Admin API as editor"}})

		// The list shows hints, never secrets.
		f.do(req{url: "/admin/api-keys", cookie: adminC, wantStatus: 200,
			wantContains: []string{k.Hint + "…", "admin@example.com"}, wantNotContains: []string{secret}})

		// Revoking stops the key.
		id := strconv.FormatInt(k.ID, 10)
		f.run([]req{
			{name: "editor may not revoke", url: "/admin/api-keys/" + id + "/revoke", cookie: editor, form: url.Values{}, wantStatus: http.StatusForbidden},
			{name: "revoke", url: "/admin/api-keys/" + id + "/revoke", cookie: adminC, form: url.Values{},
				wantStatus: http.StatusSeeOther, wantLocation: "/admin/api-keys?msg=revoked"},
			{name: "revoke unknown", url: "/admin/api-keys/999999/revoke", cookie: adminC, form: url.Values{}, wantStatus: http.StatusNotFound},
			{name: "revoked in list", url: "/admin/api-keys?msg=revoked", cookie: adminC, wantStatus: 200, wantContains: []string{"revoked 20", "was revoked"}},
		})
		if _, err := f.db.APIKeyByHash(ctx, masthead.HashToken(secret)); masthead.ErrorCode(err) != masthead.EUNAUTHORIZED {
			t.Errorf("revoked key: %v", err)
		}
	})
}
