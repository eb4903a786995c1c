package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

func TestMemberEvents(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{instNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m, _ := db.EnsureMember(ctx, "reader@example.com", masthead.RoleNone)
		staff, _ := db.EnsureMember(ctx, "boss@example.com", masthead.RoleAdmin)
		if err := db.AddMemberEvent(ctx, masthead.MemberEvent{MemberID: m.ID, Kind: "subscription-created", Detail: "Monthly", CreatedAt: instNow.Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := db.AddMemberEvent(ctx, masthead.MemberEvent{MemberID: m.ID, Kind: "note", Detail: "Called", ActorID: staff.ID}); err != nil {
			t.Fatal(err)
		}
		if err := db.AddMemberEvent(ctx, masthead.MemberEvent{MemberID: m.ID}); masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("no kind: %v", err)
		}
		if err := db.AddMemberEvent(ctx, masthead.MemberEvent{MemberID: 9999, Kind: "x"}); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("unknown member: %v", err)
		}
		ev, err := db.MemberEvents(ctx, m.ID, 10)
		if err != nil || len(ev) != 2 {
			t.Fatalf("events %+v %v", ev, err)
		}
		if ev[0].Kind != "note" || ev[0].ActorEmail != "boss@example.com" || !ev[0].CreatedAt.Equal(instNow) || ev[1].ActorID != 0 {
			t.Errorf("newest first with actor: %+v", ev)
		}
		if ev, _ := db.MemberEvents(ctx, m.ID, 1); len(ev) != 1 {
			t.Errorf("limit: %d events", len(ev))
		}
	})
}

func TestComplimentaryGrantAndEnd(t *testing.T) {
	clock := &fixedClock{instNow}
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		clock.t = instNow
		ctx := context.Background()
		m, _ := db.EnsureMember(ctx, "comp@example.com", masthead.RoleNone)
		other, _ := db.EnsureMember(ctx, "other@example.com", masthead.RoleNone)
		staff, _ := db.EnsureMember(ctx, "boss@example.com", masthead.RoleAdmin)

		for _, bad := range []masthead.CompGrant{
			{MemberID: m.ID, Until: instNow.Add(-time.Hour), Note: "x"},
			{MemberID: m.ID, Until: instNow.AddDate(0, 1, 0)},
		} {
			if _, err := db.GrantComplimentary(ctx, bad); masthead.ErrorCode(err) != masthead.EINVALID {
				t.Errorf("grant %+v: %v", bad, err)
			}
		}
		if _, err := db.GrantComplimentary(ctx, masthead.CompGrant{MemberID: 9999, Until: instNow.AddDate(0, 1, 0), Note: "x"}); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("unknown member: %v", err)
		}
		if ents, _ := db.MemberEntitlements(ctx, m.ID); len(ents) != 0 {
			t.Fatalf("refused grants stored: %+v", ents)
		}

		e, err := db.GrantComplimentary(ctx, masthead.CompGrant{MemberID: m.ID, Until: instNow.AddDate(0, 1, 0), Note: "Press pass", ActorID: staff.ID})
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := db.Entitled(ctx, m.ID, instNow.Add(time.Minute)); !ok {
			t.Fatal("not entitled after grant")
		}
		ents, _ := db.MemberEntitlements(ctx, m.ID)
		if len(ents) != 1 || ents[0].GrantedByEmail != "boss@example.com" || ents[0].Note != "Press pass" || ents[0].Source != masthead.EntitlementComplimentary {
			t.Fatalf("record %+v", ents)
		}
		// Another member's id, a second end, a non-comp grant: refused.
		if err := db.EndGrant(ctx, other.ID, e.ID, staff.ID); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("end through another member: %v", err)
		}
		clock.t = instNow.Add(time.Hour)
		if err := db.EndGrant(ctx, m.ID, e.ID, staff.ID); err != nil {
			t.Fatal(err)
		}
		if ok, _ := db.Entitled(ctx, m.ID, clock.t); ok {
			t.Error("still entitled after the grant ended")
		}
		if err := db.EndGrant(ctx, m.ID, e.ID, staff.ID); masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("second end: %v", err)
		}
		paid, _ := db.GrantEntitlement(ctx, masthead.Entitlement{MemberID: other.ID, Source: masthead.EntitlementStripe})
		if err := db.EndGrant(ctx, other.ID, paid.ID, staff.ID); masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("end a Stripe grant: %v", err)
		}
		ents, _ = db.MemberEntitlements(ctx, m.ID)
		if ents[0].EndedByEmail != "boss@example.com" || !ents[0].EndsAt.Equal(clock.t) {
			t.Errorf("ended record %+v", ents[0])
		}
		ev, _ := db.MemberEvents(ctx, m.ID, 10)
		if len(ev) != 2 || ev[0].Kind != masthead.MemberEventCompEnded || ev[1].Kind != masthead.MemberEventCompGranted || ev[1].ActorEmail != "boss@example.com" {
			t.Errorf("history %+v", ev)
		}
	})
}

