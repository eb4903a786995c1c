// Package demo makes a synthetic publication for trying Masthead out and
// for measuring it: a dozen authors, their columns, topics, regions and as
// many articles as asked, with titles, deks and bodies of news-analysis
// prose assembled from word lists and sentence templates written for this
// package. The same seed always gives the same library, so a benchmark or
// a bug report can name one.
package demo

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"masthead"
	"masthead/store"
)

// ImagePrefix is where the featured images of demo articles live. Images
// serves them; the web server mounts it there.
const ImagePrefix = "/media/demo/"

// BatchSize is how many articles Seed writes per transaction: large enough
// to amortise a commit, small enough that memory stays flat and progress
// moves.
const BatchSize = 500

// Writer is the storage Seed needs. *store.DB implements it.
type Writer interface {
	UpsertAuthor(ctx context.Context, a masthead.Author) (*masthead.Author, error)
	UpsertColumn(ctx context.Context, c masthead.Column) (*masthead.Column, error)
	UpsertTopic(ctx context.Context, t masthead.Term) (*masthead.Term, error)
	UpsertRegion(ctx context.Context, t masthead.Term) (*masthead.Term, error)
	UpsertArticles(ctx context.Context, ins []masthead.ArticleInput) ([]store.UpsertResult, error)
}

// Taxonomy is the cast of a demo library, written before its articles.
type Taxonomy struct {
	Authors []masthead.Author
	Columns []masthead.Column
	Topics  []masthead.Term
	Regions []masthead.Term
}

// Library is a whole generated publication, for tests and small tools.
type Library struct {
	Taxonomy
	Articles []masthead.ArticleInput
}

// Generator builds the library of one seed. It is immutable once made,
// so Article may be called from several goroutines.
type Generator struct {
	seed  int64
	n     int
	now   time.Time
	span  time.Duration
	v     *vocab
	tax   Taxonomy
	staff []staffer
	cols  []column
	tops  []*topicDef
	regs  []*regionDef
}

// staffer is an author and the topics they write about most.
type staffer struct {
	slug   string
	topics []int // indexes into Generator.tops
}

// column is a chosen column with its host and its preferred topics.
type column struct {
	def    *columnDef
	host   int   // index into Generator.staff
	topics []int // indexes into Generator.tops; empty means any
}

// New returns the generator of a library of n articles dated up to now.
// The articles' dates spread over several years back from now; a larger
// library covers a longer span at a higher daily rate, as a real archive
// of that size would.
func New(seed int64, n int, now time.Time) *Generator {
	g := &Generator{seed: seed, n: max(n, 1), now: now.UTC(), v: newVocab()}
	days := min(max(g.n/20, 3*365), 8*365)
	g.span = time.Duration(days) * 24 * time.Hour
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6d61737468656164)) // "masthead"

	// Topics and regions: most of each pool, in pool order so that menus
	// read sensibly.
	for _, i := range choose(rng, len(topicPool), 15) {
		t := &topicPool[i]
		g.tops = append(g.tops, t)
		g.tax.Topics = append(g.tax.Topics, masthead.Term{Slug: t.slug, Name: t.name})
	}
	for _, i := range choose(rng, len(regionPool), 10) {
		r := &regionPool[i]
		g.regs = append(g.regs, r)
		g.tax.Regions = append(g.tax.Regions, masthead.Term{Slug: r.slug, Name: r.name})
	}

	// A dozen authors with distinct names and beats.
	firsts := rng.Perm(len(firstNames))
	lasts := rng.Perm(len(lastNames))
	beatOrder := rng.Perm(len(beats))
	for i := range 12 {
		first := firstNames[firsts[i]]
		name := first + " " + lastNames[lasts[i]]
		slug := masthead.Slugify(name)
		beat := beats[beatOrder[i]]
		s := staffer{slug: slug}
		for _, t := range beat.topics {
			if j := g.topicIndex(t); j >= 0 {
				s.topics = append(s.topics, j)
			}
		}
		for len(s.topics) < 2 {
			s.topics = append(s.topics, rng.IntN(len(g.tops)))
		}
		g.staff = append(g.staff, s)
		g.tax.Authors = append(g.tax.Authors, masthead.Author{
			Slug: slug, Name: name, Bio: g.bio(rng, name, first, beat.title, s.topics),
		})
	}

	// Six to ten columns, each hosted by one author.
	hosts := rng.Perm(len(g.staff))
	for k, i := range choose(rng, len(columnPool), 6+rng.IntN(5)) {
		def := &columnPool[i]
		c := column{def: def, host: hosts[k%len(hosts)]}
		for _, slug := range def.topics {
			if j := g.topicIndex(slug); j >= 0 {
				c.topics = append(c.topics, j)
			}
		}
		g.cols = append(g.cols, c)
		g.tax.Columns = append(g.tax.Columns, masthead.Column{Slug: def.slug, Name: def.name, Description: def.description})
	}
	return g
}

