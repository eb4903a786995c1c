package masthead

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// TermKind names one kind of the taxonomy editors keep: columns, authors,
// topics and regions. Each has a page of its own under Prefix.
type TermKind string

// The kinds of the taxonomy.
const (
	TermColumn TermKind = "column"
	TermAuthor TermKind = "author"
	TermTopic  TermKind = "topic"
	TermRegion TermKind = "region"
)

// Valid reports whether k is a known kind.
func (k TermKind) Valid() bool {
	return k == TermColumn || k == TermAuthor || k == TermTopic || k == TermRegion
}

// Prefix is the site path under which the kind's pages live, such as
// "/topics/".
func (k TermKind) Prefix() string { return "/" + string(k) + "s/" }

// Label is the kind's name in the singular, for messages.
func (k TermKind) Label() string {
	switch k {
	case TermColumn:
		return "Column"
	case TermAuthor:
		return "Author"
	case TermTopic:
		return "Topic"
	case TermRegion:
		return "Region"
	}
	return string(k)
}

// Bounds of what editors write about the taxonomy.
const (
	maxTermName        = 200
	maxTermDescription = 2000
	maxAuthorBio       = 5000
	maxAuthorLinks     = 10
	maxImageRef        = 1000
)

// Validate checks a column as an editor submits it.
func (c *Column) Validate() error {
	v := Invalid{}
	validTermFields(v, c.Slug, c.Name, c.Description, maxTermDescription)
	if msg := imageRefProblem(c.ImageURL); msg != "" {
		v.Add("image_url", msg)
	}
	if c.Position < -1000 || c.Position > 1000 {
		v.Add("position", "Order must be a whole number between -1000 and 1000.")
	}
	return v.Err()
}

// Validate checks an author's profile as an editor or the author submits
// it.
func (a *Author) Validate() error {
	v := Invalid{}
	validTermFields(v, a.Slug, a.Name, a.Bio, maxAuthorBio)
	if msg := imageRefProblem(a.PhotoURL); msg != "" {
		v.Add("photo_url", msg)
	}
	if len(a.Links) > maxAuthorLinks {
		v.Add("links", "At most 10 links.")
	}
	for _, l := range a.Links {
		if !webAddress(l) {
			v.Add("links", "Each link must be a full address starting with https:// or http://, one a line.")
			break
		}
	}
	return v.Err()
}

// Validate checks a topic or a region as an editor submits it.
func (t *Term) Validate() error {
	v := Invalid{}
	validTermFields(v, t.Slug, t.Name, t.Description, maxTermDescription)
	return v.Err()
}

func validTermFields(v Invalid, slug, name, text string, maxText int) {
	if !ValidSlug(slug) {
		v.Add("slug", "Slug must be lowercase letters, digits and single hyphens.")
	}
	switch {
	case strings.TrimSpace(name) == "":
		v.Add("name", "Name is required.")
	case utf8.RuneCountInString(name) > maxTermName:
		v.Add("name", "Name must be at most 200 characters.")
	}
	if utf8.RuneCountInString(text) > maxText {
		field := "description"
		if maxText == maxAuthorBio {
			field = "bio"
		}
		v.Add(field, "This text is too long.")
	}
}

// imageRefProblem says what is wrong with an image field: it may be
// empty, a path of this site ("/media/…") or a full http(s) address.
func imageRefProblem(s string) string {
	switch {
	case s == "":
		return ""
	case len(s) > maxImageRef:
		return "The image address is too long."
	case strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && !strings.ContainsAny(s, " \t\n\"'<>"):
		return ""
	case webAddress(s):
		return ""
	}
	return "Give the image as a full address (https://…) or a path of this site (/media/…)."
}

// webAddress reports whether s is an absolute http or https URL with a
// host, safe to put in a link.
func webAddress(s string) bool {
	if len(s) > maxImageRef || strings.ContainsAny(s, " \t\n\"'<>") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// SplitLines splits a textarea into its trimmed, non-empty lines.
func SplitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
