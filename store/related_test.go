package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// relatedLibrary is a small library on four subjects, two or three
// articles each, with words every article uses.
var relatedLibrary = []struct {
	slug, title, body, topic string
}{
	{"copper-strike", "Copper miners strike in Atacama", "The copper mine at Escondida stopped as miners went on strike over wages. Copper smelters in Antofagasta wait for ore.", "mining"},
	{"copper-talks", "Atacama copper strike talks resume", "Talks between the miners' union and Escondida resume; the copper strike has cut smelter supply in Antofagasta.", "mining"},
	{"copper-price", "Copper price climbs on supply fears", "Traders in London bid copper higher as smelters report thin ore stocks after the Escondida stoppage.", "markets"},
	{"rates-hold", "Central bank holds interest rates", "The central bank kept its benchmark interest rate as inflation eased; governors see wage growth slowing.", "economy"},
	{"rates-cut", "Governors weigh an interest rate cut", "Inflation fell again, and governors of the central bank weigh a cut in the benchmark interest rate.", "economy"},
	{"wheat-drought", "Drought cuts the wheat harvest", "Drought across the plains withered wheat; the harvest will be the smallest in a decade, growers say.", "farming"},
	{"wheat-exports", "Wheat exports fall after the drought", "Growers ship less wheat abroad as the drought shrinks the harvest and granaries stay half empty.", "farming"},
	{"ferry-timetable", "Island ferry gets a new timetable", "The island ferry sails twice a day from spring, with a night crossing on weekends for visitors.", "transport"},
	{"ferry-fares", "Ferry fares rise for island visitors", "Visitors pay more for the island ferry crossing from spring, while residents keep their fares.", "transport"},
}

func relatedInput(slug, title, body, topic string, at time.Time) masthead.ArticleInput {
	in := published(slug, at)
	in.Title, in.Dek, in.BodyMarkdown = title, "", body+"\n\nReporting by our correspondents, with figures from the agency."
	in.TopicSlugs, in.RegionSlugs, in.ColumnSlug = []string{topic}, nil, ""
	return in
}

func relatedSlugs(t *testing.T, db *store.DB, id int64, now time.Time) []string {
	t.Helper()
	list, err := db.Related(context.Background(), id, now, 8)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range list {
		out = append(out, a.Slug)
	}
	return out
}

