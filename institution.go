package masthead

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Institution is an organisation that buys All-Access for its people:
// every reader on one of its networks reads everything without an
// account, and a member who verifies an address at one of its email
// domains gets an All-Access entitlement (source "institution") for as
// long as the agreement lasts, within the seat limit.
type Institution struct {
	ID   int64
	Name string
	// Ranges are the institution's networks, IPv4 or IPv6, masked.
	Ranges []netip.Prefix
	// Domains are lower-case email domains; an address at a subdomain
	// (cs.example.edu for example.edu) matches too.
	Domains []string
	// SeatLimit bounds the members granted access through a domain; zero
	// means no limit. Readers on a network take no seat.
	SeatLimit int
	// StartsAt and EndsAt bound the agreement; a zero EndsAt never ends.
	// EndsAt is exclusive: the midnight after the last day of access.
	StartsAt time.Time
	EndsAt   time.Time
	Note     string
	// Usage, filled in when reading: the members holding a current
	// institutional grant, and the grants refused because every seat
	// was taken (and when the last one was).
	SeatsUsed     int
	SeatsRefused  int
	LastRefusedAt time.Time
	// SeatsEnded, set only on what UpdateInstitution returns, names the
	// members whose seats that update ended because the new limit was
	// below the seats in use: the newest seats, newest first.
	SeatsEnded []Member
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ActiveAt reports whether the agreement holds at now.
func (in *Institution) ActiveAt(now time.Time) bool {
	return !now.Before(in.StartsAt) && (in.EndsAt.IsZero() || now.Before(in.EndsAt))
}

// SeatsFull reports whether every seat is taken.
func (in *Institution) SeatsFull() bool {
	return in.SeatLimit > 0 && in.SeatsUsed >= in.SeatLimit
}

// InstitutionInput is what staff type on the institution form: ranges
// and domains as text, one per line (or separated by commas or spaces),
// so a refused form can be shown again exactly as typed.
type InstitutionInput struct {
	Name      string
	Ranges    string
	Domains   string
	SeatLimit string // empty: no limit
	StartsAt  string // YYYY-MM-DD; empty: today
	EndsAt    string // YYYY-MM-DD, the last day of access; empty: no end
	Note      string
}

// Parse checks the input and returns the institution it describes, with
// dates read at midnight in loc and now standing for an empty start. Every
// problem found is reported at once, in Error.Fields keyed by form field.
// Overlaps with other institutions' ranges and domains already taken are
// the store's to find.
func (in InstitutionInput) Parse(loc *time.Location, now time.Time) (*Institution, error) {
	if loc == nil {
		loc = time.UTC
	}
	fields := map[string]string{}
	out := &Institution{Name: strings.TrimSpace(in.Name), Note: strings.TrimSpace(in.Note)}
	if out.Name == "" {
		fields["name"] = "Enter the institution's name."
	} else if len(out.Name) > 200 {
		fields["name"] = "Keep the name under 200 characters."
	}
	ranges, err := ParseRanges(in.Ranges)
	if err != nil {
		fields["ranges"] = err.Error()
	}
	out.Ranges = ranges
	domains, err := ParseDomains(in.Domains)
	if err != nil {
		fields["domains"] = err.Error()
	}
	out.Domains = domains
	if s := strings.TrimSpace(in.SeatLimit); s != "" {
		var n int
		if _, err := fmt.Sscan(s, &n); err != nil || n < 1 || fmt.Sprint(n) != s {
			fields["seat_limit"] = "Enter a whole number of seats, 1 or more, or leave it empty for no limit."
		}
		out.SeatLimit = n
	}
	out.StartsAt = now
	if s := strings.TrimSpace(in.StartsAt); s != "" {
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			fields["starts_at"] = "Enter the start date as YYYY-MM-DD."
		}
		out.StartsAt = t
	}
	if s := strings.TrimSpace(in.EndsAt); s != "" {
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		// The end date is the last day of access: the agreement ends
		// at the midnight that follows it.
		t = t.AddDate(0, 0, 1)
		switch {
		case err != nil:
			fields["ends_at"] = "Enter the end date as YYYY-MM-DD."
		case fields["starts_at"] == "" && !t.After(out.StartsAt):
			fields["ends_at"] = "The end date must not come before the start date."
		}
		out.EndsAt = t
	}
	if len(out.Ranges) == 0 && len(out.Domains) == 0 && fields["ranges"] == "" && fields["domains"] == "" {
		fields["ranges"] = "Enter at least one network range or email domain."
	}
	if len(fields) > 0 {
		return nil, &Error{Code: EINVALID, Message: "The institution was not saved: correct the fields marked below.", Fields: fields}
	}
	return out, nil
}

