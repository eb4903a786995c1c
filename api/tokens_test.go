package api_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestAdminTokenInQueryRefused: an Admin API token is read only from the
// Authorization header. In the query string it is refused with a message
// that says so, even beside a good header; a content key may still come
// in the query.
func TestAdminTokenInQueryRefused(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{now}}, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.keys["admin"]
		for _, c := range []struct {
			name, query, header string
		}{
			{"key parameter", "?key=" + url.QueryEscape(admin), ""},
			{"another parameter", "?access_token=" + url.QueryEscape(admin), ""},
			{"key parameter beside a good header", "?key=" + url.QueryEscape(admin), admin},
			{"a content key's parameter name", "?limit=5&key=x", admin},
		} {
			res := f.call("GET", "/api/admin/v1/members"+c.query, c.header, nil)
			msg, _ := get(res.body, "error", "message").(string)
			if res.status != 401 || get(res.body, "error", "code") != masthead.EUNAUTHORIZED ||
				!strings.Contains(msg, "Authorization: Bearer") || !strings.Contains(msg, "query string") {
				t.Errorf("%s: %d %v", c.name, res.status, res.body)
			}
		}
		// The header alone works; so does a content key in the query.
		if res := f.call("GET", "/api/admin/v1/members", admin, nil); res.status != 200 {
			t.Errorf("header: %d %v", res.status, res.body)
		}
		if res := f.call("GET", "/api/content/v1/articles?key="+url.QueryEscape(f.keys["content"]), "", nil); res.status != 200 {
			t.Errorf("content key in the query: %d %v", res.status, res.body)
		}
		// Without any token, the message names the header only.
		res := f.call("GET", "/api/admin/v1/articles", "", nil)
		if msg, _ := get(res.body, "error", "message").(string); res.status != 401 || strings.Contains(msg, "?key=") {
			t.Errorf("no token: %d %v", res.status, res.body)
		}
	})
}

// TestAdminTokenFollowsMakersRole: a token acts with its maker's role as
// it is now. Demoted, the maker's admin token loses the admin routes (403)
// and, below editor, the Admin API altogether; removed from the staff,
// the maker's tokens are refused (401).
func TestAdminTokenFollowsMakersRole(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{now}}, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		admin, editor := f.keys["admin"], f.keys["editor"]
		// Another administrator, so the maker can be removed.
		if _, err := db.EnsureMember(ctx, "other-admin@example.com", masthead.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		want := func(name, path, key string, status int, code string) {
			t.Helper()
			res := f.call("GET", path, key, nil)
			if res.status != status || (code != "" && get(res.body, "error", "code") != code) {
				t.Errorf("%s: %d %v, want %d %s", name, res.status, res.body, status, code)
			}
		}
		want("admin token, maker admin", "/api/admin/v1/members", admin, 200, "")

		if _, err := db.EnsureMember(ctx, f.admin.Email, masthead.RoleEditor); err != nil {
			t.Fatal(err)
		}
		want("admin token, maker now editor: members", "/api/admin/v1/members", admin, 403, masthead.EFORBIDDEN)
		want("admin token, maker now editor: articles", "/api/admin/v1/articles", admin, 200, "")

		if _, err := db.EnsureMember(ctx, f.admin.Email, masthead.RoleAuthor); err != nil {
			t.Fatal(err)
		}
		want("admin token, maker now author", "/api/admin/v1/articles", admin, 403, masthead.EFORBIDDEN)
		want("editor token, maker now author", "/api/admin/v1/articles", editor, 403, masthead.EFORBIDDEN)

		if _, err := db.RemoveStaff(ctx, f.admin.ID, 0); err != nil {
			t.Fatal(err)
		}
		want("admin token, maker removed", "/api/admin/v1/articles", admin, 401, masthead.EUNAUTHORIZED)
		want("editor token, maker removed", "/api/admin/v1/articles", editor, 401, masthead.EUNAUTHORIZED)
	})
}