func TestSearchMembers(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{instNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mk := func(email, name string, verify bool) *masthead.Member {
			var m *masthead.Member
			if verify {
				m = signIn(t, db, email)
			} else {
				m, _ = db.EnsureMember(ctx, email, masthead.RoleNone)
			}
			if name != "" {
				if err := db.SetMemberName(ctx, m.ID, name); err != nil {
					t.Fatal(err)
				}
			}
			return m
		}
		mustInstitution(t, db, masthead.InstitutionInput{Name: "Univ", Domains: "univ.edu"})
		unverified := mk("new@example.com", "Nora New", false)
		verified := mk("ver@example.com", "Vera Verified", true)
		sub := mk("sub@example.com", "Sam Subscriber", true)
		comp := mk("comp@example.com", "Carl Comp", true)
		inst := mk("prof@univ.edu", "Ada Professor", true)
		lapsed := mk("old@example.com", "Olga Old", true)
		db.GrantEntitlement(ctx, masthead.Entitlement{MemberID: sub.ID, Source: masthead.EntitlementStripe})
		db.GrantComplimentary(ctx, masthead.CompGrant{MemberID: comp.ID, Until: instNow.AddDate(0, 1, 0), Note: "Press"})
		db.GrantEntitlement(ctx, masthead.Entitlement{MemberID: lapsed.ID, Source: masthead.EntitlementStripe,
			StartsAt: instNow.AddDate(0, -2, 0), EndsAt: instNow.AddDate(0, -1, 0)})

		ids := func(f masthead.MemberFilter) []int64 {
			t.Helper()
			f.Now = instNow
			p, err := db.SearchMembers(ctx, f)
			if err != nil {
				t.Fatalf("%+v: %v", f, err)
			}
			var out []int64
			for _, m := range p.Members {
				out = append(out, m.ID)
			}
			return out
		}
		for _, tc := range []struct {
			f    masthead.MemberFilter
			want []int64
		}{
			{masthead.MemberFilter{State: masthead.MemberRegistered}, []int64{unverified.ID}},
			{masthead.MemberFilter{State: masthead.MemberVerified}, []int64{lapsed.ID, verified.ID}},
			{masthead.MemberFilter{State: masthead.MemberSubscriber}, []int64{sub.ID}},
			{masthead.MemberFilter{State: masthead.MemberComp}, []int64{comp.ID}},
			{masthead.MemberFilter{State: masthead.MemberInstitution}, []int64{inst.ID}},
			{masthead.MemberFilter{State: masthead.MemberLapsed}, []int64{lapsed.ID}},
			{masthead.MemberFilter{Query: "SUB"}, []int64{sub.ID}},
			{masthead.MemberFilter{Query: "ada"}, []int64{inst.ID}},
			{masthead.MemberFilter{Query: "prof@univ"}, []int64{inst.ID}},
			{masthead.MemberFilter{Query: "o", State: masthead.MemberLapsed}, []int64{lapsed.ID}},
			{masthead.MemberFilter{Query: "professor"}, nil}, // prefixes only
			{masthead.MemberFilter{Query: "%"}, []int64{lapsed.ID, inst.ID, comp.ID, sub.ID, verified.ID, unverified.ID}},
		} {
			if got := ids(tc.f); !slices.Equal(got, tc.want) {
				t.Errorf("%+v: got %v, want %v", tc.f, got, tc.want)
			}
		}
		if _, err := db.SearchMembers(ctx, masthead.MemberFilter{State: "gold"}); masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("unknown state: %v", err)
		}

		// Sources and lapse are marked on each row.
		p, _ := db.SearchMembers(ctx, masthead.MemberFilter{Now: instNow})
		for _, it := range p.Members {
			switch it.ID {
			case comp.ID:
				if !slices.Equal(it.Sources, []masthead.EntitlementSource{masthead.EntitlementComplimentary}) {
					t.Errorf("comp sources %v", it.Sources)
				}
			case lapsed.ID:
				if !it.Lapsed || len(it.Sources) != 0 {
					t.Errorf("lapsed row %+v", it)
				}
			}
		}

		// Pages follow the cursor without gaps or repeats.
		for i := range 7 {
			mk(fmt.Sprintf("page%d@example.com", i), "", false)
		}
		var all []int64
		f := masthead.MemberFilter{Limit: 5, Now: instNow}
		for {
			p, err := db.SearchMembers(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range p.Members {
				all = append(all, m.ID)
			}
			if p.Next == 0 {
				break
			}
			f.Before = p.Next
		}
		if len(all) != 13 || !slices.IsSortedFunc(all, func(a, b int64) int { return int(b - a) }) {
			t.Errorf("paged through %v", all)
		}
	})
}

