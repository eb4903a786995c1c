package store_test

import (
	"context"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

var instNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func mustInstitution(t *testing.T, db *store.DB, in masthead.InstitutionInput) *masthead.Institution {
	t.Helper()
	parsed, err := in.Parse(time.UTC, instNow)
	if err != nil {
		t.Fatalf("parse %+v: %v", in, err)
	}
	got, err := db.CreateInstitution(context.Background(), parsed, 0)
	if err != nil {
		t.Fatalf("create %s: %v", in.Name, err)
	}
	return got
}

// signIn verifies email the way a followed sign-in link does.
func signIn(t *testing.T, db *store.DB, email string) *masthead.Member {
	t.Helper()
	ctx := context.Background()
	tok := []byte("token-" + email + time.Now().String())
	if err := db.CreateSignInToken(ctx, email, tok, instNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	m, err := db.ConsumeSignInToken(ctx, tok)
	if err != nil {
		t.Fatalf("sign in %s: %v", email, err)
	}
	return m
}

func fieldErr(err error, field string) string {
	if e, ok := err.(*masthead.Error); ok {
		return e.Fields[field]
	}
	return ""
}

func TestInstitutionCRUDAndClashes(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{instNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v0, _ := db.InstitutionsVersion(ctx)
		uni := mustInstitution(t, db, masthead.InstitutionInput{Name: "Univ", Ranges: "192.0.2.0/24\n2001:db8::/32", Domains: "univ.edu", SeatLimit: "2", EndsAt: "2027-01-01"})
		if len(uni.Ranges) != 2 || uni.Domains[0] != "univ.edu" || uni.SeatLimit != 2 || !uni.EndsAt.Equal(time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("created %+v", uni)
		}
		if v1, _ := db.InstitutionsVersion(ctx); v1 == v0 {
			t.Fatal("version did not move on create")
		}

		// Clashes with another institution: nothing stored.
		for _, tc := range []struct {
			name, ranges, domains, field, want string
		}{
			{"overlapping v4", "192.0.2.128/25", "", "ranges", "overlaps 192.0.2.0/24 of Univ"},
			{"wider v6", "2001::/16", "", "ranges", "of Univ"},
			{"same domain", "", "univ.edu", "domains", "univ.edu is already listed for Univ"},
		} {
			parsed, err := masthead.InstitutionInput{Name: "Other", Ranges: tc.ranges, Domains: tc.domains}.Parse(time.UTC, instNow)
			if err != nil {
				t.Fatalf("%s: parse: %v", tc.name, err)
			}
			_, err = db.CreateInstitution(ctx, parsed, 0)
			if masthead.ErrorCode(err) != masthead.EINVALID || !strings.Contains(fieldErr(err, tc.field), tc.want) {
				t.Errorf("%s: err %v (field %q), want %q on %s", tc.name, err, fieldErr(err, tc.field), tc.want, tc.field)
			}
		}
		list, err := db.Institutions(ctx, instNow)
		if err != nil || len(list) != 1 {
			t.Fatalf("after refusals: %d institutions, %v", len(list), err)
		}

		// Editing its own ranges is no clash with itself.
		other := mustInstitution(t, db, masthead.InstitutionInput{Name: "Corp", Ranges: "198.51.100.0/24", Domains: "corp.example"})
		uni.Ranges = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/25")}
		uni.Domains = append(uni.Domains, "med.univ.edu")
		if _, err := db.UpdateInstitution(ctx, uni, 0); err != nil {
			t.Fatalf("update own ranges: %v", err)
		}
		other.Ranges = append(other.Ranges, netip.MustParsePrefix("192.0.2.0/26"))
		if _, err := db.UpdateInstitution(ctx, other, 0); masthead.ErrorCode(err) != masthead.EINVALID {
			t.Fatalf("update into Univ's range: %v", err)
		}
		got, err := db.Institution(ctx, other.ID, instNow)
		if err != nil || len(got.Ranges) != 1 {
			t.Fatalf("refused update changed ranges: %+v %v", got, err)
		}

		v, nets, err := db.InstitutionNetworks(ctx)
		if err != nil || len(nets) != 2 || v == 0 {
			t.Fatalf("networks: v%d %+v %v", v, nets, err)
		}
		table := masthead.NewNetworkTable(nets)
		if n := table.Lookup(netip.MustParseAddr("192.0.2.5"), instNow); n != "Univ" {
			t.Errorf("lookup in Univ = %q", n)
		}
		if n := table.Lookup(netip.MustParseAddr("192.0.2.200"), instNow); n != "" {
			t.Errorf("lookup outside narrowed range = %q", n)
		}
		if _, err := db.Institution(ctx, 999, instNow); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("missing institution: %v", err)
		}
	})
}

