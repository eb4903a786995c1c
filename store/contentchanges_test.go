package store_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// changesSince returns the keys of the content changes after version
// v, in order, and the new version.
func changesSince(t *testing.T, db *store.DB, v int64) (int64, [][]string) {
	t.Helper()
	latest, cs, err := db.ContentChangesAfter(context.Background(), v)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for i, c := range cs {
		if c.Version != v+int64(i)+1 {
			t.Fatalf("change %d has version %d after %d", i, c.Version, v)
		}
		out = append(out, c.Keys)
	}
	return latest, out
}

// TestContentChangesNameWhatChanged: a publish, an edit that moves an
// article between topics and columns, an unpublish and a delete record
// the article's key and those of the lists it left and joined, and
// nothing else; settings and taxonomy edits record the whole site. Each
// change enqueues one cdn-purge job with the same keys, in its
// transaction, when the store purges a CDN.
func TestContentChangesNameWhatChanged(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}, PurgeCDN: true}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v0, err := db.ContentVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		a := mustCreate(t, db, published("power-lines", t0.Add(-time.Hour)))
		id := masthead.ArticleKey(a.ID)
		v1, got := changesSince(t, db, v0)
		want := [][]string{{id, "author:ada-lovelace", "author:grace-hopper", "column:the-long-view", "feeds", "home", "lists", "region:europe", "topic:energy"}}
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("publish: %q, want %q", got, want)
		}
		wantPublish := want[0]

		// An edit moving it: the old topic, column and author and the
		// new ones.
		in := published("power-lines", t0.Add(-time.Hour))
		in.TopicSlugs, in.ColumnSlug, in.AuthorSlugs = []string{"climate"}, "", []string{"ada-lovelace"}
		if _, err := db.UpdateArticle(ctx, a.ID, in); err != nil {
			t.Fatal(err)
		}
		v2, got := changesSince(t, db, v1)
		want = [][]string{{id, "author:ada-lovelace", "author:grace-hopper", "column:the-long-view", "feeds", "home", "lists", "region:europe", "topic:climate", "topic:energy"}}
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("edit: %q, want %q", got, want)
		}

		// Unpublished, then deleted: the same article and its lists.
		in.Status = masthead.StatusDraft
		if _, err := db.UpdateArticle(ctx, a.ID, in); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteArticle(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		v3, got := changesSince(t, db, v2)
		want1 := []string{id, "author:ada-lovelace", "feeds", "home", "lists", "region:europe", "topic:climate"}
		if len(got) != 2 || !slices.Equal(got[0], want1) || !slices.Equal(got[1], want1) {
			t.Fatalf("unpublish and delete: %q, want twice %q", got, want1)
		}

		// Settings and a column's edit touch every page.
		if _, err := db.SaveSettings(ctx, masthead.SiteSettings{Name: "The Daily Lens"}, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveColumn(ctx, "", masthead.Column{Slug: "letters", Name: "Letters"}); err != nil {
			t.Fatal(err)
		}
		v4, got := changesSince(t, db, v3)
		if !slices.EqualFunc(got, [][]string{{"site"}, {"site"}}, slices.Equal) {
			t.Fatalf("settings and a column: %q", got)
		}

		// One purge job per change, carrying its keys.
		jobs, err := db.Jobs(ctx, masthead.JobFilter{Kind: masthead.JobCDNPurge})
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) != int(v4-v0) {
			t.Fatalf("%d purge jobs for %d changes", len(jobs), v4-v0)
		}
		seen := map[int64][]string{}
		for _, j := range jobs {
			var p masthead.CDNPurge
			if err := j.Decode(&p); err != nil {
				t.Fatal(err)
			}
			seen[p.Version] = p.Keys
		}
		if !slices.Equal(seen[v0+1], wantPublish) {
			t.Errorf("first purge: %q", seen[v0+1])
		}
		if !slices.Equal(seen[v4], []string{"site"}) {
			t.Errorf("last purge: %q", seen[v4])
		}

		// A poller further behind than the changes kept finds the first
		// change it gets is not the next one.
		latest, cs, err := db.ContentChangesAfter(ctx, v4)
		if err != nil || latest != v4 || len(cs) != 0 {
			t.Fatalf("nothing new: %d %v %v", latest, cs, err)
		}
	})
}

