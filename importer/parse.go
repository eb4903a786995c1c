package importer

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"masthead"
)

// FileError is a file that could not be imported, with the line at fault
// where one can be named: the front-matter key whose value is wrong, or 1
// for a problem with the file as a whole.
type FileError struct {
	Path    string
	Line    int // 0 when no line applies
	Message string
	Err     error // the cause, for errors.Is; may be nil
}

// Error formats the error the way compilers do, "path:line: message", so
// editors and terminals can jump to it.
func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Message)
}

// Unwrap returns the cause.
func (e *FileError) Unwrap() error { return e.Err }

// ErrNoFrontMatter marks a Markdown file that does not begin with front
// matter: a README or a note, not an article. ImportDir skips such files
// instead of failing them.
var ErrNoFrontMatter = errors.New("no front matter")

// Layouts tried, in order, for dates. Those without a zone are read in the
// importer's location.
var (
	zonedLayouts = []string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05Z0700",
		"2006-01-02 15:04:05Z07:00",
		"2006-01-02 15:04:05 Z07:00",
		"2006-01-02 15:04:05 -0700",
		"2006-01-02 15:04:05.999999999 -0700",
		"2006-01-02 15:04:05 -0700 MST", // Go's own time.String
		"2006-01-02T15:04Z07:00",
		"2006-01-02 15:04 -0700",
		time.RFC1123Z,
	}
	localLayouts = []string{
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999",
		"2006-01-02T15:04",
		"2006-01-02 15:04",
		"2006-01-02",
	}
)

// jekyllDate is the date prefix of a Jekyll post's file name.
var jekyllDate = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})-(.+)$`)

// yamlLine finds the line number in a YAML syntax error.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)`)

// yamlParserProblems are the messages of go.yaml.in/yaml/v3's parser, as
// opposed to its scanner. The library reports a parser error's line
// counting from 0 and a scanner error's counting from 1, and leaves the
// line out when it is 0, so the kind of problem decides the arithmetic.
var yamlParserProblems = []string{
	"did not find expected <stream-start>", "did not find expected <document start>",
	"found undefined tag handle", "did not find expected node content",
	"did not find expected '-' indicator", "did not find expected key",
	"did not find expected ',' or ']'", "did not find expected ',' or '}'",
	"found duplicate %YAML directive", "found incompatible YAML document",
	"found duplicate %TAG directive",
}

// yamlError turns a YAML syntax error into the file's line and a message.
// The front matter starts on the file's second line.
func yamlError(err error) (line int, msg string) {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		msg = strings.TrimPrefix(err.Error(), "yaml: ")
		if slices.Contains(yamlParserProblems, msg) {
			return 2, msg // reported at the front matter's line 0
		}
		return 1, msg
	}
	n, _ := strconv.Atoi(m[1])
	if slices.Contains(yamlParserProblems, m[2]) {
		return n + 2, m[2]
	}
	return n + 1, m[2]
}

// parsed is a file's article with the line of each field, so that errors
// found later, by validation or by the store, can point at the right line.
type parsed struct {
	in    masthead.ArticleInput
	lines map[string]int // validation field name → line
	date  bool           // the file gave a date
}

// ParseFile reads one Markdown file with YAML front matter into an article.
// name is the file's path, used for messages, for the slug when the front
// matter has none, and for Jekyll's _drafts folder; loc is the zone of
// dates written without one (nil means UTC). A published article without a
// date keeps a zero PublishedAt; ImportDir fills it. ParseFile does no I/O
// and never panics, whatever src holds; every error is a *FileError.
func ParseFile(name string, src []byte, loc *time.Location) (masthead.ArticleInput, error) {
	p, err := parse(name, src, loc)
	if err != nil {
		return masthead.ArticleInput{}, err
	}
	return p.in, nil
}