func TestInstitutionDomainGrantsAndSeats(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{instNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		uni := mustInstitution(t, db, masthead.InstitutionInput{Name: "Univ", Domains: "univ.edu", SeatLimit: "2", EndsAt: "2027-01-01"})

		a := signIn(t, db, "a@univ.edu")
		b := signIn(t, db, "b@cs.univ.edu") // a subdomain matches
		outsider := signIn(t, db, "c@elsewhere.org")
		for _, m := range []*masthead.Member{a, b} {
			if ok, _ := db.Entitled(ctx, m.ID, instNow); !ok {
				t.Errorf("%s not entitled", m.Email)
			}
		}
		if ok, _ := db.Entitled(ctx, outsider.ID, instNow); ok {
			t.Error("outsider entitled")
		}
		// Signing in again takes no second seat.
		signIn(t, db, "a@univ.edu")
		got, _ := db.Institution(ctx, uni.ID, instNow)
		if got.SeatsUsed != 2 || got.SeatsRefused != 0 {
			t.Fatalf("usage %d used, %d refused; want 2, 0", got.SeatsUsed, got.SeatsRefused)
		}
		// The third is refused, and staff see it.
		c := signIn(t, db, "third@univ.edu")
		if ok, _ := db.Entitled(ctx, c.ID, instNow); ok {
			t.Error("third member entitled past the seat limit")
		}
		got, _ = db.Institution(ctx, uni.ID, instNow)
		if got.SeatsUsed != 2 || got.SeatsRefused != 1 || !got.SeatsFull() {
			t.Fatalf("usage after refusal: %+v", got)
		}
		ev, _ := db.MemberEvents(ctx, c.ID, 10)
		if len(ev) != 1 || ev[0].Kind != masthead.MemberEventInstitutionRefused {
			t.Fatalf("refused member's history: %+v", ev)
		}
		ev, _ = db.MemberEvents(ctx, a.ID, 10)
		if len(ev) != 1 || ev[0].Kind != masthead.MemberEventInstitutionGranted || !strings.Contains(ev[0].Detail, "Univ") {
			t.Fatalf("granted member's history: %+v", ev)
		}

		// A limit below the seats in use ends the newest seats at once:
		// b's, granted after a's.
		uni.SeatLimit = 1
		saved, err := db.UpdateInstitution(ctx, uni, 0)
		if err != nil {
			t.Fatalf("seat limit below use: %v", err)
		}
		if len(saved.SeatsEnded) != 1 || saved.SeatsEnded[0].ID != b.ID || saved.SeatsUsed != 1 {
			t.Fatalf("seats ended %+v, %d used; want b's, 1 used", saved.SeatsEnded, saved.SeatsUsed)
		}
		if ok, _ := db.Entitled(ctx, b.ID, instNow); ok {
			t.Error("b still entitled after losing the seat")
		}
		if ok, _ := db.Entitled(ctx, a.ID, instNow); !ok {
			t.Error("a lost the older seat")
		}
		if ev, _ := db.MemberEvents(ctx, b.ID, 10); len(ev) == 0 || ev[0].Kind != masthead.MemberEventInstitutionEnded {
			t.Fatalf("b's history: %+v", ev)
		}
		// Signing in again does not take the seat back.
		signIn(t, db, "b@cs.univ.edu")
		if ok, _ := db.Entitled(ctx, b.ID, instNow); ok {
			t.Error("b entitled again by signing in")
		}
		// The grants follow the end date, both ways; an ended seat stays
		// ended when the limit goes up again.
		uni.SeatLimit = 2
		uni.EndsAt = instNow.Add(24 * time.Hour)
		if _, err := db.UpdateInstitution(ctx, uni, 0); err != nil {
			t.Fatal(err)
		}
		ents, _ := db.MemberEntitlements(ctx, a.ID)
		if len(ents) != 1 || !ents[0].EndsAt.Equal(uni.EndsAt) || ents[0].InstitutionName != "Univ" {
			t.Fatalf("entitlement after new end date: %+v", ents)
		}
		if ok, _ := db.Entitled(ctx, a.ID, instNow.Add(48*time.Hour)); ok {
			t.Error("entitled after the agreement ended")
		}
		if ok, _ := db.Entitled(ctx, b.ID, instNow); ok {
			t.Error("b's ended seat reopened by a change of dates")
		}
		// An ended agreement grants nothing more.
		uni.EndsAt = instNow.Add(-time.Hour)
		uni.StartsAt = instNow.Add(-48 * time.Hour)
		if _, err := db.UpdateInstitution(ctx, uni, 0); err != nil {
			t.Fatal(err)
		}
		late := signIn(t, db, "late@univ.edu")
		if ents, _ := db.MemberEntitlements(ctx, late.ID); len(ents) != 0 {
			t.Errorf("grant after the end: %+v", ents)
		}
	})
}

// TestInstitutionSeatsConcurrent: members of one domain signing in at
// once never take more seats than the limit.
func TestInstitutionSeatsConcurrent(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{instNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		uni := mustInstitution(t, db, masthead.InstitutionInput{Name: "Univ", Domains: "univ.edu", SeatLimit: "3"})
		const n = 8
		toks := make([][]byte, n)
		for i := range n {
			toks[i] = []byte{byte(i), 'x'}
			if err := db.CreateSignInToken(ctx, string(rune('a'+i))+"@univ.edu", toks[i], instNow.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				if _, err := db.ConsumeSignInToken(ctx, toks[i]); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got, _ := db.Institution(ctx, uni.ID, instNow)
		if got.SeatsUsed != 3 || got.SeatsRefused != n-3 {
			t.Fatalf("seats used %d, refused %d; want 3, %d", got.SeatsUsed, got.SeatsRefused, n-3)
		}
	})
}
