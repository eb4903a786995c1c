package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"masthead"
	"masthead/admin"
)

// TestStaffRemoval: administrators take a staff role away from the staff
// page. Editors may not, a cross-site post is refused, the last
// administrator stays, and the person removed is signed out of the staff
// area at once and their Admin API tokens stop.
func TestStaffRemoval(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.with(func(d *admin.Deps) { d.APIKeys = f.db })
		ctx := context.Background()
		root := f.staff("root@example.com", masthead.RoleAdmin, "")
		edC := f.staff("ed@example.com", masthead.RoleEditor, "")
		ed, _ := f.db.MemberByEmail(ctx, "ed@example.com")
		me, _ := f.db.MemberByEmail(ctx, "root@example.com")
		token, hash, hint := masthead.NewAPIKeySecret(masthead.APIKeyAdmin)
		if _, err := f.db.CreateAPIKey(ctx, masthead.APIKeyInput{Kind: masthead.APIKeyAdmin, Name: "Ed's CMS", Role: masthead.RoleEditor, CreatedBy: ed.ID}, hash, hint); err != nil {
			t.Fatal(err)
		}
		remove := func(id int64) string { return fmt.Sprintf("/admin/staff/%d/remove", id) }
		f.run([]req{
			{name: "staff page offers removal", url: "/admin/staff", cookie: root, wantStatus: 200,
				wantContains: []string{`action="` + remove(ed.ID) + `"`, "Remove from staff"}},
			{name: "editors may not remove", url: remove(me.ID), cookie: edC, form: url.Values{}, wantStatus: http.StatusForbidden},
			{name: "cross-site post refused", url: remove(ed.ID), cookie: root, form: url.Values{},
				headers: map[string]string{"Sec-Fetch-Site": "cross-site"}, wantStatus: http.StatusForbidden},
			{name: "the last administrator stays", url: remove(me.ID), cookie: root, form: url.Values{},
				wantStatus: http.StatusConflict, wantContains: []string{"last administrator"}},
			{name: "an API list names the maker", url: "/admin/api-keys", cookie: root, wantStatus: 200,
				wantContains: []string{"Ed&#39;s CMS", "ed@example.com", "Admin API as editor"}},
		})
		if m, _ := f.db.Member(ctx, ed.ID); m.Role != masthead.RoleEditor {
			t.Fatalf("refused posts changed the role: %q", m.Role)
		}
		f.run([]req{
			{name: "remove the editor", url: remove(ed.ID), cookie: root, form: url.Values{}, wantStatus: 200,
				wantContains: []string{"ed@example.com is no longer editor: 1 sessions ended and 1 Admin API tokens revoked."}},
			{name: "the editor is signed out", url: "/admin/articles", cookie: edC, wantStatus: http.StatusSeeOther, wantLocation: "/admin/login"},
			{name: "removed again", url: remove(ed.ID), cookie: root, form: url.Values{}, wantStatus: http.StatusBadRequest,
				wantContains: []string{"has no staff role"}},
		})
		if _, err := f.db.APIKeyByHash(ctx, masthead.HashToken(token)); masthead.ErrorCode(err) != masthead.EUNAUTHORIZED {
			t.Errorf("the removed editor's token: %v", err)
		}

		// With a second administrator, one may remove themselves; their
		// session ends with the removal.
		f.staff("second@example.com", masthead.RoleAdmin, "")
		w := f.do(req{name: "remove myself", url: remove(me.ID), cookie: root, form: url.Values{},
			wantStatus: http.StatusSeeOther, wantLocation: "/admin/login"})
		if c := w.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
			t.Errorf("own session cookie not cleared: %+v", c)
		}
		f.do(req{name: "signed out after removing myself", url: "/admin/staff", cookie: root,
			wantStatus: http.StatusSeeOther, wantLocation: "/admin/login"})
	})
}

// TestAPIKeysShowMakersRole: a token whose maker was demoted says it acts
// with the maker's lower role.
func TestAPIKeysShowMakersRole(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.with(func(d *admin.Deps) { d.APIKeys = f.db })
		ctx := context.Background()
		root := f.staff("root@example.com", masthead.RoleAdmin, "")
		boss, _ := f.db.EnsureMember(ctx, "boss@example.com", masthead.RoleAdmin)
		_, hash, hint := masthead.NewAPIKeySecret(masthead.APIKeyAdmin)
		if _, err := f.db.CreateAPIKey(ctx, masthead.APIKeyInput{Kind: masthead.APIKeyAdmin, Name: "Ops", Role: masthead.RoleAdmin, CreatedBy: boss.ID}, hash, hint); err != nil {
			t.Fatal(err)
		}
		f.do(req{url: "/admin/api-keys", cookie: root, wantStatus: 200, wantContains: []string{"boss@example.com", "Admin API as admin<"}})
		if _, err := f.db.EnsureMember(ctx, "boss@example.com", masthead.RoleEditor); err != nil {
			t.Fatal(err)
		}
		f.do(req{url: "/admin/api-keys", cookie: root, wantStatus: 200,
			wantContains: []string{"Admin API as admin; acts as editor, its maker&#39;s role now"}})
	})
}

// TestEndInstitutionGrantFromMemberPage: an administrator ends one
// member's institutional grant; the member has no access from then on and
// the reader site is told to forget what it cached.
func TestEndInstitutionGrantFromMemberPage(t *testing.T) {
	eachMembers(t, func(t *testing.T, f *fixture, changed *int) {
		ctx := context.Background()
		adm := f.staff("root@example.com", masthead.RoleAdmin, "")
		in, err := masthead.InstitutionInput{Name: "Univ", Domains: "univ.edu", SeatLimit: "1"}.Parse(time.UTC, t0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.CreateInstitution(ctx, in, 0); err != nil {
			t.Fatal(err)
		}
		tok := []byte("ada-token")
		f.db.CreateSignInToken(ctx, "ada@univ.edu", tok, t0.Add(time.Hour))
		ada, err := f.db.ConsumeSignInToken(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		ents, _ := f.db.MemberEntitlements(ctx, ada.ID)
		if len(ents) != 1 {
			t.Fatalf("entitlements %+v", ents)
		}
		page := fmt.Sprintf("/admin/members/%d", ada.ID)
		end := fmt.Sprintf("%s/comp/%d/end", page, ents[0].ID)
		f.run([]req{
			{name: "member page offers the end", url: page, cookie: adm, wantStatus: 200, wantContains: []string{`action="` + end + `"`}},
			{name: "end it", url: end, cookie: adm, form: url.Values{}, wantStatus: http.StatusSeeOther, wantLocation: page + "?msg=comp-ended"},
			{name: "ended", url: page + "?msg=comp-ended", cookie: adm, wantStatus: 200,
				wantContains: []string{"no access through it", "ended early by root@example.com", "institution-ended"}, wantNotContains: []string{`action="` + end + `"`}},
		})
		if ok, _ := f.db.Entitled(ctx, ada.ID, t0); ok {
			t.Error("still entitled after the grant ended")
		}
		if *changed != 1 {
			t.Errorf("reader site told %d times, want 1", *changed)
		}
	})
}