func parse(name string, src []byte, loc *time.Location) (*parsed, error) {
	if loc == nil {
		loc = time.UTC
	}
	fail := func(line int, format string, args ...any) (*parsed, error) {
		return nil, &FileError{Path: name, Line: line, Message: fmt.Sprintf(format, args...)}
	}
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	// Text columns on PostgreSQL reject invalid UTF-8 and NUL, and a
	// reader's browser would show garbage; refuse them here with a line.
	if i := bytes.IndexByte(src, 0); i >= 0 {
		return fail(lineAt(src, i), "the file contains a NUL byte; is it really Markdown?")
	}
	if !utf8.Valid(src) {
		i := 0
		for i < len(src) {
			r, n := utf8.DecodeRune(src[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return fail(lineAt(src, i), "the file is not valid UTF-8; save it as UTF-8")
	}

	// One kind of line break, so that YAML (which also breaks lines at a
	// lone CR) and these messages count lines alike.
	if bytes.IndexByte(src, '\r') >= 0 {
		src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
		src = bytes.ReplaceAll(src, []byte("\r"), []byte("\n"))
	}
	fm, body, bodyLine, err := split(name, src)
	if err != nil {
		return nil, err
	}
	p := &parsed{lines: map[string]int{"body": bodyLine}}
	in := &p.in
	in.BodyMarkdown = body

	var doc yaml.Node
	if err := yaml.Unmarshal(fm, &doc); err != nil {
		line, msg := yamlError(err)
		return fail(line, "front matter is not valid YAML: %s", msg)
	}
	var root *yaml.Node
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	if root != nil && !(root.Kind == yaml.ScalarNode && root.Tag == "!!null") && root.Kind != yaml.MappingNode {
		return fail(root.Line+1, "front matter must be keys and values (title: …), not a %s", kindName(root))
	}

	var (
		status, dek                       string
		statusLine, dekRank, dateRank     int
		draft                             bool
		draftLine                         int
		authors, topics, regions          []string
		authorLine, topicLine, regionLine int
	)
	dekRank, dateRank = 99, 99
	names := map[string]string{}
	line := func(n *yaml.Node) int { return n.Line + 1 }

	if root != nil && root.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(root.Content); i += 2 {
			k, v := root.Content[i], deref(root.Content[i+1])
			key := strings.ToLower(strings.TrimSpace(k.Value))
			at := line(k)
			switch key {
			case "title":
				s, err := text(v)
				if err != nil {
					return fail(at, "title: %v", err)
				}
				in.Title, p.lines["title"] = s, at

			case "dek", "summary", "description", "excerpt", "subtitle":
				// dek is Masthead's own word; the others are what Hugo
				// and Jekyll call the same thing, in order of preference.
				rank := slices.Index([]string{"dek", "summary", "description", "excerpt", "subtitle"}, key)
				s, err := text(v)
				if err != nil {
					return fail(at, "%s: %v", key, err)
				}
				if rank < dekRank && strings.TrimSpace(s) != "" {
					dek, dekRank, p.lines["dek"] = s, rank, at
				}

			case "publish_at", "publishdate", "date":
				rank := slices.Index([]string{"publish_at", "publishdate", "date"}, key)
				t, err := date(v, loc)
				if err != nil {
					return fail(at, "%s: %v", key, err)
				}
				if rank < dateRank && !t.IsZero() {
					in.PublishedAt, dateRank, p.lines["published_at"] = t, rank, at
					p.date = true
				}

			case "lastmod", "last_modified_at", "updated":
				// Masthead keeps its own update time; a bad value is still
				// a mistake worth reporting.
				if _, err := date(v, loc); err != nil {
					return fail(at, "%s: %v", key, err)
				}

			case "slug":
				s, err := text(v)
				if err != nil {
					return fail(at, "slug: %v", err)
				}
				s = strings.TrimSpace(s)
				if s != "" && !masthead.ValidSlug(s) {
					return fail(at, "slug %q is not valid: use lowercase letters, digits and single hyphens, like %q", s, suggestSlug(s))
				}
				in.Slug, p.lines["slug"] = s, at

			case "author", "authors":
				ss, err := labels(v, names, false)
				if err != nil {
					return fail(at, "%s: %v", key, err)
				}
				authors, authorLine = append(authors, ss...), at

			case "tags", "categories", "topics":
				ss, err := labels(v, names, true)
				if err != nil {
					return fail(at, "%s: %v", key, err)
				}
				topics = append(topics, ss...)
				if topicLine == 0 {
					topicLine = at
				}

			case "regions", "region":
				ss, err := labels(v, names, false)
				if err != nil {
					return fail(at, "%s: %v", key, err)
				}
				regions, regionLine = append(regions, ss...), at

			case "column":
				ss, err := labels(v, names, false)
				if err != nil {
					return fail(at, "column: %v", err)
				}
				if len(ss) > 1 {
					return fail(at, "column: an article belongs to one column at most, not %d", len(ss))
				}
				if len(ss) == 1 {
					in.ColumnSlug, p.lines["column"] = ss[0], at
				}

			case "access":
				s, err := text(v)
				if err != nil {
					return fail(at, "access: %v", err)
				}
				a := masthead.Access(strings.ToLower(strings.TrimSpace(s)))
				if !a.Valid() {
					return fail(at, "unknown access level %q: use free, metered or subscribers", s)
				}
				in.Access, p.lines["access"] = a, at

			case "kind":
				s, err := text(v)
				if err != nil {
					return fail(at, "kind: %v", err)
				}
				k := masthead.Kind(strings.Join(strings.Fields(strings.ToLower(s)), "-"))
				if k == "daily-analysis" {
					k = masthead.KindDaily
				}
				if !k.Valid() {
					return fail(at, "unknown kind %q: use daily, in-depth or briefing", s)
				}
				in.Kind, p.lines["kind"] = k, at

			case "status":
				s, err := text(v)
				if err != nil {
					return fail(at, "status: %v", err)
				}
				st := masthead.Status(strings.ToLower(strings.TrimSpace(s)))
				if !st.Valid() {
					return fail(at, "unknown status %q: use draft, scheduled or published", s)
				}
				status, statusLine = string(st), at

			case "draft":
				b, err := boolean(v)
				if err != nil {
					return fail(at, "draft: %v", err)
				}
				draft, draftLine = b, at

			case "image", "featured_image", "images", "cover":
				if err := image(v, &in.Image); err != nil {
					return fail(at, "%s: %v", key, err)
				}
				if in.Image.URL != "" {
					p.lines["image_url"], p.lines["image_alt"] = at, at
				}

			case "image_alt", "image_caption":
				s, err := text(v)
				if err != nil {
					return fail(at, "%s: %v", key, err)
				}
				if key == "image_alt" {
					in.Image.Alt, p.lines["image_alt"] = s, at
				} else {
					in.Image.Caption = s
				}
			}
		}
	}
	in.Dek = dek

	// Where the file itself says something.
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	dir := path.Base(path.Dir(strings.ReplaceAll(name, `\`, "/")))
	stem := strings.TrimSuffix(base, path.Ext(base))
	if stem == "index" || stem == "_index" {
		stem = dir // a Hugo page bundle: content/posts/my-post/index.md
	}
	if m := jekyllDate.FindStringSubmatch(stem); m != nil {
		stem = m[2]
		if !p.date {
			if t, err := time.ParseInLocation("2006-01-02", m[1], loc); err == nil {
				in.PublishedAt, p.date = t, true
			}
		}
	}
	if in.Slug == "" {
		in.Slug = masthead.Slugify(stem)
		p.lines["slug"] = 1
		if in.Slug == "" {
			return fail(1, "cannot make a slug from the file name %q; add a slug: line", base)
		}
	}

	switch {
	case draft:
		in.Status, p.lines["status"] = masthead.StatusDraft, draftLine
	case status != "":
		in.Status, p.lines["status"] = masthead.Status(status), statusLine
	case slices.Contains(strings.Split(strings.ReplaceAll(name, `\`, "/"), "/"), "_drafts"):
		in.Status = masthead.StatusDraft // Jekyll keeps drafts in _drafts/
	default:
		in.Status = masthead.StatusPublished
	}
	if _, ok := p.lines["published_at"]; !ok {
		p.lines["published_at"] = p.lines["status"]
	}

	if in.Image.URL != "" {
		u := strings.TrimSpace(in.Image.URL)
		// Hugo and Jekyll write site paths without the leading slash.
		if !strings.Contains(u, "://") && !strings.HasPrefix(u, "/") {
			u = "/" + u
		}
		in.Image.URL = u
		if strings.TrimSpace(in.Image.Alt) == "" {
			// Imported sites rarely describe their images; the caption
			// is the next best description, then the headline the image
			// illustrates.
			in.Image.Alt = in.Image.Caption
			if strings.TrimSpace(in.Image.Alt) == "" {
				in.Image.Alt = in.Title
			}
		}
	}

	in.AuthorSlugs, in.TopicSlugs, in.RegionSlugs = authors, topics, regions
	p.lines["authors"], p.lines["topics"], p.lines["regions"] = authorLine, topicLine, regionLine
	if len(names) > 0 {
		in.Names = names
	}

	in.Normalize(time.Time{})
	if err := in.Validate(); err != nil {
		return nil, p.fileError(name, err)
	}
	return p, nil
}

// fileError turns a validation or store error about this file's article
// into a FileError at the line of the field at fault. With several faults
// it names the earliest line and lists the rest.
func (p *parsed) fileError(name string, err error) *FileError {
	fields := masthead.ErrorFields(err)
	if len(fields) == 0 {
		return &FileError{Path: name, Message: masthead.ErrorMessage(err), Err: err}
	}
	type fault struct {
		line int
		msg  string
	}
	var faults []fault
	for f, msg := range fields {
		l := p.lines[f]
		if l == 0 {
			l = 1
		}
		faults = append(faults, fault{l, msg})
	}
	slices.SortFunc(faults, func(a, b fault) int {
		if a.line != b.line {
			return a.line - b.line
		}
		return strings.Compare(a.msg, b.msg)
	})
	msg := faults[0].msg
	for _, f := range faults[1:] {
		msg += fmt.Sprintf("; line %d: %s", f.line, f.msg)
	}
	return &FileError{Path: name, Line: faults[0].line, Message: msg, Err: err}
}

// split cuts the front matter from the body. The front matter begins on
// the first line with --- and ends at the next line of --- (or ..., which
// YAML and Jekyll also accept).
func split(name string, src []byte) (fm []byte, body string, bodyLine int, err error) {
	first, rest, _ := bytes.Cut(src, []byte("\n"))
	opening := string(bytes.TrimRight(first, " \t\r"))
	switch opening {
	case "---":
	case "+++":
		return nil, "", 0, &FileError{Path: name, Line: 1, Message: "TOML front matter (+++) is not supported; convert it to YAML between --- lines"}
	default:
		return nil, "", 0, &FileError{Path: name, Line: 1, Message: "no front matter: an article begins with a line of three dashes (---)", Err: ErrNoFrontMatter}
	}
	off, line := 0, 2
	for len(rest[off:]) > 0 {
		l, _, found := bytes.Cut(rest[off:], []byte("\n"))
		t := string(bytes.TrimRight(l, " \t\r"))
		if t == "---" || t == "..." {
			fm = rest[:off]
			next := off + len(l)
			if found {
				next++
			}
			return fm, strings.TrimLeft(string(rest[next:]), "\r\n"), line + 1, nil
		}
		off += len(l)
		if found {
			off++
		}
		line++
	}
	return nil, "", 0, &FileError{Path: name, Line: 1, Message: "the front matter that opens here is never closed by a --- line"}
}

// lineAt is the 1-based line of byte offset i.
func lineAt(src []byte, i int) int { return bytes.Count(src[:min(i, len(src))], []byte("\n")) + 1 }

// deref follows YAML aliases (&anchor / *anchor) to their value.
func deref(n *yaml.Node) *yaml.Node {
	for range 8 {
		if n == nil || n.Kind != yaml.AliasNode || n.Alias == nil {
			break
		}
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "mapping"
	case yaml.ScalarNode:
		return "single value"
	}
	return "value"
}

// text reads a scalar; null is empty.
func text(n *yaml.Node) (string, error) {
	if n == nil || n.Kind != yaml.ScalarNode {
		if n != nil {
			return "", fmt.Errorf("want text, not a %s", kindName(n))
		}
		return "", nil
	}
	if n.Tag == "!!null" {
		return "", nil
	}
	return n.Value, nil
}

func boolean(n *yaml.Node) (bool, error) {
	s, err := text(n)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on":
		return true, nil
	case "false", "no", "off", "":
		return false, nil
	}
	return false, fmt.Errorf("want true or false, not %q", s)
}

// date reads a date or time in one of the layouts Hugo and Jekyll sites
// use; one without a zone is in loc. Null is the zero time.
func date(n *yaml.Node, loc *time.Location) (time.Time, error) {
	s, err := text(n)
	if err != nil {
		return time.Time{}, err
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, l := range zonedLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date: write 2006-01-02, 2006-01-02 15:04:05 or 2006-01-02T15:04:05Z07:00", s)
}

// labels reads taxonomy: one name, a comma-separated line of names, or a
// list of names (or of {name, slug} mappings, as some themes write
// authors). With words set, a line without commas is split at spaces, as
// Jekyll reads "categories: economy housing". A name that is already a
// slug is used as is; any other name is slugified and remembered in names
// so the store can show it.
func labels(n *yaml.Node, names map[string]string, words bool) ([]string, error) {
	var raw []*yaml.Node
	switch {
	case n == nil:
		return nil, nil
	case n.Kind == yaml.SequenceNode:
		raw = n.Content
	case n.Kind == yaml.ScalarNode || n.Kind == yaml.MappingNode:
		raw = []*yaml.Node{n}
	default:
		return nil, fmt.Errorf("want a name or a list of names")
	}
	var out []string
	for _, e := range raw {
		e = deref(e)
		var name, slug string
		switch e.Kind {
		case yaml.ScalarNode:
			if e.Tag == "!!null" {
				continue
			}
			name = e.Value
		case yaml.MappingNode:
			for i := 0; i+1 < len(e.Content); i += 2 {
				v := deref(e.Content[i+1])
				if v.Kind != yaml.ScalarNode {
					continue
				}
				switch strings.ToLower(e.Content[i].Value) {
				case "name", "title":
					name = v.Value
				case "slug", "id":
					slug = v.Value
				}
			}
			if name == "" {
				name = slug
			}
		default:
			return nil, fmt.Errorf("want a name, not a %s", kindName(e))
		}
		parts := []string{name}
		if n.Kind == yaml.ScalarNode {
			if strings.Contains(name, ",") || !words {
				parts = strings.Split(name, ",")
			} else {
				parts = strings.Fields(name)
			}
		}
		for _, part := range parts {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			s := slug
			if s == "" || !masthead.ValidSlug(s) {
				s = part
			}
			if !masthead.ValidSlug(s) {
				s = masthead.Slugify(s)
				if s == "" {
					return nil, fmt.Errorf("%q has no letters or digits to make a slug of", part)
				}
			}
			if part != s {
				names[s] = part
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// image reads a featured image: a URL, a list of URLs (the first is
// used), or a mapping with path/url/src/image, alt and caption.
func image(n *yaml.Node, img *masthead.Image) error {
	switch {
	case n == nil:
	case n.Kind == yaml.ScalarNode:
		s, _ := text(n)
		if strings.TrimSpace(s) != "" {
			img.URL = strings.TrimSpace(s)
		}
	case n.Kind == yaml.SequenceNode:
		if len(n.Content) > 0 {
			return image(deref(n.Content[0]), img)
		}
	case n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			v := deref(n.Content[i+1])
			s, err := text(v)
			if err != nil {
				return fmt.Errorf("%s: %w", n.Content[i].Value, err)
			}
			switch strings.ToLower(n.Content[i].Value) {
			case "path", "url", "src", "image", "feature":
				img.URL = strings.TrimSpace(s)
			case "alt":
				img.Alt = s
			case "caption":
				img.Caption = s
			}
		}
	default:
		return errors.New("want an image URL")
	}
	return nil
}

// suggestSlug proposes a valid slug for an invalid one in a message.
func suggestSlug(s string) string {
	if t := masthead.Slugify(s); t != "" {
		return t
	}
	return "the-weekly-view"
}
