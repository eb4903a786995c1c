package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"masthead"
	"masthead/search"
	"masthead/store"
)

// benchQuery is one query of the set and the kind it stands for.
type benchQuery struct {
	kind string
	q    masthead.SearchQuery
}

// queryMix is the share of each kind of query, in the order they are
// reported: mostly one to three words, as readers type them, then
// phrases, operators, filters, date order and a deep page.
var queryMix = []struct {
	kind  string
	share int // per 200
}{
	{"1 word", 50}, {"2 words", 30}, {"3 words", 20}, {"phrase", 30}, {"OR", 10}, {"exclusion", 10},
	{"prefix", 10}, {"filtered", 25}, {"newest first", 8}, {"deep page", 7},
}

// makeQueries builds n varied queries from the words of the library's own
// titles and deks, so they find something, the same set for a seed.
func makeQueries(ctx context.Context, st *store.DB, n int, seed int64) ([]benchQuery, error) {
	list, _, err := st.Articles(ctx, masthead.ArticleFilter{Live: true, Now: time.Now(), Limit: 3000, Bare: true})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("no articles to take words from")
	}
	topics, err := st.Topics(ctx)
	if err != nil {
		return nil, err
	}
	regions, err := st.Regions(ctx)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5ea7c4))
	content := func(s string) []string {
		var out []string
		for _, w := range search.Words(s) {
			if len(w) >= 4 && !search.IsStopWord(w) {
				out = append(out, w)
			}
		}
		return out
	}
	title := func() []string {
		for {
			a := list[rng.IntN(len(list))]
			src := a.Title
			if rng.IntN(3) == 0 {
				src = a.Dek
			}
			if ws := content(src); len(ws) >= 3 {
				return ws
			}
		}
	}
	word := func() string { ws := title(); return ws[rng.IntN(len(ws))] }
	pick := func(k int) string {
		ws := title()
		start := rng.IntN(len(ws) - min(k, len(ws)) + 1)
		return strings.Join(ws[start:start+min(k, len(ws))], " ")
	}
	phrase := func() string {
		for {
			a := list[rng.IntN(len(list))]
			ws := search.Words(a.Title)
			if len(ws) < 3 {
				continue
			}
			k := 2 + rng.IntN(2)
			start := rng.IntN(len(ws) - k + 1)
			p := ws[start : start+k]
			if search.IsStopWord(p[0]) || search.IsStopWord(p[len(p)-1]) {
				continue
			}
			return `"` + strings.Join(p, " ") + `"`
		}
	}
	var out []benchQuery
	for _, m := range queryMix {
		count := max(m.share*n/200, 1)
		for range count {
			q := masthead.SearchQuery{}
			switch m.kind {
			case "1 word":
				q.Text = word()
			case "2 words":
				q.Text = pick(2)
			case "3 words":
				q.Text = pick(3)
			case "phrase":
				q.Text = phrase()
			case "OR":
				q.Text = word() + " OR " + word()
			case "exclusion":
				q.Text = word() + " -" + word()
			case "prefix":
				w := word()
				q.Text = w[:min(len(w), 4+rng.IntN(3))] + "*"
			case "filtered":
				q.Text = pick(1 + rng.IntN(2))
				switch rng.IntN(4) {
				case 0:
					q.Topic = topics[rng.IntN(len(topics))].Slug
				case 1:
					q.Region = regions[rng.IntN(len(regions))].Slug
				case 2:
					q.Kind = string(masthead.Kinds[rng.IntN(len(masthead.Kinds))])
				default:
					q.Year = list[rng.IntN(len(list))].PublishedAt.Year()
				}
			case "newest first":
				q.Text, q.Sort = word(), masthead.SortNewest
			case "deep page":
				q.Text, q.Page = word(), 20+rng.IntN(30)
			}
			out = append(out, benchQuery{kind: m.kind, q: q})
		}
	}
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
}

// titleQueries are n queries of one to three consecutive words of the
// library's titles (stop words and words under four letters left out),
// as readers most often type them: the set the search issue measured
// from outside, one query at a time.
func titleQueries(ctx context.Context, st *store.DB, n int, seed int64) ([]benchQuery, error) {
	list, _, err := st.Articles(ctx, masthead.ArticleFilter{Live: true, Now: time.Now(), Limit: 3000, Bare: true})
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x717e5))
	var out []benchQuery
	for tries := 0; len(out) < n && tries < 100*n; tries++ {
		var ws []string
		for _, w := range search.Words(list[rng.IntN(len(list))].Title) {
			if len(w) >= 4 && !search.IsStopWord(w) {
				ws = append(ws, w)
			}
		}
		if len(ws) == 0 {
			continue
		}
		k := min(1+rng.IntN(3), len(ws))
		start := rng.IntN(len(ws) - k + 1)
		out = append(out, benchQuery{kind: fmt.Sprintf("%d word", k), q: masthead.SearchQuery{Text: strings.Join(ws[start:start+k], " ")}})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no titles to take words from")
	}
	return out, nil
}

// suggestPrefixes are what a reader has typed on the way to the queries:
// two to six letters of a word, and a word and the start of the next.
func suggestPrefixes(qs []benchQuery) []string {
	var out []string
	for i, q := range qs {
		ws := search.Words(q.q.Text)
		if len(ws) == 0 {
			continue
		}
		w := ws[0]
		n := min(len(w), 2+i%5)
		p := w[:n]
		if len(ws) > 1 && i%3 == 0 {
			p = w + " " + ws[1][:min(len(ws[1]), 3)]
		}
		out = append(out, p)
		if len(out) == 100 {
			break
		}
	}
	return out
}
