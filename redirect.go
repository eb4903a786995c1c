package masthead

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// LegacyRedirect sends an address of the site a publication moved from
// (a Ghost or WordPress URL) to the page that now holds its content. An
// article redirect follows the article: when its slug changes later, the
// old address still lands on the current one.
type LegacyRedirect struct {
	// From is the old address as LegacyPath normalises it: "/my-post",
	// "/2019/03/04/my-post", "/?p=123", "/category/news".
	From string
	// ArticleSlug names the article the address now shows; empty for a
	// redirect to another page.
	ArticleSlug string
	// To is the site path of a redirect that is not to an article
	// ("/topics/news", "/authors/jane-doe").
	To string
}

// legacyQueryKeys are the query parameters that name content on a
// WordPress site without pretty permalinks; every other parameter
// (tracking, paging) is left out of the key.
var legacyQueryKeys = []string{"p", "page_id", "cat", "tag", "author"}

// LegacyPath normalises an old address for lookup: the path decoded,
// lowercased, without a trailing slash or index file; a bare "/" with one
// of WordPress's content parameters (p, page_id, cat, tag, author) keeps
// that parameter alone ("/?p=123"). An absolute URL is reduced to its path
// and query. It returns "" for an address that cannot be a legacy one.
func LegacyPath(rawPath, rawQuery string) string {
	if u, err := url.Parse(rawPath); err == nil && (u.Scheme != "" || u.Host != "" || u.RawQuery != "") {
		rawPath, rawQuery = u.Path, cmpOr(rawQuery, u.RawQuery)
	}
	p := strings.ToLower(rawPath)
	if d, err := url.PathUnescape(p); err == nil {
		p = d
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	for _, idx := range []string{"/index.php", "/index.html"} {
		p = strings.TrimSuffix(p, idx)
	}
	p = strings.TrimRight(p, "/")
	if p == "" {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return ""
		}
		for _, k := range legacyQueryKeys {
			if v := strings.TrimSpace(q.Get(k)); v != "" {
				return "/?" + k + "=" + url.QueryEscape(strings.ToLower(v))
			}
		}
		return ""
	}
	if len(p) > 500 {
		return ""
	}
	return p
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ImportedStaff is a person who wrote for the old site: a member with a
// staff role who writes under a byline.
type ImportedStaff struct {
	Email      string
	Name       string
	Role       Role
	AuthorSlug string
}

// ImportedMember is a reader of the old site, with the newsletter consent
// the export records for them.
type ImportedMember struct {
	Email     string
	Name      string
	CreatedAt time.Time
	// VerifiedAt is when the old platform had the address confirmed;
	// zero if it never was. A member it is set for receives the
	// newsletters they consent to, as they did before the move.
	VerifiedAt time.Time
	// Consents are the newsletter choices to record; MemberID is filled
	// by the store.
	Consents []NewsletterConsent
}

// ImportBundle is a whole publication read from another platform's
// export, written in one transaction so that an import lands entirely or
// not at all.
type ImportBundle struct {
	// Source names the platform, for messages: "Ghost", "WordPress".
	Source   string
	Authors  []Author // bylines with name and bio
	Articles []ArticleInput
	// UpdatedAt, when it has an entry per article, is when each was last
	// changed on the old site; a zero time keeps the time of the import.
	UpdatedAt []time.Time
	Staff     []ImportedStaff
	Members   []ImportedMember
	Redirects []LegacyRedirect
	// Update lets articles and bylines replace those of the same slug,
	// and old addresses an earlier import stored take their new targets;
	// without it such a slug is a conflict and nothing is imported (the
	// reader of the export gives colliding slugs new ones beforehand),
	// and a stored address keeps its target.
	Update bool
}

// ImportSummary counts what an ImportBundle changed.
type ImportSummary struct {
	Created, Updated int // articles
	Authors          int
	Staff            int // staff accounts created
	Members          int // reader accounts created
	// MembersKept counts readers of the export whose address already had
	// an account here: it was left as it was, consents included.
	MembersKept int
	Consents    int // consents recorded (unchanged ones are not repeated)
	Redirects   int
	// RedirectsKept counts old addresses an earlier import stored, which
	// kept their targets (Update replaces them).
	RedirectsKept int
	// StaffKept are the addresses of imported staff that already had an
	// account here: it was left as it was, with its role and byline.
	StaffKept []string
}

// RedirectService resolves the addresses of a site the publication moved
// from.
type RedirectService interface {
	// LegacyRedirect returns the site path that the normalised old
	// address from (see LegacyPath) now lives at, or ENOTFOUND; an
	// address of an article that is not live at now is not found.
	LegacyRedirect(ctx context.Context, from string, now time.Time) (string, error)
}