func mustRelate(t *testing.T, db *store.DB) store.RelatedRun {
	t.Helper()
	run, err := db.RelateArticles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// TestRelated: articles sharing rare words are each other's neighbours;
// a draft and a scheduled article never appear until live; an edit moves
// an article into another subject's lists and out of its old ones; a
// deleted article leaves every list; every save queues its article.
// Both ways of computing lists are taken: one query an article, and the
// index in memory (every waiting article's list, a neighbour's too).
func TestRelated(t *testing.T) {
	for _, path := range []struct {
		name string
		bulk int
	}{{"queries", 1 << 30}, {"memory", 1}} {
		t.Run(path.name, func(t *testing.T) {
			defer store.SetRelatedBulk(path.bulk)()
			testRelated(t)
		})
	}
}

func testRelated(t *testing.T) {
	clock := &fixedClock{t0}
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ids := map[string]int64{}
		for i, a := range relatedLibrary {
			ids[a.slug] = mustCreate(t, db, relatedInput(a.slug, a.title, a.body, a.topic, t0.Add(-time.Duration(i+1)*time.Hour))).ID
		}
		// A draft and a scheduled article, both about the copper strike.
		draft := relatedInput("copper-draft", "Copper strike at Escondida: the miners' demands",
			"Escondida copper miners strike; smelters in Antofagasta and the Atacama copper trade wait.", "mining", t0.Add(-time.Hour))
		draft.Status = masthead.StatusDraft
		ids["copper-draft"] = mustCreate(t, db, draft).ID
		sched := relatedInput("copper-later", "Escondida copper strike enters its second month",
			"Copper miners at Escondida strike on; Antofagasta smelters and the Atacama copper belt wait.", "mining", t0.Add(48*time.Hour))
		sched.Status = masthead.StatusScheduled
		ids["copper-later"] = mustCreate(t, db, sched).ID

		var waiting int
		if err := rawRow(db, `SELECT COUNT(*) FROM related_pending`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting != 11 {
			t.Errorf("articles waiting after 11 saves: %d, want 11", waiting)
		}
		// A save of an article already waiting, as a neighbour (spread 0),
		// takes its row over: one row, spread again, at the save's time.
		if _, err := db.SQL().ExecContext(ctx, fmt.Sprintf(`UPDATE related_pending SET spread = 0, queued_at = 0 WHERE article_id = %d`, ids["ferry-fares"])); err != nil {
			t.Fatal(err)
		}
		for i, a := range relatedLibrary {
			if a.slug == "ferry-fares" {
				if _, err := db.UpdateArticle(ctx, ids[a.slug], relatedInput(a.slug, a.title, a.body, a.topic, t0.Add(-time.Duration(i+1)*time.Hour))); err != nil {
					t.Fatal(err)
				}
			}
		}
		var spread, queued int64
		if err := rawRow(db, `SELECT COUNT(*) FROM related_pending`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if err := rawRow(db, `SELECT spread, queued_at FROM related_pending WHERE article_id = ?`, ids["ferry-fares"]).Scan(&spread, &queued); err != nil {
			t.Fatal(err)
		}
		if waiting != 11 || spread != 1 || queued != clock.t.UnixMicro() {
			t.Errorf("after saving a waiting article again: %d waiting, its row spread %d at %d, want 11, 1, %d", waiting, spread, queued, clock.t.UnixMicro())
		}
		if run := mustRelate(t, db); !run.Rebuilt || run.Articles < 10 {
			t.Errorf("first run: %+v, want a rebuild and every article", run)
		}

		got := relatedSlugs(t, db, ids["copper-strike"], t0)
		if len(got) < 2 || !slices.Contains(got[:2], "copper-talks") || !slices.Contains(got, "copper-price") {
			t.Errorf("copper-strike's neighbours: %v, want copper-talks first and copper-price", got)
		}
		for _, s := range got {
			if s == "copper-draft" || s == "copper-later" {
				t.Errorf("copper-strike lists %s, which is not live: %v", s, got)
			}
			if s == "ferry-fares" || s == "wheat-drought" {
				t.Errorf("copper-strike lists %s, which shares nothing: %v", s, got)
			}
		}
		if got := relatedSlugs(t, db, ids["wheat-drought"], t0); len(got) == 0 || got[0] != "wheat-exports" {
			t.Errorf("wheat-drought's neighbours: %v", got)
		}
		// The scheduled article appears once its time has come, without
		// anything computed again.
		if got := relatedSlugs(t, db, ids["copper-strike"], t0.Add(49*time.Hour)); !slices.Contains(got, "copper-later") {
			t.Errorf("after its time, copper-later is not listed: %v", got)
		}

		// rates-cut becomes a story about the copper strike: its own
		// neighbours change, copper-strike lists it, rates-hold no longer.
		before := relatedSlugs(t, db, ids["rates-cut"], t0)
		if len(before) == 0 || before[0] != "rates-hold" {
			t.Fatalf("rates-cut's neighbours before the edit: %v", before)
		}
		clock.t = t0.Add(time.Minute)
		edit := relatedInput("rates-cut", "Escondida copper strike: miners reject the offer",
			"Miners at the Escondida copper mine reject the pay offer; the strike goes on and Antofagasta smelters idle.", "mining", t0.Add(-5*time.Hour))
		if _, err := db.UpdateArticle(ctx, ids["rates-cut"], edit); err != nil {
			t.Fatal(err)
		}
		mustRelate(t, db)
		after := relatedSlugs(t, db, ids["rates-cut"], clock.t)
		if slices.Contains(after, "rates-hold") || len(after) == 0 || !slices.Contains(after, "copper-strike") {
			t.Errorf("rates-cut's neighbours after the edit: %v (before %v)", after, before)
		}
		if got := relatedSlugs(t, db, ids["copper-strike"], clock.t); !slices.Contains(got, "rates-cut") {
			t.Errorf("copper-strike does not list the edited rates-cut: %v", got)
		}
		if got := relatedSlugs(t, db, ids["rates-hold"], clock.t); slices.Contains(got, "rates-cut") {
			t.Errorf("rates-hold still lists the edited rates-cut: %v", got)
		}

		// The draft, published, is listed once computed; unpublished
		// again, it is gone at once.
		draft.Status = masthead.StatusPublished
		if _, err := db.UpdateArticle(ctx, ids["copper-draft"], draft); err != nil {
			t.Fatal(err)
		}
		mustRelate(t, db)
		if got := relatedSlugs(t, db, ids["copper-strike"], clock.t); !slices.Contains(got, "copper-draft") {
			t.Errorf("the published draft is not listed: %v", got)
		}
		draft.Status = masthead.StatusDraft
		if _, err := db.UpdateArticle(ctx, ids["copper-draft"], draft); err != nil {
			t.Fatal(err)
		}
		if got := relatedSlugs(t, db, ids["copper-strike"], clock.t); slices.Contains(got, "copper-draft") {
			t.Errorf("an unpublished article is listed: %v", got)
		}

		if err := db.DeleteArticle(ctx, ids["copper-talks"]); err != nil {
			t.Fatal(err)
		}
		if got := relatedSlugs(t, db, ids["copper-strike"], clock.t); slices.Contains(got, "copper-talks") {
			t.Errorf("a deleted article is listed: %v", got)
		}
		mustRelate(t, db)
		var left int
		if err := rawRow(db, `SELECT COUNT(*) FROM related_pending`).Scan(&left); err != nil || left != 0 {
			t.Errorf("waiting after a run: %d (%v)", left, err)
		}
	})
}

// TestRelatedRebuild: a full build fills an existing library's lists, and
// the same library gives the same lists.
func TestRelatedRebuild(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var first int64
		for i, a := range relatedLibrary {
			id := mustCreate(t, db, relatedInput(a.slug, a.title, a.body, a.topic, t0.Add(-time.Duration(i+1)*time.Hour))).ID
			if i == 0 {
				first = id
			}
		}
		mustRelate(t, db)
		want := relatedSlugs(t, db, first, t0)
		if run := mustRelate(t, db); run.Articles != 0 || run.Rebuilt {
			t.Errorf("a run with nothing waiting: %+v", run)
		}
		calls := 0
		if err := db.RebuildRelated(ctx, func(done, total int) { calls++ }); err != nil {
			t.Fatal(err)
		}
		if run := mustRelate(t, db); run.Articles != len(relatedLibrary) {
			t.Errorf("after a rebuild %d articles computed, want %d", run.Articles, len(relatedLibrary))
		}
		if got := relatedSlugs(t, db, first, t0); !slices.Equal(got, want) || calls == 0 {
			t.Errorf("after a rebuild %v, want %v (progress calls %d)", got, want, calls)
		}
	})
}

