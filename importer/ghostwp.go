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
	"masthead/store"
)

// BundleWriter stores a whole imported publication in one transaction.
// *store.DB implements it.
type BundleWriter interface {
	ImportBundle(ctx context.Context, b *masthead.ImportBundle) (masthead.ImportSummary, error)
	// Slugs are the slugs in use, which the import steers clear of.
	Slugs(ctx context.Context) (store.Slugs, error)
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
	// column), "region:europe" (a region) or "-" (dropped). A rule may
	// also set the kind ("kind:in-depth") or the access level
	// ("access:subscribers") of the articles that carry the term, alone
	// (the term is then not kept as a label) or beside a label, comma
	// separated: "analysis=kind:in-depth,topic:analysis". Unmapped ones
	// become topics of the same slug; WordPress's "uncategorized" is
	// dropped unless mapped.
	Map map[string]string
	// PublicAccess is the access level of posts the old site showed to
	// everyone; empty means free. A publication that starts metering its
	// archive sets metered.
	PublicAccess masthead.Access
	// OldURL is the old site's address, used to make its relative image
	// addresses absolute (Ghost writes __GHOST_URL__/content/images/…).
	// Empty means the address the export names, if any.
	OldURL string
	// Taken are the slugs the site holds. A post or an author whose slug
	// is taken gets a new one ("-2" added), named in the report's
	// Collisions, unless Update lets it replace what has that slug.
	// ImportExport reads them from the database.
	Taken store.Slugs
	// Update replaces articles and bylines of the same slug instead.
	Update bool
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
	// Collisions are the slugs that were taken and the ones given
	// instead, in the order of the file.
	Collisions []Collision
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
	if opt.Taken, err = w.Slugs(ctx); err != nil {
		return ExportReport{}, fmt.Errorf("importer: %w", err)
	}
	b, rep, err := ReadExport(path, src, opt)
	if err != nil {
		return rep, err
	}
	b.Update = opt.Update
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

// target says where the term with slug goes as a label: kind is
// "topic", "column", "region" or "" (dropped, or mapped to a kind or an
// access level only), and to is the slug there.
func (m mapping) target(slug string, dropByDefault bool) (kind, to string) {
	for _, t := range m.targets(slug, dropByDefault) {
		if t.kind == "topic" || t.kind == "column" || t.kind == "region" {
			return t.kind, t.to
		}
	}
	return "", ""
}

// mapTarget is one destination of a mapping rule.
type mapTarget struct {
	kind string // topic, column, region, kind or access
	to   string
}

// targets lists every destination of the term with slug: the label it
// becomes and any kind or access level it sets.
func (m mapping) targets(slug string, dropByDefault bool) []mapTarget {
	v, ok := m.m[slug]
	if !ok {
		if dropByDefault {
			return nil
		}
		return []mapTarget{{"topic", slug}}
	}
	var out []mapTarget
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "-" || part == "" {
			continue
		}
		kind, to, ok := strings.Cut(part, ":")
		if !ok {
			kind, to = "topic", part
		}
		out = append(out, mapTarget{kind, to})
	}
	return out
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
			return fmt.Errorf("mapping %q: want old-slug=new-slug, old=column:slug, old=region:slug, old=kind:in-depth, old=access:free or old=-", r)
		}
		for _, part := range strings.Split(to, ",") {
			if err := checkMapTarget(strings.TrimSpace(part)); err != nil {
				return fmt.Errorf("mapping %q: %w", r, err)
			}
		}
		into[from] = to
	}
	return nil
}

// checkMapTarget checks one destination of a rule.
func checkMapTarget(t string) error {
	if t == "-" {
		return nil
	}
	kind, slug, ok := strings.Cut(t, ":")
	if !ok {
		kind, slug = "topic", t
	}
	switch kind {
	case "column", "region", "topic":
		if !masthead.ValidSlug(slug) {
			return fmt.Errorf("%q is not a valid slug (lowercase letters, digits, single hyphens)", slug)
		}
	case "kind":
		if !masthead.Kind(slug).Valid() {
			return fmt.Errorf("%q is not a kind: daily, in-depth or briefing", slug)
		}
	case "access":
		if !masthead.Access(slug).Valid() {
			return fmt.Errorf("%q is not an access level: free, metered or subscribers", slug)
		}
	default:
		return fmt.Errorf("%q is not topic, column, region, kind or access", kind)
	}
	return nil
}