// topicIndex finds a chosen topic by slug, or returns -1.
func (g *Generator) topicIndex(slug string) int {
	for j, t := range g.tops {
		if t.slug == slug {
			return j
		}
	}
	return -1
}

// choose picks k distinct indexes below n, returned in increasing order.
func choose(rng *rand.Rand, n, k int) []int {
	p := rng.Perm(n)[:k]
	out := make([]int, 0, k)
	for i := range n {
		for _, j := range p {
			if i == j {
				out = append(out, i)
			}
		}
	}
	return out
}

func (g *Generator) bio(rng *rand.Rand, name, first, beat string, topics []int) string {
	t := bioTemplates[rng.IntN(len(bioTemplates))]
	cities := regionPool[rng.IntN(len(regionPool))].cities
	city := cities[rng.IntN(len(cities))]
	city2 := city
	for city2 == city {
		cs := regionPool[rng.IntN(len(regionPool))].cities
		city2 = cs[rng.IntN(len(cs))]
	}
	second := topics[1]
	if second == topics[0] {
		second = (second + 1) % len(g.tops)
	}
	r := strings.NewReplacer(
		"{NAME}", name, "{FIRST}", first, "{BEAT}", beat,
		"{JOINED}", strconv.Itoa(g.now.Year()-2-rng.IntN(12)),
		"{WORK}", previousWork[rng.IntN(len(previousWork))],
		"{CITY}", city, "{CITY2}", city2,
		"{TOPIC}", strings.ToLower(g.tops[topics[0]].name),
		"{TOPIC2}", strings.ToLower(g.tops[second].name),
	)
	return r.Replace(t)
}

// Taxonomy returns the authors, columns, topics and regions of the
// library.
func (g *Generator) Taxonomy() Taxonomy {
	t := g.tax
	t.Authors = append([]masthead.Author(nil), t.Authors...)
	t.Columns = append([]masthead.Column(nil), t.Columns...)
	t.Topics = append([]masthead.Term(nil), t.Topics...)
	t.Regions = append([]masthead.Term(nil), t.Regions...)
	return t
}