// splitList splits text at newlines, commas and spaces.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || r == ',' || r == ' ' || r == '\t' || r == ';'
	})
}

// ParseRanges reads CIDR ranges, one per line or separated by commas.
// A bare address is a range of one (/32 or /128). Host bits must be zero:
// 192.0.2.1/24 is refused rather than silently widened, since it usually
// means a typo. Ranges that overlap one another are refused too.
func ParseRanges(text string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	var bad []string
	for _, f := range splitList(text) {
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil || a.Zone() != "" {
				bad = append(bad, fmt.Sprintf("%q is not a CIDR range (like 192.0.2.0/24 or 2001:db8::/32)", f))
				continue
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			if p.Bits() < 0 {
				bad = append(bad, fmt.Sprintf("%q is not a CIDR range", f))
				continue
			}
		}
		if p.Masked() != p {
			bad = append(bad, fmt.Sprintf("%q has host bits set (did you mean %s?)", f, p.Masked()))
			continue
		}
		if p.Bits() == 0 {
			bad = append(bad, fmt.Sprintf("%q covers the whole internet", f))
			continue
		}
		out = append(out, p)
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%s.", strings.Join(bad, "; "))
	}
	sortPrefixes(out)
	for i := 1; i < len(out); i++ {
		if out[i-1].Overlaps(out[i]) {
			return nil, fmt.Errorf("%s overlaps %s.", out[i], out[i-1])
		}
	}
	return out, nil
}

// sortPrefixes orders prefixes by first address, IPv4 before IPv6.
func sortPrefixes(ps []netip.Prefix) {
	slices.SortFunc(ps, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
}

// publicEmailProviders are domains anyone can get an address at; listing
// one for an institution would hand its access to the whole internet.
var publicEmailProviders = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "outlook.com": true, "hotmail.com": true,
	"hotmail.co.uk": true, "live.com": true, "msn.com": true, "yahoo.com": true,
	"yahoo.co.uk": true, "yahoo.fr": true, "ymail.com": true, "rocketmail.com": true,
	"icloud.com": true, "me.com": true, "mac.com": true, "aol.com": true,
	"protonmail.com": true, "proton.me": true, "pm.me": true, "gmx.com": true,
	"gmx.de": true, "gmx.net": true, "web.de": true, "mail.com": true,
	"yandex.com": true, "yandex.ru": true, "mail.ru": true, "zoho.com": true,
	"fastmail.com": true, "tutanota.com": true, "tuta.io": true, "hey.com": true,
	"qq.com": true, "163.com": true, "126.com": true, "naver.com": true,
	"orange.fr": true, "free.fr": true, "laposte.net": true, "libero.it": true,
	"t-online.de": true, "btinternet.com": true, "comcast.net": true, "verizon.net": true,
	"att.net": true,
}

// PublicEmailProvider reports whether domain (or a domain it is under) is
// one anyone can get an address at.
func PublicEmailProvider(domain string) bool {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	for {
		if publicEmailProviders[domain] {
			return true
		}
		_, rest, ok := strings.Cut(domain, ".")
		if !ok || !strings.Contains(rest, ".") {
			return false
		}
		domain = rest
	}
}

// ParseDomains reads email domains, one per line or separated by commas,
// lower-cased, with a leading "@" allowed. Public email providers and
// repeats are refused.
func ParseDomains(text string) ([]string, error) {
	var out, bad []string
	seen := map[string]bool{}
	for _, f := range splitList(text) {
		d := strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(f), "@"), ".")
		switch {
		case !validDomain(d):
			bad = append(bad, fmt.Sprintf("%q is not a domain name (like example.edu)", f))
		case PublicEmailProvider(d):
			bad = append(bad, fmt.Sprintf("%s is a public email provider: anyone can get an address there", d))
		case seen[d]:
			bad = append(bad, fmt.Sprintf("%s is listed twice", d))
		default:
			seen[d] = true
			out = append(out, d)
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%s.", strings.Join(bad, "; "))
	}
	slices.Sort(out)
	return out, nil
}

