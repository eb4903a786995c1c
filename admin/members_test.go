package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/admin"
	"masthead/clocktest"
	"masthead/store"
	"masthead/store/storetest"
)

// eachMembers is each with the member pages on; changed counts the
// calls that tell the reader site institutions changed.
func eachMembers(t *testing.T, fn func(t *testing.T, f *fixture, changed *int)) {
	t.Helper()
	clock := &clocktest.Clock{}
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		changed := 0
		h := admin.New(admin.Config{SiteName: "The Test Review", BaseURL: "http://example.test"}, admin.Deps{
			Articles: db, Taxonomy: db, Members: db, Clock: clock, Location: time.UTC,
			MemberStore:         db,
			InstitutionsChanged: func(context.Context) { changed++ },
		})
		fn(t, &fixture{t: t, db: db, clock: clock, loc: time.UTC, h: h}, &changed)
	})
}

func TestMemberPagesRoles(t *testing.T) {
	eachMembers(t, func(t *testing.T, f *fixture, _ *int) {
		author := f.staff("ann@example.com", masthead.RoleAuthor, "ann")
		editor := f.staff("ed@example.com", masthead.RoleEditor, "")
		adm := f.staff("root@example.com", masthead.RoleAdmin, "")
		m, _ := f.db.EnsureMember(context.Background(), "reader@example.com", masthead.RoleNone)
		member := fmt.Sprintf("/admin/members/%d", m.ID)
		for _, who := range []struct {
			name   string
			cookie *http.Cookie
		}{{"author", author}, {"editor", editor}} {
			f.run([]req{
				{name: who.name + ": members", url: "/admin/members", cookie: who.cookie, wantStatus: http.StatusForbidden, wantNotContains: []string{"reader@example.com"}},
				{name: who.name + ": member", url: member, cookie: who.cookie, wantStatus: http.StatusForbidden, wantNotContains: []string{"reader@example.com"}},
				{name: who.name + ": comp", url: member + "/comp", cookie: who.cookie, form: url.Values{"until": {"2025-12-31"}, "note": {"x"}}, wantStatus: http.StatusForbidden},
				{name: who.name + ": institutions", url: "/admin/institutions", cookie: who.cookie, wantStatus: http.StatusForbidden},
				{name: who.name + ": new institution", url: "/admin/institutions/new", cookie: who.cookie,
					form: url.Values{"name": {"U"}, "domains": {"u.edu"}}, wantStatus: http.StatusForbidden},
				{name: who.name + ": no members link", url: "/admin/", cookie: who.cookie, wantNotContains: []string{`href="/admin/members"`}},
			})
		}
		f.run([]req{
			{name: "anonymous", url: "/admin/members", wantStatus: http.StatusSeeOther, wantLocation: "/admin/login"},
			{name: "admin: members", url: "/admin/members", cookie: adm, wantStatus: 200, wantContains: []string{"reader@example.com", `href="/admin/members"`}},
			{name: "admin: member", url: member, cookie: adm, wantStatus: 200, wantContains: []string{"reader@example.com", "Grant complimentary All-Access"}},
			{name: "admin: unknown member", url: "/admin/members/9999", cookie: adm, wantStatus: http.StatusNotFound},
			// A cross-site form post is refused before it reaches the handler.
			{name: "cross-site comp", url: member + "/comp", cookie: adm, form: url.Values{"until": {"2025-12-31"}, "note": {"x"}},
				headers: map[string]string{"Sec-Fetch-Site": "cross-site"}, wantStatus: http.StatusForbidden},
		})
		if ents, _ := f.db.MemberEntitlements(context.Background(), m.ID); len(ents) != 0 {
			t.Errorf("refused grants stored: %+v", ents)
		}
	})
}