// Article returns article i of the library, 0 being the most recent. Each
// article has a random source of its own, seeded from the library's seed
// and i, so articles can be made in any order, or in parallel, and come out
// the same. Its slug comes from its title and may repeat another's; Batches
// and Generate make slugs unique.
func (g *Generator) Article(i int) masthead.ArticleInput {
	rng := rand.New(rand.NewPCG(uint64(g.seed), uint64(i)+1))
	in := masthead.ArticleInput{Status: masthead.StatusPublished}

	// Who and what: a column piece is written by the column's host on one
	// of its topics; any other piece by an author who covers its topic
	// when there is one.
	var col *column
	var topic int
	author := -1
	if rng.IntN(100) < 22 {
		col = &g.cols[rng.IntN(len(g.cols))]
		in.ColumnSlug = col.def.slug
		in.Kind = masthead.Kind(col.def.kind)
		author = col.host
		if len(col.topics) > 0 {
			topic = col.topics[rng.IntN(len(col.topics))]
		} else {
			topic = rng.IntN(len(g.tops))
		}
	} else {
		switch r := rng.IntN(100); {
		case r < 55:
			in.Kind = masthead.KindDaily
		case r < 75:
			in.Kind = masthead.KindInDepth
		default:
			in.Kind = masthead.KindBriefing
		}
		topic = rng.IntN(len(g.tops))
		if rng.IntN(5) > 0 {
			var beat []int
			for j, s := range g.staff {
				if slices.Contains(s.topics, topic) {
					beat = append(beat, j)
				}
			}
			if len(beat) > 0 {
				author = beat[rng.IntN(len(beat))]
			}
		}
		if author < 0 {
			author = rng.IntN(len(g.staff))
		}
	}
	in.AuthorSlugs = []string{g.staff[author].slug}
	if rng.IntN(100) < 7 {
		if co := rng.IntN(len(g.staff)); co != author {
			in.AuthorSlugs = append(in.AuthorSlugs, g.staff[co].slug)
		}
	}
	region := rng.IntN(len(g.regs))
	in.TopicSlugs = []string{g.tops[topic].slug}
	if rng.IntN(100) < 30 {
		if t := rng.IntN(len(g.tops)); t != topic {
			in.TopicSlugs = append(in.TopicSlugs, g.tops[t].slug)
		}
	}
	in.RegionSlugs = []string{g.regs[region].slug}
	if rng.IntN(100) < 15 {
		if r := rng.IntN(len(g.regs)); r != region {
			in.RegionSlugs = append(in.RegionSlugs, g.regs[r].slug)
		}
	}
	in.Access = g.access(rng, in.Kind)
	in.PublishedAt = g.date(rng, i, col)

	w := &writer{rng: rng, topic: g.tops[topic], region: g.regs[region], year: in.PublishedAt.Year(),
		link: "/topics/" + g.tops[topic].slug}
	w.s = w.pick(w.topic.subjects)
	w.a = w.pick(w.topic.actors)
	titles, dekList := g.v.daily, g.v.deks
	plan := bodyPlan{quotes: 1, list: rng.IntN(2) == 0}
	switch in.Kind {
	case masthead.KindDaily:
		plan.target = 680 + rng.IntN(600)
	case masthead.KindInDepth:
		titles, dekList = g.v.inDepth, g.v.inDepthDeks
		plan.target = 1350 + rng.IntN(450)
		plan.quotes, plan.list = 2, true
	case masthead.KindBriefing:
		titles, dekList = g.v.briefing, g.v.briefingDeks
		plan.target = 640 + rng.IntN(200)
		plan.briefing, plan.quotes = true, rng.IntN(2)
	}
	plan.link = rng.IntN(100) < 40
	plan.bold = rng.IntN(100) < 30
	in.Title = w.fillString(titles[rng.IntN(len(titles))])
	in.Dek = w.fillString(dekList[rng.IntN(len(dekList))])
	in.Slug = slugOf(in.Title)
	if rng.IntN(100) < 35 {
		name := fmt.Sprintf("%s-%d", g.tops[topic].slug, 1+rng.IntN(6))
		in.Image = masthead.Image{URL: ImagePrefix + name + ".svg", Alt: imageAlt(name)}
		if rng.IntN(100) < 70 {
			in.Image.Caption = w.fillString(g.v.captions[rng.IntN(len(g.v.captions))])
		}
	}
	in.BodyMarkdown = w.body(g.v, plan)
	return in
}

// access: mostly metered; briefings are the free shop window, in-depth
// features the subscribers' reward.
func (g *Generator) access(rng *rand.Rand, k masthead.Kind) masthead.Access {
	free, subs := 10, 10
	switch k {
	case masthead.KindBriefing:
		free, subs = 35, 5
	case masthead.KindInDepth:
		free, subs = 5, 35
	}
	switch r := rng.IntN(100); {
	case r < free:
		return masthead.AccessFree
	case r < free+subs:
		return masthead.AccessSubscribers
	}
	return masthead.AccessMetered
}

// date places article i in its slot of the span, newest first; the newest
// went out minutes before now. A weekly column's piece moves back to its
// day of the week.
func (g *Generator) date(rng *rand.Rand, i int, col *column) time.Time {
	if i == 0 {
		return g.now.Add(-time.Duration(5+rng.IntN(55)) * time.Minute).Truncate(time.Minute)
	}
	slot := float64(g.span) / float64(g.n)
	t := g.now.Add(-time.Duration((float64(i) + rng.Float64()) * slot))
	if col != nil && col.def.weekday >= 0 {
		back := (int(t.Weekday()) - col.def.weekday + 7) % 7
		t = t.AddDate(0, 0, -back)
	}
	return t.Truncate(time.Minute)
}

// slugOf makes a slug of at most 60 characters that ends on a whole word.
func slugOf(title string) string {
	s := masthead.Slugify(title)
	if len(s) <= 60 {
		return s
	}
	if i := strings.LastIndexByte(s[:61], '-'); i > 0 {
		return s[:i]
	}
	return s[:60]
}

// uniquer makes slugs unique in the order articles are produced: a repeat
// gets -2, -3 and so on.
type uniquer map[string]bool