// TestContentChangesOfABatch: a batch of new articles, written in bulk
// mode (one query for the keys of them all, on PostgreSQL) or one by
// one, records each article's key and every list any of them is on.
func TestContentChangesOfABatch(t *testing.T) {
	defer store.SetBulkMinArticles(1)()
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v0, _ := db.ContentVersion(ctx)
		a, b, c := published("power-lines", t0.Add(-time.Hour)), published("grid-costs", t0.Add(-time.Hour)), published("letters-page", t0.Add(-time.Hour))
		b.TopicSlugs, b.RegionSlugs, b.AuthorSlugs = []string{"climate"}, []string{"asia"}, []string{"ada-lovelace"}
		c.ColumnSlug, c.TopicSlugs, c.RegionSlugs, c.AuthorSlugs = "letters", nil, nil, []string{"edsger-dijkstra"}
		var res []store.UpsertResult
		if _, err := db.BulkLoad(ctx, 3, func(ctx context.Context) error {
			var err error
			res, err = db.UpsertArticles(ctx, []masthead.ArticleInput{a, b, c})
			return err
		}, nil); err != nil {
			t.Fatal(err)
		}
		if len(res) != 3 {
			t.Fatalf("results: %+v", res)
		}
		want := []string{"author:ada-lovelace", "author:edsger-dijkstra", "author:grace-hopper", "column:letters", "column:the-long-view",
			"feeds", "home", "lists", "region:asia", "region:europe", "topic:climate", "topic:energy"}
		for _, r := range res {
			want = append(want, masthead.ArticleKey(r.ID))
		}
		slices.Sort(want)
		_, got := changesSince(t, db, v0)
		if len(got) == 0 {
			t.Fatal("no change recorded")
		}
		last := slices.Clone(got[len(got)-1])
		slices.Sort(last)
		if !slices.Equal(last, want) {
			t.Errorf("batch: %q, want %q", last, want)
		}
	})
}

// TestContentChangesWithoutCDN: a store with no CDN records the changes
// but enqueues no purge; an import of many articles counts as touching
// everything.
func TestContentChangesWithoutCDN(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v0, _ := db.ContentVersion(ctx)
		var ins []masthead.ArticleInput
		for i := range 60 {
			ins = append(ins, published("piece-"+string(rune('a'+i/26))+string(rune('a'+i%26)), t0.Add(-time.Hour)))
		}
		if _, err := db.UpsertArticles(ctx, ins); err != nil {
			t.Fatal(err)
		}
		mustCreate(t, db, published("one-more", t0.Add(-time.Hour)))
		_, got := changesSince(t, db, v0)
		if len(got) != 2 || !slices.Equal(got[0], []string{"site"}) || slices.Contains(got[1], "site") {
			t.Fatalf("changes: %q", got)
		}
		jobs, err := db.Jobs(ctx, masthead.JobFilter{Kind: masthead.JobCDNPurge})
		if err != nil || len(jobs) != 0 {
			t.Fatalf("purge jobs without a CDN: %d, %v", len(jobs), err)
		}
	})
}

// TestCrawlerRanges: a family's ranges are replaced whole, read back by
// family, and their change is recorded for the instances to reload; an
// unknown family is refused.
func TestCrawlerRanges(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v0, _ := db.ContentVersion(ctx)
		p := netip.MustParsePrefix
		if n, err := db.ReplaceCrawlerRanges(ctx, "gptbot", []netip.Prefix{p("52.230.152.0/24"), p("2a03:b0c0::/32")}); err != nil || n != 0 {
			t.Fatalf("first load: %d, %v", n, err)
		}
		if _, err := db.ReplaceCrawlerRanges(ctx, "claudebot", []netip.Prefix{p("160.79.104.0/23")}); err != nil {
			t.Fatal(err)
		}
		if n, err := db.ReplaceCrawlerRanges(ctx, "gptbot", []netip.Prefix{p("20.171.206.0/24")}); err != nil || n != 2 {
			t.Fatalf("second load: %d, %v", n, err)
		}
		got, err := db.CrawlerRanges(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got["gptbot"], []netip.Prefix{p("20.171.206.0/24")}) || !slices.Equal(got["claudebot"], []netip.Prefix{p("160.79.104.0/23")}) {
			t.Errorf("ranges %v", got)
		}
		_, changes := changesSince(t, db, v0)
		if len(changes) != 3 || !slices.Equal(changes[2], []string{masthead.KeyCrawlers}) {
			t.Errorf("changes %q", changes)
		}
		if _, err := db.ReplaceCrawlerRanges(ctx, "nosuchbot", nil); masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("unknown family: %v", err)
		}
	})
}