func TestCompGrantForm(t *testing.T) {
	eachMembers(t, func(t *testing.T, f *fixture, _ *int) {
		ctx := context.Background()
		adm := f.staff("root@example.com", masthead.RoleAdmin, "")
		m, _ := f.db.EnsureMember(ctx, "reader@example.com", masthead.RoleNone)
		member := fmt.Sprintf("/admin/members/%d", m.ID)
		f.run([]req{
			{name: "date in the past", url: member + "/comp", cookie: adm, form: url.Values{"until": {"2024-01-01"}, "note": {"Press pass"}},
				wantStatus: http.StatusBadRequest, wantContains: []string{"Choose an end date in the future", `value="Press pass"`, `value="2024-01-01"`}},
			{name: "no date, no note", url: member + "/comp", cookie: adm, form: url.Values{"until": {"soon"}},
				wantStatus: http.StatusBadRequest, wantContains: []string{"last day of access", "Say why", `value="soon"`}},
		})
		if ents, _ := f.db.MemberEntitlements(ctx, m.ID); len(ents) != 0 {
			t.Fatalf("refused forms granted: %+v", ents)
		}
		f.do(req{name: "grant", url: member + "/comp", cookie: adm, form: url.Values{"until": {"2025-06-30"}, "note": {"Press pass"}},
			wantStatus: http.StatusSeeOther, wantLocation: member + "?msg=comp-granted"})
		ents, _ := f.db.MemberEntitlements(ctx, m.ID)
		if len(ents) != 1 || !ents[0].EndsAt.Equal(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("grant: %+v", ents)
		}
		f.do(req{name: "member page after grant", url: member + "?msg=comp-granted", cookie: adm, wantStatus: 200,
			wantContains: []string{"Complimentary access granted.", "complimentary", "Press pass", "root@example.com", "comp-granted", "End now"}})
		f.do(req{name: "end", url: fmt.Sprintf("%s/comp/%d/end", member, ents[0].ID), cookie: adm, form: url.Values{},
			wantStatus: http.StatusSeeOther, wantLocation: member + "?msg=comp-ended"})
		f.do(req{name: "end again", url: fmt.Sprintf("%s/comp/%d/end", member, ents[0].ID), cookie: adm, form: url.Values{},
			wantStatus: http.StatusBadRequest, wantContains: []string{"already ended"}})
		f.do(req{name: "history", url: member, cookie: adm, wantStatus: 200,
			wantContains: []string{"comp-ended", "ended early by root@example.com"}, wantNotContains: []string{"End now"}})
		if ok, _ := f.db.Entitled(ctx, m.ID, t0.Add(time.Hour)); ok {
			t.Error("still entitled after the end")
		}
	})
}

func TestMemberListFilters(t *testing.T) {
	eachMembers(t, func(t *testing.T, f *fixture, _ *int) {
		ctx := context.Background()
		adm := f.staff("root@example.com", masthead.RoleAdmin, "")
		comp, _ := f.db.EnsureMember(ctx, "comp@example.com", masthead.RoleNone)
		f.db.EnsureMember(ctx, "plain@example.com", masthead.RoleNone)
		f.db.GrantComplimentary(ctx, masthead.CompGrant{MemberID: comp.ID, Until: t0.AddDate(0, 1, 0), Note: "x"})
		for i := range 60 {
			f.db.EnsureMember(ctx, fmt.Sprintf("bulk%02d@example.com", i), masthead.RoleNone)
		}
		f.run([]req{
			{name: "comp", url: "/admin/members?state=comp", cookie: adm, wantStatus: 200,
				wantContains: []string{"comp@example.com"}, wantNotContains: []string{"plain@example.com"}},
			{name: "search", url: "/admin/members?q=PLAIN", cookie: adm, wantStatus: 200,
				wantContains: []string{"plain@example.com"}, wantNotContains: []string{"comp@example.com"}},
			{name: "unknown state is ignored", url: "/admin/members?state=gold&q=plain", cookie: adm, wantStatus: 200,
				wantContains: []string{"plain@example.com"}},
		})
		w := f.do(req{name: "first page", url: "/admin/members", cookie: adm, wantStatus: 200,
			wantContains: []string{"bulk59@example.com", `rel="next"`}, wantNotContains: []string{"comp@example.com"}})
		next := w.Body.String()
		i := strings.Index(next, `href="/admin/members?before=`)
		if i < 0 {
			t.Fatal("no next link")
		}
		link := next[i+len(`href="`):]
		link = strings.ReplaceAll(link[:strings.IndexByte(link, '"')], "&amp;", "&")
		f.do(req{name: "second page", url: link, cookie: adm, wantStatus: 200,
			wantContains: []string{"comp@example.com", "← Newest"}, wantNotContains: []string{"bulk59@example.com"}})
	})
}