func (u uniquer) fix(in *masthead.ArticleInput) {
	base := in.Slug
	for k := 2; u[in.Slug]; k++ {
		in.Slug = base + "-" + strconv.Itoa(k)
	}
	u[in.Slug] = true
}

// Batches yields the n articles in batches of size, newest first, with
// unique slugs. The next batch is made while the caller works on the
// current one, so generating overlaps with writing.
func (g *Generator) Batches(size int) iter.Seq[[]masthead.ArticleInput] {
	return func(yield func([]masthead.ArticleInput) bool) {
		size = max(size, 1)
		build := func(from int) []masthead.ArticleInput {
			b := make([]masthead.ArticleInput, 0, min(size, g.n-from))
			for i := from; i < g.n && i < from+size; i++ {
				b = append(b, g.Article(i))
			}
			return b
		}
		u := uniquer{}
		next := make(chan []masthead.ArticleInput, 1)
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			defer close(next)
			for from := 0; from < g.n; from += size {
				select {
				case next <- build(from):
				case <-stop:
					return
				}
			}
		}()
		for b := range next {
			for i := range b {
				u.fix(&b[i])
			}
			if !yield(b) {
				return
			}
		}
	}
}

// Generate returns the whole library of n articles for seed, dated up to
// now. It holds every body in memory; for large n use Seed or Batches.
func Generate(seed int64, n int, now time.Time) Library {
	g := New(seed, n, now)
	lib := Library{Taxonomy: g.Taxonomy()}
	u := uniquer{}
	for i := range n {
		in := g.Article(i)
		u.fix(&in)
		lib.Articles = append(lib.Articles, in)
	}
	return lib
}

// Seed writes the taxonomy and then n articles of the library for seed
// into w, in batches of BatchSize, calling progress (if not nil) after
// each. Writing the same seed again replaces the same articles instead of
// adding new ones, since articles are upserted by slug.
func Seed(ctx context.Context, w Writer, n int, seed int64, now time.Time, progress func(done, total int)) error {
	g := New(seed, n, now)
	for _, a := range g.tax.Authors {
		if _, err := w.UpsertAuthor(ctx, a); err != nil {
			return fmt.Errorf("demo: author %s: %w", a.Slug, err)
		}
	}
	for _, c := range g.tax.Columns {
		if _, err := w.UpsertColumn(ctx, c); err != nil {
			return fmt.Errorf("demo: column %s: %w", c.Slug, err)
		}
	}
	for _, t := range g.tax.Topics {
		if _, err := w.UpsertTopic(ctx, t); err != nil {
			return fmt.Errorf("demo: topic %s: %w", t.Slug, err)
		}
	}
	for _, r := range g.tax.Regions {
		if _, err := w.UpsertRegion(ctx, r); err != nil {
			return fmt.Errorf("demo: region %s: %w", r.Slug, err)
		}
	}
	if n <= 0 {
		return nil
	}

	// Two batches are in flight at once: the store renders one batch's
	// Markdown on every core before it takes the single writer, so while
	// one batch holds the writer the next is being rendered beside it.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type outcome struct {
		n   int
		err error
	}
	const inFlight = 2
	results := make(chan outcome, inFlight)
	pending, done := 0, 0
	var first error
	collect := func() {
		o := <-results
		pending--
		if o.err != nil && first == nil {
			first = o.err
			cancel()
		}
		if o.err == nil {
			done += o.n
			if progress != nil {
				progress(done, n)
			}
		}
	}
	from := 0
	for batch := range g.Batches(BatchSize) {
		if pending == inFlight {
			collect()
		}
		if first != nil {
			break
		}
		pending++
		go func(batch []masthead.ArticleInput, from int) {
			results <- outcome{len(batch), writeBatch(ctx, w, batch, from)}
		}(batch, from)
		from += len(batch)
	}
	for pending > 0 {
		collect()
	}
	return first
}

// writeBatch upserts one batch; from numbers its first article for
// messages.
func writeBatch(ctx context.Context, w Writer, batch []masthead.ArticleInput, from int) error {
	res, err := w.UpsertArticles(ctx, batch)
	if err != nil {
		return fmt.Errorf("demo: write articles %d–%d: %w", from+1, from+len(batch), err)
	}
	for _, r := range res {
		// Generated content is valid by construction; an error here is a
		// bug in the generator, so stop rather than skip.
		if r.Err != nil {
			return fmt.Errorf("demo: article %q: %w", r.Slug, r.Err)
		}
	}
	return nil
}