// validDomain checks the form of a domain name with at least two labels.
func validDomain(d string) bool {
	if len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// EmailDomainCandidates returns the domains an address's domain matches
// under, most specific first: a@cs.example.edu gives cs.example.edu and
// example.edu. The store looks each up; the most specific listed wins.
func EmailDomainCandidates(email string) []string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return nil
	}
	d := strings.ToLower(email[at+1:])
	var out []string
	for strings.Contains(d, ".") {
		out = append(out, d)
		_, d, _ = strings.Cut(d, ".")
	}
	return out
}

// InstitutionNetwork is one range of an institution, as the reader site
// keeps it in memory.
type InstitutionNetwork struct {
	Prefix        netip.Prefix
	InstitutionID int64
	Name          string
	StartsAt      time.Time
	EndsAt        time.Time // zero: no end
}

// NetworkTable finds the institution whose network holds an address. It
// is built once from the store's ranges (which never overlap) and read by
// many requests at once; nothing may modify it after NewNetworkTable.
type NetworkTable struct {
	nets []InstitutionNetwork // sorted by first address
}

// NewNetworkTable sorts nets for lookups. Where ranges overlap (the
// store refuses that, so only on a hand-edited database) the lookup may
// miss the wider one, never return one that does not hold the address.
func NewNetworkTable(nets []InstitutionNetwork) *NetworkTable {
	nets = slices.Clone(nets)
	slices.SortFunc(nets, func(a, b InstitutionNetwork) int {
		if c := a.Prefix.Addr().Compare(b.Prefix.Addr()); c != 0 {
			return c
		}
		return a.Prefix.Bits() - b.Prefix.Bits()
	})
	return &NetworkTable{nets: nets}
}

// Len is the number of ranges.
func (t *NetworkTable) Len() int {
	if t == nil {
		return 0
	}
	return len(t.nets)
}

// Lookup returns the name of the institution whose current agreement
// covers addr at now, or "". It is a binary search: the candidate is the
// last range starting at or before addr.
func (t *NetworkTable) Lookup(addr netip.Addr, now time.Time) string {
	if t == nil || len(t.nets) == 0 || !addr.IsValid() {
		return ""
	}
	addr = addr.Unmap()
	i, _ := slices.BinarySearchFunc(t.nets, addr, func(n InstitutionNetwork, a netip.Addr) int {
		return n.Prefix.Addr().Compare(a)
	})
	// i is the first range starting after addr (or at it); step back
	// over those that start after it.
	if i == len(t.nets) || t.nets[i].Prefix.Addr() != addr {
		i--
	}
	if i < 0 {
		return ""
	}
	n := &t.nets[i]
	if !n.Prefix.Contains(addr) || now.Before(n.StartsAt) || (!n.EndsAt.IsZero() && !now.Before(n.EndsAt)) {
		return ""
	}
	return n.Name
}

// InstitutionService manages institutions and the access they grant.
type InstitutionService interface {
	// Institutions lists every institution by name, with usage at now.
	Institutions(ctx context.Context, now time.Time) ([]*Institution, error)
	// Institution finds one by id, with usage at now.
	Institution(ctx context.Context, id int64, now time.Time) (*Institution, error)
	// CreateInstitution stores a new institution. A range overlapping
	// another institution's, or a domain another lists, is EINVALID with
	// the field named; nothing is stored then.
	CreateInstitution(ctx context.Context, in *Institution, actorID int64) (*Institution, error)
	// UpdateInstitution replaces an institution's name, ranges, domains,
	// seat limit, dates and note. The entitlements granted through it
	// follow its new dates, except those ended for good. A seat limit
	// below the seats in use ends the newest seats at once, down to the
	// limit (Institution.SeatsEnded names their members).
	UpdateInstitution(ctx context.Context, in *Institution, actorID int64) (*Institution, error)
	// InstitutionNetworks returns every range with its institution, and
	// the version of the institutions they were read at.
	InstitutionNetworks(ctx context.Context) (version int64, nets []InstitutionNetwork, err error)
	// InstitutionsVersion moves whenever any institution changes, on any
	// instance: the reader site polls it to know when to reload.
	InstitutionsVersion(ctx context.Context) (int64, error)
	// GrantInstitutionByDomain gives a verified member All-Access when
	// their address is at a listed domain, within the seat limit, as
	// following a sign-in link does; for sign-ins by password. A member
	// already granted, or not verified, is left alone.
	GrantInstitutionByDomain(ctx context.Context, memberID int64) error
}