func TestInstitutionForms(t *testing.T) {
	eachMembers(t, func(t *testing.T, f *fixture, changed *int) {
		ctx := context.Background()
		adm := f.staff("root@example.com", masthead.RoleAdmin, "")
		form := func(kv ...string) url.Values {
			v := url.Values{"name": {"Univ"}, "ranges": {"192.0.2.0/24"}, "domains": {"univ.edu"}, "seat_limit": {"2"}, "starts_at": {"2025-01-01"}, "ends_at": {"2025-12-31"}}
			for i := 0; i < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		w := f.do(req{name: "create", url: "/admin/institutions/new", cookie: adm, form: form(), wantStatus: http.StatusSeeOther, wantLocation: "/admin/institutions/"})
		uni := w.Header().Get("Location")
		uni = uni[:strings.IndexByte(uni, '?')]
		if *changed != 1 {
			t.Errorf("reader site told %d times, want 1", *changed)
		}
		f.run([]req{
			{name: "bad CIDR", url: "/admin/institutions/new", cookie: adm, form: form("name", "Corp", "ranges", "300.1.2.0/24", "domains", "corp.example"),
				wantStatus: http.StatusBadRequest, wantContains: []string{"not a CIDR range", `value="Corp"`, "300.1.2.0/24", "corp.example"}},
			{name: "host bits", url: "/admin/institutions/new", cookie: adm, form: form("name", "Corp", "ranges", "198.51.100.1/24", "domains", ""),
				wantStatus: http.StatusBadRequest, wantContains: []string{"did you mean 198.51.100.0/24"}},
			{name: "overlap within", url: "/admin/institutions/new", cookie: adm, form: form("name", "Corp", "ranges", "198.51.100.0/24\n198.51.100.128/25", "domains", ""),
				wantStatus: http.StatusBadRequest, wantContains: []string{"overlaps 198.51.100.0/24"}},
			{name: "overlap across", url: "/admin/institutions/new", cookie: adm, form: form("name", "Corp", "ranges", "192.0.2.64/26", "domains", ""),
				wantStatus: http.StatusBadRequest, wantContains: []string{"overlaps 192.0.2.0/24 of Univ"}},
			{name: "public provider", url: "/admin/institutions/new", cookie: adm, form: form("name", "Corp", "ranges", "", "domains", "gmail.com"),
				wantStatus: http.StatusBadRequest, wantContains: []string{"gmail.com is a public email provider"}},
			{name: "duplicate domain", url: "/admin/institutions/new", cookie: adm, form: form("name", "Corp", "ranges", "", "domains", "univ.edu"),
				wantStatus: http.StatusBadRequest, wantContains: []string{"univ.edu is already listed for Univ"}},
			{name: "nothing at all", url: "/admin/institutions/new", cookie: adm, form: url.Values{"name": {""}},
				wantStatus: http.StatusBadRequest, wantContains: []string{"Enter the institution", "at least one network range or email domain"}},
		})
		list, _ := f.db.Institutions(ctx, t0)
		if len(list) != 1 || *changed != 1 {
			t.Fatalf("refused forms changed something: %d institutions, %d reloads", len(list), *changed)
		}

		// Seats: two members take both; the third is refused, and staff
		// see it on the list and the institution's page.
		for _, e := range []string{"a@univ.edu", "b@univ.edu", "c@univ.edu"} {
			tok := []byte(e)
			f.db.CreateSignInToken(ctx, e, tok, t0.Add(time.Hour))
			if _, err := f.db.ConsumeSignInToken(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		f.run([]req{
			{name: "list shows usage", url: "/admin/institutions", cookie: adm, wantStatus: 200,
				wantContains: []string{"Univ", "2 / 2", "full", "through 31 Dec 2025"}},
			{name: "page shows refusals", url: uni, cookie: adm, wantStatus: 200,
				wantContains: []string{"2 of 2", "every seat is taken", "Refused for lack of seats", `value="2025-12-31"`, "192.0.2.0/24"}},
			{name: "limit below use ends the newest seat and names its member", url: uni, cookie: adm, form: form("seat_limit", "1"),
				wantStatus: http.StatusOK, wantContains: []string{"these members lost access through Univ: b@univ.edu.", `value="1"`, "1 of 1"},
				wantNotContains: []string{"a@univ.edu"}},
		})
		b, _ := f.db.MemberByEmail(ctx, "b@univ.edu")
		if ok, _ := f.db.Entitled(ctx, b.ID, t0); ok {
			t.Error("b keeps access after losing the seat")
		}
		if *changed != 2 {
			t.Errorf("reader site told %d times after the seat cut, want 2", *changed)
		}
		// A new end date: the members' access follows.
		f.do(req{name: "extend", url: uni, cookie: adm, form: form("ends_at", "2026-06-30", "ranges", "192.0.2.0/24\n2001:db8::/32"),
			wantStatus: http.StatusSeeOther})
		a, _ := f.db.MemberByEmail(ctx, "a@univ.edu")
		ents, _ := f.db.MemberEntitlements(ctx, a.ID)
		if len(ents) != 1 || !ents[0].EndsAt.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("after extension: %+v", ents)
		}
		if *changed != 3 {
			t.Errorf("reader site told %d times, want 3", *changed)
		}
		f.do(req{name: "member page links the institution", url: fmt.Sprintf("/admin/members/%d", a.ID), cookie: adm, wantStatus: 200,
			wantContains: []string{"institution", `href="` + uni + `"`, "institution-granted"}})
	})
}
