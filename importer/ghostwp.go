package importer

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"masthead"
)

// BundleWriter stores a whole imported publication in one transaction.
// *store.DB implements it.
type BundleWriter interface {
	ImportBundle(ctx context.Context, b *masthead.ImportBundle) (masthead.ImportSummary, error)
}

// Export formats ReadExport understands.
const (
	FormatGhost     = "ghost"
	FormatWordPress = "wordpress"
)

// ExportOptions tunes ReadExport and ImportExport. The zero value is
// usable.
type ExportOptions struct {
	// Format is FormatGhost, FormatWordPress or "" to tell by content.
	Format string
	// Location is the zone of dates written without one (WordPress's
	// local post_date when the GMT one is missing); nil means UTC.
	Location *time.Location
	// Clock tells now, to mark articles dated in the future as
	// scheduled; nil means the system clock.
	Clock masthead.Clock
	// Map sends the old site's tags and categories, by slug, somewhere
	// else: "world" (that topic), "column:opinion" (the article's
	// column), "region:europe" (a region) or "-" (dropped). Unmapped
	// ones become topics of the same slug; WordPress's "uncategorized"
	// is dropped unless mapped.
	Map map[string]string
	// PublicAccess is the access level of posts the old site showed to
	// everyone; empty means free. A publication that starts metering its
	// archive sets metered.
	PublicAccess masthead.Access
	// OldURL is the old site's address, used to make its relative image
	// addresses absolute (Ghost writes __GHOST_URL__/content/images/…).
	// Empty means the address the export names, if any.
	OldURL string
}

// ExportReport says what an import of an export file did.
type ExportReport struct {
	Source  string // "Ghost" or "WordPress"
	Summary masthead.ImportSummary
	// Posts and Pages count what was read; Skipped counts entries that
	// are not content (attachments, menu items, trashed posts).
	Posts, Pages, Skipped int
	// Warnings counts what the conversion left out or changed.
	Warnings Warnings
}

// ExportError is a problem at one place of an export file: a line and
// column for XML and JSON syntax, and for JSON also the path of the value
// ("db[0].data.posts[3].published_at"), for WordPress the item.
type ExportError struct {
	Path         string
	Line, Column int
	Where        string
	Message      string
}