// articleBuilder gathers one article's taxonomy, kind and access from
// mapped terms.
type articleBuilder struct {
	in     *masthead.ArticleInput
	names  map[string]string
	mapped *mappedBits
}

// mappedBits records what mapped terms have set on one article.
type mappedBits struct {
	kind bool
}

func (ab articleBuilder) addTerm(m mapping, slug, name string, dropByDefault bool) {
	for _, t := range m.targets(slug, dropByDefault) {
		ab.add(t, slug, name)
	}
}

func (ab articleBuilder) add(t mapTarget, slug, name string) {
	kind, to := t.kind, t.to
	switch kind {
	case "kind":
		// The first term that sets a kind decides it.
		if k := masthead.Kind(to); k.Valid() && !ab.mapped.kind {
			ab.in.Kind, ab.mapped.kind = k, true
		}
		return
	case "access":
		// A mapped access level never loosens what the old site's
		// visibility gave: a paid or password-protected post stays for
		// subscribers whatever its tags say.
		if a := masthead.Access(to); a.Valid() && accessRank(a) > accessRank(ab.in.Access) {
			ab.in.Access = a
		}
		return
	}
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

// accessRank orders access levels from the most open.
func accessRank(a masthead.Access) int {
	switch a {
	case masthead.AccessFree:
		return 0
	case masthead.AccessMetered:
		return 1
	case masthead.AccessSubscribers:
		return 2
	}
	return -1
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

// Collision is a slug an import could not use, because the site or an
// earlier entry of the import had it, and the slug used instead.
type Collision struct {
	// Kind is "article" or "byline".
	Kind string
	// Slug is the one wanted, To the one given.
	Slug, To string
	// OnSite says the site had it; otherwise an earlier entry of the
	// same import did.
	OnSite bool
	// Where names the entry: a file of a Markdown folder, or a title.
	Where string
}

// String says it as the import's summary does.
func (c Collision) String() string {
	whose := "an earlier entry of this import"
	if c.OnSite {
		whose = "the site"
	}
	what := "imported as"
	if c.Kind == "byline" {
		what = "kept separate as"
	}
	s := fmt.Sprintf("%s %q is taken by %s: %s %q", c.Kind, c.Slug, whose, what, c.To)
	if c.Where != "" {
		s = c.Where + ": " + s
	}
	return s
}

// slugPool gives out slugs unique within an import and free on the site.
type slugPool struct {
	kind  string
	used  map[string]bool   // given out by this import
	taken []map[string]bool // held by the site
	rep   *[]Collision
}

func newSlugPool(kind string, rep *[]Collision, taken ...map[string]bool) *slugPool {
	return &slugPool{kind: kind, used: map[string]bool{}, taken: taken, rep: rep}
}

func (p *slugPool) onSite(s string) bool {
	for _, t := range p.taken {
		if t[s] {
			return true
		}
	}
	return false
}

// slugFor makes a valid, unused slug from candidates in order, falling
// back to fallback, and marks it taken; a clash adds "-2", "-3" … and is
// recorded as a Collision of the entry named where.
func (p *slugPool) slugFor(where, fallback string, candidates ...string) string {
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
	for i := 2; p.used[s] || p.onSite(s); i++ {
		s = base + "-" + strconv.Itoa(i)
	}
	p.used[s] = true
	if s != base {
		*p.rep = append(*p.rep, Collision{Kind: p.kind, Slug: base, To: s, OnSite: p.onSite(base), Where: where})
	}
	return s
}

// pools are the slug pools of an export's posts and authors: with Update
// a slug the site has is the one to replace, not a clash.
func (opt ExportOptions) pools(rep *ExportReport) (articles, authors *slugPool) {
	articles = articlePool(opt.Taken, opt.Update, &rep.Collisions)
	if opt.Update {
		return articles, newSlugPool("byline", &rep.Collisions)
	}
	return articles, newSlugPool("byline", &rep.Collisions, opt.Taken.Authors)
}

// articlePool gives out article slugs. Without update a slug the site
// holds is never written over; with it only an article's own slug is
// replaced, never a retired one, which still leads to its article.
func articlePool(taken store.Slugs, update bool, rep *[]Collision) *slugPool {
	if update {
		return newSlugPool("article", rep, taken.Retired)
	}
	return newSlugPool("article", rep, taken.Articles, taken.Retired)
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