// TestRelatedPaths: the lists computed from the index in memory, as a full
// build of a large library takes them, are those of one query an
// article, the way a save's are computed, for every article of a library
// of overlapping subjects; and a save after the build moves its article
// in both.
func TestRelatedPaths(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// Each article uses four made-up words, each word in at most four
		// articles: its own and the next one's, and two spread across the
		// library, so that lists overlap and scores differ.
		syl := []string{"tar", "vel", "mun", "kor", "pid", "sal", "bro", "fen"}
		word := func(j int) string { j %= 48; return syl[j/8] + syl[j%8] + "ok" }
		wordsOf := func(i int) []int { return []int{i, i + 1, 7*i + 3, 11*i + 5} }
		text := func(ws []int) (string, string) {
			var b []string
			for k, j := range ws {
				for range 1 + k%2 {
					b = append(b, word(j))
				}
			}
			return word(ws[0]) + " " + word(ws[1]), strings.Join(b, " ")
		}
		topics := []string{"mining", "economy", "farming"}
		var ids []int64
		for i := range 48 {
			title, body := text(wordsOf(i))
			in := relatedInput(fmt.Sprintf("story-%02d", i), title, body, topics[i%3], t0.Add(-time.Duration(i*40)*time.Hour))
			ids = append(ids, mustCreate(t, db, in).ID)
		}
		lists := func() map[int64][]string {
			out := map[int64][]string{}
			for _, id := range ids {
				out[id] = relatedSlugs(t, db, id, t0)
			}
			return out
		}
		restore := store.SetRelatedBulk(1 << 30)
		mustRelate(t, db)
		byQuery := lists()
		restore()
		listed := 0
		for _, l := range byQuery {
			listed += len(l)
		}
		if listed < 4*len(ids) {
			t.Fatalf("one query an article listed %d neighbours for %d articles: too few to compare", listed, len(ids))
		}

		restore = store.SetRelatedBulk(1)
		defer restore()
		if err := db.RebuildRelated(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if run := mustRelate(t, db); run.Articles != len(ids) {
			t.Errorf("the build in memory computed %d articles, want %d", run.Articles, len(ids))
		}
		inMemory := lists()
		for _, id := range ids {
			if !slices.Equal(inMemory[id], byQuery[id]) {
				t.Errorf("article %d: in memory %v, by query %v", id, inMemory[id], byQuery[id])
			}
		}

		// story-00 takes story-20's words: a save computes it by query, the
		// lists around it in memory. It lists story-20 first, story-20
		// lists it, and its old neighbours that share none of its new
		// words no longer do.
		title, body := text(wordsOf(20))
		if _, err := db.UpdateArticle(ctx, ids[0], relatedInput("story-00", title, body, topics[2], t0.Add(-800*time.Hour))); err != nil {
			t.Fatal(err)
		}
		mustRelate(t, db)
		if got := relatedSlugs(t, db, ids[0], t0); len(got) == 0 || got[0] != "story-20" {
			t.Errorf("the edited story-00 lists %v, want story-20 first", got)
		}
		if got := relatedSlugs(t, db, ids[20], t0); len(got) == 0 || got[0] != "story-00" {
			t.Errorf("story-20 lists %v, want the edited story-00 first", got)
		}
		shares := func(i int) bool {
			for _, a := range wordsOf(i) {
				for _, b := range wordsOf(20) {
					if a%48 == b%48 {
						return true
					}
				}
			}
			return false
		}
		moved := 0
		for i, id := range ids {
			if i == 0 || shares(i) || !slices.Contains(byQuery[id], "story-00") {
				continue
			}
			moved++
			if l := relatedSlugs(t, db, id, t0); slices.Contains(l, "story-00") {
				t.Errorf("story-%02d still lists the edited story-00: %v", i, l)
			}
		}
		if moved == 0 {
			t.Errorf("no article listed story-00 before its edit: nothing shown")
		}
	})
}