// Error formats the error as "file:line:col: where: message".
func (e *ExportError) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteString(":" + strconv.Itoa(e.Column))
		}
	}
	b.WriteString(": ")
	if e.Where != "" {
		b.WriteString(e.Where + ": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// ExportErrors is every problem found in an export. When ReadExport
// returns it, nothing was imported.
type ExportErrors []*ExportError

// Error lists the problems, one a line.
func (es ExportErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// maxExportBytes bounds what is read of an export file. Exports of large
// publications run to a few hundred megabytes; past this, something is
// wrong with the file.
const maxExportBytes = 2 << 30

// DetectFormat tells a Ghost JSON export from a WordPress WXR file by
// their opening bytes; "" means neither.
func DetectFormat(src []byte) string {
	head := bytes.TrimLeft(bytes.TrimPrefix(src[:min(len(src), 4096)], []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case bytes.HasPrefix(head, []byte("{")):
		return FormatGhost
	case bytes.HasPrefix(head, []byte("<")) &&
		(bytes.Contains(src[:min(len(src), 64<<10)], []byte("wordpress.org/export")) || bytes.Contains(head, []byte("<rss"))):
		return FormatWordPress
	}
	return ""
}

// ReadExport parses an export file into a bundle without touching the
// database. name is used in messages. It never panics, whatever src
// holds; a problem in the file is ExportErrors.
func ReadExport(name string, src []byte, opt ExportOptions) (*masthead.ImportBundle, ExportReport, error) {
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	if opt.Clock == nil {
		opt.Clock = masthead.SystemClock{}
	}
	format := opt.Format
	if format == "" {
		format = DetectFormat(src)
	}
	var (
		b   *masthead.ImportBundle
		rep ExportReport
		err error
	)
	switch format {
	case FormatGhost:
		b, rep, err = readGhost(name, src, opt)
	case FormatWordPress:
		b, rep, err = readWXR(name, src, opt)
	case "":
		return nil, ExportReport{}, ExportErrors{{Path: name, Line: 1, Message: "neither a Ghost JSON export nor a WordPress WXR file; name the format with --format ghost or --format wordpress"}}
	default:
		return nil, ExportReport{}, fmt.Errorf("importer: unknown format %q: want ghost or wordpress", format)
	}
	if err != nil {
		return nil, rep, err
	}
	cleanBundle(b)
	return b, rep, nil
}

// clean makes text storable on both engines: PostgreSQL refuses NUL and
// invalid UTF-8 in text, and JSON's \u0000 can carry a NUL through.
func clean(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// cleanBundle cleans every text of b in place.
func cleanBundle(b *masthead.ImportBundle) {
	for i := range b.Authors {
		a := &b.Authors[i]
		a.Name, a.Bio = clean(a.Name), clean(a.Bio)
	}
	for i := range b.Articles {
		in := &b.Articles[i]
		for _, p := range []*string{&in.Title, &in.Dek, &in.BodyMarkdown, &in.Image.URL, &in.Image.Alt, &in.Image.Caption} {
			*p = clean(*p)
		}
		for k, v := range in.Names {
			in.Names[k] = clean(v)
		}
	}
	for i := range b.Staff {
		b.Staff[i].Name = clean(b.Staff[i].Name)
	}
	for i := range b.Members {
		m := &b.Members[i]
		m.Name = clean(m.Name)
		for j := range m.Consents {
			m.Consents[j].Wording = clean(m.Consents[j].Wording)
		}
	}
}

// ImportExport reads the export file at path and writes all of it in one
// transaction: everything or, on any problem, nothing.
func ImportExport(ctx context.Context, w BundleWriter, path string, opt ExportOptions) (ExportReport, error) {
	f, err := os.Open(path)
	if err != nil {
		return ExportReport{}, fmt.Errorf("importer: %w", err)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, maxExportBytes+1))
	if err != nil {
		return ExportReport{}, fmt.Errorf("importer: read %s: %w", path, err)
	}
	if len(src) > maxExportBytes {
		return ExportReport{}, ExportErrors{{Path: path, Message: fmt.Sprintf("the file is larger than %d MB", maxExportBytes>>20)}}
	}
	b, rep, err := ReadExport(path, src, opt)
	if err != nil {
		return rep, err
	}
	sum, err := w.ImportBundle(ctx, b)
	if err != nil {
		return rep, fmt.Errorf("importer: %s: nothing was imported: %w", path, err)
	}
	rep.Summary = sum
	return rep, nil
}

// mapping applies ExportOptions.Map to one tag or category.
type mapping struct {
	m map[string]string
}

// target says where the term with slug goes: kind is "topic", "column",
// "region" or "" (dropped), and to is the slug there.
func (m mapping) target(slug string, dropByDefault bool) (kind, to string) {
	v, ok := m.m[slug]
	if !ok {
		if dropByDefault {
			return "", ""
		}
		return "topic", slug
	}
	v = strings.TrimSpace(v)
	switch {
	case v == "-" || v == "":
		return "", ""
	case strings.HasPrefix(v, "column:"):
		return "column", strings.TrimPrefix(v, "column:")
	case strings.HasPrefix(v, "region:"):
		return "region", strings.TrimPrefix(v, "region:")
	case strings.HasPrefix(v, "topic:"):
		return "topic", strings.TrimPrefix(v, "topic:")
	}
	return "topic", v
}

// ParseMap reads mapping rules, "from=to" each, as --map takes them and
// as a mapping file holds them one a line (blank lines and # comments
// skipped), into ExportOptions.Map.
func ParseMap(rules []string, into map[string]string) error {
	for _, r := range rules {
		r = strings.TrimSpace(r)
		if r == "" || strings.HasPrefix(r, "#") {
			continue
		}
		from, to, ok := strings.Cut(r, "=")
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		if !ok || from == "" {
			return fmt.Errorf("mapping %q: want old-slug=new-slug, old=column:slug, old=region:slug or old=-", r)
		}
		slug := to
		if i := strings.IndexByte(to, ':'); i >= 0 {
			kind := to[:i]
			if kind != "column" && kind != "region" && kind != "topic" {
				return fmt.Errorf("mapping %q: %q is not topic, column or region", r, kind)
			}
			slug = to[i+1:]
		}
		if to != "-" && !masthead.ValidSlug(slug) {
			return fmt.Errorf("mapping %q: %q is not a valid slug (lowercase letters, digits, single hyphens)", r, slug)
		}
		into[from] = to
	}
	return nil
}

// articleBuilder gathers one article's taxonomy from mapped terms.
type articleBuilder struct {
	in    *masthead.ArticleInput
	names map[string]string
}

func (ab articleBuilder) addTerm(m mapping, slug, name string, dropByDefault bool) {
	kind, to := m.target(slug, dropByDefault)
	if to == "" {
		return
	}
	if !masthead.ValidSlug(to) {
		to = masthead.Slugify(to)
		if to == "" {
			return
		}
	}
	if to == slug && name != "" {
		ab.names[to] = name
	}
	switch kind {
	case "topic":
		ab.in.TopicSlugs = append(ab.in.TopicSlugs, to)
	case "region":
		ab.in.RegionSlugs = append(ab.in.RegionSlugs, to)
	case "column":
		if ab.in.ColumnSlug == "" {
			ab.in.ColumnSlug = to
		}
	}
}

// termPath is the new site path of a mapped term, for redirects from the
// old term pages; "" when the term was dropped.
func termPath(m mapping, slug string, dropByDefault bool) string {
	kind, to := m.target(slug, dropByDefault)
	if to == "" || !masthead.ValidSlug(to) {
		return ""
	}
	switch kind {
	case "column":
		return "/columns/" + to
	case "region":
		return "/regions/" + to
	}
	return "/topics/" + to
}

// slugFor makes a valid, unused slug from candidates in order, falling
// back to fallback; used marks it taken.
func slugFor(used map[string]bool, fallback string, candidates ...string) string {
	base := ""
	for _, c := range candidates {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if !masthead.ValidSlug(c) {
			c = masthead.Slugify(decodePercent(c))
		}
		if c != "" {
			base = c
			break
		}
	}
	if base == "" {
		base = fallback
	}
	s := base
	for i := 2; used[s]; i++ {
		s = base + "-" + strconv.Itoa(i)
	}
	used[s] = true
	return s
}

// decodePercent undoes the percent-encoding WordPress uses for slugs in
// other scripts, so Slugify sees the letters.
func decodePercent(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b = append(b, byte(v))
				i += 2
				continue
			}
		}
		b = append(b, s[i])
	}
	return string(b)
}

// plainText is the text of an HTML fragment, for deks and captions.
func plainText(h string) string {
	if !strings.ContainsAny(h, "<&") {
		return strings.Join(strings.Fields(h), " ")
	}
	c := &HTMLConverter{}
	md, _ := c.Convert(h)
	// The converter escapes Markdown; a dek is plain text.
	md = strings.NewReplacer(`\`, "", "**", "", "*", "").Replace(md)
	return strings.Join(strings.Fields(md), " ")
}

// titleText is a headline without the markup some themes allow in titles
// ("Title <em>With</em> Markup"), entities decoded.
func titleText(s string) string {
	if !strings.Contains(s, "<") {
		return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
	}
	nodes, err := nethtml.ParseFragment(strings.NewReader(s), &nethtml.Node{Type: nethtml.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	for _, n := range nodes {
		if n.Type == nethtml.TextNode {
			b.WriteString(n.Data)
		} else {
			b.WriteString(textOf(n))
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// titleFrom makes a headline for a post that has none: its first words.
func titleFrom(body string) string {
	words := strings.Fields(plainText(body))
	if len(words) == 0 {
		return ""
	}
	if len(words) > 10 {
		return strings.Join(words[:10], " ") + "…"
	}
	return strings.Join(words, " ")
}

// truncateRunes cuts s to at most n characters at a word boundary.
func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n-1])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

// finishArticle fills defaults, marks a future published article
// scheduled, checks it and records a problem at where.
func finishArticle(in *masthead.ArticleInput, now time.Time, add func(where, msg string), where string) {
	for _, p := range []*string{&in.Title, &in.Dek, &in.BodyMarkdown, &in.Image.URL, &in.Image.Alt, &in.Image.Caption} {
		*p = clean(*p)
	}
	if strings.TrimSpace(in.Title) == "" {
		in.Title = "Untitled"
	}
	if in.Status == masthead.StatusPublished && in.PublishedAt.After(now) {
		in.Status = masthead.StatusScheduled
	}
	in.Dek = truncateRunes(in.Dek, 1000)
	in.Title = truncateRunes(in.Title, 300)
	if in.Image.URL != "" && strings.TrimSpace(in.Image.Alt) == "" {
		in.Image.Alt = in.Image.Caption
		if strings.TrimSpace(in.Image.Alt) == "" {
			in.Image.Alt = in.Title
		}
	}
	in.Normalize(now)
	if err := in.Validate(); err != nil {
		add(where, describeInvalid(err))
	}
}

func describeInvalid(err error) string {
	fields := masthead.ErrorFields(err)
	if len(fields) == 0 {
		return masthead.ErrorMessage(err)
	}
	var msgs []string
	for k, v := range fields {
		msgs = append(msgs, k+": "+v)
	}
	slices.Sort(msgs)
	return strings.Join(msgs, "; ")
}