// BenchmarkSearchMembers times the staff member list over 100,000
// members, 2,000 of them comp and 1,000 lapsed: a prefix search, a state filter, and a
// page deep in the list. go test -bench SearchMembers ./store/
func BenchmarkSearchMembers(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			db := storetest.Open(b, engine, store.Options{Clock: &fixedClock{instNow}})
			const n = 100_000
			ctx := context.Background()
			for start := 0; start < n; start += 1000 {
				var sb strings.Builder
				sb.WriteString("INSERT INTO members (email, name, verified_at, created_at) VALUES ")
				for i := start; i < start+1000; i++ {
					if i > start {
						sb.WriteString(",")
					}
					fmt.Fprintf(&sb, "('member%06d@example.com', 'Name %06d', %d, %d)", i, i, instNow.UnixMicro(), instNow.UnixMicro())
				}
				if _, err := db.SQL().ExecContext(ctx, sb.String()); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := db.SQL().ExecContext(ctx, fmt.Sprintf(`INSERT INTO entitlements (member_id, source, starts_at, ends_at, note, created_at)
				SELECT id, 'complimentary', %d, %d, 'bench', %d FROM members WHERE id %% 50 = 0`,
				instNow.Add(-time.Hour).UnixMicro(), instNow.AddDate(0, 1, 0).UnixMicro(), instNow.UnixMicro())); err != nil {
				b.Fatal(err)
			}
			// 1,000 lapsed: an entitlement that ended last month.
			if _, err := db.SQL().ExecContext(ctx, fmt.Sprintf(`INSERT INTO entitlements (member_id, source, starts_at, ends_at, note, created_at)
				SELECT id, 'stripe', %d, %d, 'bench', %d FROM members WHERE id %% 100 = 1`,
				instNow.AddDate(0, -2, 0).UnixMicro(), instNow.AddDate(0, -1, 0).UnixMicro(), instNow.UnixMicro())); err != nil {
				b.Fatal(err)
			}
			// Statistics, as autovacuum or the optimizer would gather.
			for _, table := range []string{"members", "entitlements"} {
				if _, err := db.SQL().ExecContext(ctx, "ANALYZE "+table); err != nil {
					b.Fatal(err)
				}
			}
			for _, c := range []struct {
				name string
				f    masthead.MemberFilter
			}{
				{"prefix", masthead.MemberFilter{Query: "member0421"}},
				{"name prefix", masthead.MemberFilter{Query: "name 0999"}},
				{"comp", masthead.MemberFilter{State: masthead.MemberComp}},
				{"lapsed", masthead.MemberFilter{State: masthead.MemberLapsed}},
				{"deep page", masthead.MemberFilter{Before: 1000}},
			} {
				b.Run(c.name, func(b *testing.B) {
					c.f.Now = instNow
					for b.Loop() {
						if _, err := db.SearchMembers(ctx, c.f); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
