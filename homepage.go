package masthead

import (
	"fmt"
	"strconv"
	"strings"
)

// HomeLayout is the home page as an editor arranges it at /admin/home:
// a lead story and pinned stories, then sections in the order given. The
// zero value is the home page nobody arranged: the newest daily analysis
// leads and the topics written about lately make the sections. Whatever
// is arranged, a "Latest" list below shows the newest articles not
// shown above it, so nothing published is missing from the page.
type HomeLayout struct {
	// Lead is the slug of the lead story; "" or an article that is not
	// live falls back to the newest.
	Lead string `json:"lead,omitempty"`
	// Pinned are slugs of stories shown under the lead, in order.
	Pinned []string `json:"pinned,omitempty"`
	// Sections are the sections, in order; none means the automatic
	// ones.
	Sections []HomeSection `json:"sections,omitempty"`
}

// HomeSection is one section of the home page: the newest Count live
// articles of a topic, a column or a kind.
type HomeSection struct {
	// Source is "topic", "column" or "kind".
	Source string `json:"source"`
	// Slug names the topic or column, or the kind ("in-depth").
	Slug  string `json:"slug"`
	Count int    `json:"count"`
}

// Bounds of a home layout.
const (
	maxPinned        = 10
	maxHomeSections  = 12
	maxSectionItems  = 12
	defaultHomeItems = 4
)

// Validate checks the shape of a layout; that the slugs exist is the
// store's to check.
func (h *HomeLayout) Validate() error {
	v := Invalid{}
	if h.Lead != "" && !ValidSlug(h.Lead) {
		v.Add("lead", "The lead story is an article's slug, such as “the-week-ahead”.")
	}
	if len(h.Pinned) > maxPinned {
		v.Add("pinned", "At most 10 pinned stories.")
	}
	for _, p := range h.Pinned {
		if !ValidSlug(p) {
			v.Add("pinned", fmt.Sprintf("“%s” is not an article's slug.", p))
			break
		}
	}
	if len(h.Sections) > maxHomeSections {
		v.Add("sections", "At most 12 sections.")
	}
	for _, s := range h.Sections {
		if msg := s.problem(); msg != "" {
			v.Add("sections", msg)
			break
		}
	}
	return v.Err()
}

func (s HomeSection) problem() string {
	switch s.Source {
	case "topic", "column":
		if !ValidSlug(s.Slug) {
			return fmt.Sprintf("“%s” is not a %s's slug.", s.Slug, s.Source)
		}
	case "kind":
		if !Kind(s.Slug).Valid() {
			return fmt.Sprintf("“%s” is not a kind: daily, in-depth or briefing.", s.Slug)
		}
	default:
		return fmt.Sprintf("“%s” is not topic, column or kind.", s.Source)
	}
	if s.Count < 1 || s.Count > maxSectionItems {
		return "A section shows from 1 to 12 articles."
	}
	return ""
}

// ParseHomeSections reads sections as the home page form takes them,
// one a line: "topic:economy 4", "column:field-notes", "kind:in-depth 3"
// (4 articles when no number is given).
func ParseHomeSections(text string) ([]HomeSection, error) {
	var out []HomeSection
	for i, line := range SplitLines(text) {
		fields := strings.Fields(line)
		src, slug, ok := strings.Cut(fields[0], ":")
		s := HomeSection{Source: strings.ToLower(src), Slug: strings.ToLower(slug), Count: defaultHomeItems}
		bad := !ok || len(fields) > 2
		if len(fields) == 2 {
			n, err := strconv.Atoi(fields[1])
			bad = bad || err != nil
			s.Count = n
		}
		if bad {
			return nil, fieldErr("sections", fmt.Sprintf("Line %d: write a section as “topic:slug 4”, “column:slug 3” or “kind:in-depth 4”.", i+1))
		}
		out = append(out, s)
	}
	return out, nil
}

// FormatHomeSections writes sections back as ParseHomeSections reads
// them.
func FormatHomeSections(ss []HomeSection) string {
	lines := make([]string, len(ss))
	for i, s := range ss {
		lines[i] = fmt.Sprintf("%s:%s %d", s.Source, s.Slug, s.Count)
	}
	return strings.Join(lines, "\n")
}

func fieldErr(field, msg string) error {
	v := Invalid{}
	v.Add(field, msg)
	return v.Err()
}
