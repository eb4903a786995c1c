package masthead_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"masthead"
)

func TestParseRanges(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"192.0.2.0/24", []string{"192.0.2.0/24"}, ""},
		{"2001:db8::/32, 192.0.2.0/24\n198.51.100.7", []string{"192.0.2.0/24", "198.51.100.7/32", "2001:db8::/32"}, ""},
		{"2001:db8::1", []string{"2001:db8::1/128"}, ""},
		{"::ffff:192.0.2.0/120", []string{"192.0.2.0/24"}, ""},
		{"", nil, ""},
		{"192.0.2.1/24", nil, "host bits set (did you mean 192.0.2.0/24?)"},
		{"192.0.2.0/33", nil, "not a CIDR range"},
		{"example.edu", nil, "not a CIDR range"},
		{"0.0.0.0/0", nil, "whole internet"},
		{"10.0.0.0/8\n10.1.0.0/16", nil, "10.1.0.0/16 overlaps 10.0.0.0/8"},
		{"192.0.2.0/24 192.0.2.0/24", nil, "overlaps"},
	} {
		got, err := masthead.ParseRanges(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: err %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		var s []string
		for _, p := range got {
			s = append(s, p.String())
		}
		if diff := cmp.Diff(tc.want, s); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestParseDomains(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"univ.edu", []string{"univ.edu"}, ""},
		{"@Univ.EDU, med.univ.edu.", []string{"med.univ.edu", "univ.edu"}, ""},
		{"gmail.com", nil, "gmail.com is a public email provider"},
		{"outlook.com\nuniv.edu", nil, "outlook.com is a public email provider"},
		{"mail.yahoo.com", nil, "public email provider"},
		{"icloud.com", nil, "public email provider"},
		{"univ.edu univ.edu", nil, "univ.edu is listed twice"},
		{"localhost", nil, "not a domain name"},
		{"bad_domain.edu", nil, "not a domain name"},
		{"-x.edu", nil, "not a domain name"},
	} {
		got, err := masthead.ParseDomains(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: err %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestEmailDomainCandidates(t *testing.T) {
	got := masthead.EmailDomainCandidates("ada@cs.Univ.edu")
	if diff := cmp.Diff([]string{"cs.univ.edu", "univ.edu"}, got); diff != "" {
		t.Error(diff)
	}
	if got := masthead.EmailDomainCandidates("nobody"); got != nil {
		t.Errorf("no domain: %v", got)
	}
}

func TestInstitutionInputParse(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	in, err := masthead.InstitutionInput{Name: " Univ ", Ranges: "192.0.2.0/24", SeatLimit: "25", EndsAt: "2027-06-30"}.Parse(time.UTC, now)
	if err != nil {
		t.Fatal(err)
	}
	if in.Name != "Univ" || in.SeatLimit != 25 || !in.StartsAt.Equal(now) || !in.EndsAt.Equal(time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("parsed %+v", in)
	}
	for _, tc := range []struct {
		in    masthead.InstitutionInput
		field string
	}{
		{masthead.InstitutionInput{Ranges: "192.0.2.0/24"}, "name"},
		{masthead.InstitutionInput{Name: "X"}, "ranges"},
		{masthead.InstitutionInput{Name: "X", Domains: "x.edu", SeatLimit: "0"}, "seat_limit"},
		{masthead.InstitutionInput{Name: "X", Domains: "x.edu", SeatLimit: "ten"}, "seat_limit"},
		{masthead.InstitutionInput{Name: "X", Domains: "x.edu", StartsAt: "2026-13-01"}, "starts_at"},
		{masthead.InstitutionInput{Name: "X", Domains: "x.edu", StartsAt: "2026-07-01", EndsAt: "2026-06-30"}, "ends_at"},
		{masthead.InstitutionInput{Name: "X", Domains: "gmail.com"}, "domains"},
	} {
		_, err := tc.in.Parse(time.UTC, now)
		e, ok := err.(*masthead.Error)
		if !ok || e.Code != masthead.EINVALID || e.Fields[tc.field] == "" {
			t.Errorf("%+v: err %v, want a message on %s", tc.in, err, tc.field)
		}
	}
}

func TestNetworkTableLookup(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	net := func(cidr, name string, starts, ends time.Time) masthead.InstitutionNetwork {
		return masthead.InstitutionNetwork{Prefix: netip.MustParsePrefix(cidr), Name: name, StartsAt: starts, EndsAt: ends}
	}
	past, future := now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0)
	table := masthead.NewNetworkTable([]masthead.InstitutionNetwork{
		net("192.0.2.0/24", "Univ", past, time.Time{}),
		net("198.51.100.0/25", "Corp", past, future),
		net("198.51.100.128/25", "Ended", past, now),
		net("203.0.113.0/24", "NotYet", future, time.Time{}),
		net("2001:db8::/32", "Univ", past, time.Time{}),
		net("10.0.0.1/32", "One", past, time.Time{}),
	})
	for _, tc := range []struct{ addr, want string }{
		{"192.0.2.0", "Univ"},
		{"192.0.2.255", "Univ"},
		{"192.0.3.0", ""},
		{"192.0.1.255", ""},
		{"198.51.100.127", "Corp"},
		{"198.51.100.128", ""}, // the agreement ended at now
		{"203.0.113.9", ""},    // not started
		{"2001:db8:1::5", "Univ"},
		{"2001:db9::", ""},
		{"::ffff:192.0.2.9", "Univ"}, // IPv4-mapped counts as IPv4
		{"10.0.0.1", "One"},
		{"10.0.0.2", ""},
		{"0.0.0.0", ""},
		{"ffff::1", ""},
	} {
		if got := table.Lookup(netip.MustParseAddr(tc.addr), now); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.addr, got, tc.want)
		}
	}
	if got := (*masthead.NetworkTable)(nil).Lookup(netip.MustParseAddr("192.0.2.1"), now); got != "" {
		t.Errorf("nil table: %q", got)
	}
}

func TestPublicEmailProvider(t *testing.T) {
	for d, want := range map[string]bool{"gmail.com": true, "GMAIL.COM": true, "eu.outlook.com": true, "univ.edu": false, "com": false} {
		if got := masthead.PublicEmailProvider(d); got != want {
			t.Errorf("%s: %v", d, got)
		}
	}
}
