package store_test

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// rangeArticle is an article of TestInsightRangesEqualHourSums with the
// column and topics it counts under.
type rangeArticle struct {
	id          int64
	slug, title string
	column      string
	topics      []string
}

// TestInsightRangesEqualHourSums records a mixed stream of events in
// batches that arrive out of order (late days, backfills, batches across
// several days, events without an article) and checks that what the
// dashboard reads through the running totals, the totals per article and
// the site's days (the funnel, conversions by article, column and topic,
// the most read, the zero-result page's most read) equals a plain sum of
// the hourly rows over many ranges. It checks the same again after
// migration 0054 has filled those tables from the daily counts alone.
func TestInsightRangesEqualHourSums(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{insightNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		specs := []struct {
			slug, column string
			topics       []string
		}{
			{"range-a", "the-long-view", []string{"energy"}},
			{"range-b", "the-long-view", []string{"energy", "trade"}},
			{"range-c", "briefing", []string{"trade"}},
			{"range-d", "", nil},
			{"range-e", "briefing", []string{"energy", "shipping"}},
			{"range-f", "", []string{"shipping"}},
		}
		var arts []rangeArticle
		for i, s := range specs {
			in := published(s.slug, day(1, 9+i))
			in.ColumnSlug, in.TopicSlugs = s.column, s.topics
			in.Names = map[string]string{"the-long-view": "The Long View", "briefing": "Briefing", "energy": "Energy",
				"trade": "Trade", "shipping": "Shipping"}
			a := mustCreate(t, db, in)
			arts = append(arts, rangeArticle{id: a.ID, slug: a.Slug, title: a.Title, column: s.column, topics: s.topics})
		}
		// Two subscriptions from article B's checkouts, one from nowhere.
		members, err := db.InsertMembers(ctx, []store.BulkMember{
			{Email: "s1@example.com", Verified: true, Created: day(2, 8)},
			{Email: "s2@example.com", Verified: true, Created: day(2, 8)},
			{Email: "s3@example.com", Verified: true, Created: day(2, 8)},
		}, "test")
		if err != nil {
			t.Fatal(err)
		}
		subs := []struct {
			member  int64
			article int64 // 0: a checkout from the pricing page
			at      time.Time
		}{{members[0], arts[1].id, day(6, 10)}, {members[1], arts[1].id, day(12, 10)}, {members[2], 0, day(9, 10)}}
		var checkouts []masthead.InsightEvent
		for _, s := range subs {
			checkouts = append(checkouts, masthead.InsightEvent{Kind: masthead.InsightCheckout, ArticleID: s.article, MemberID: s.member,
				At: s.at.Add(-time.Hour)})
		}
		if err := db.RecordInsights(ctx, checkouts); err != nil {
			t.Fatal(err)
		}
		for i, s := range subs {
			if _, err := db.SyncSubscription(ctx, masthead.Subscription{ID: "sub_range_" + string(rune('a'+i)), MemberID: s.member,
				Status: masthead.StatusActive, StartedAt: s.at, Version: insightNow}, 0); err != nil {
				t.Fatal(err)
			}
		}

		// Events over fourteen days, recorded in batches of shuffled
		// days: most batches hold several days, many a day before one
		// already counted.
		rng := rand.New(rand.NewPCG(5, 19))
		kinds := []masthead.InsightKind{masthead.InsightArticleView, masthead.InsightWallView, masthead.InsightRegistration,
			masthead.InsightUnlock, masthead.InsightCheckout}
		var evs []masthead.InsightEvent
		for range 1500 {
			e := masthead.InsightEvent{Kind: kinds[rng.IntN(len(kinds))], At: day(3, 0).Add(time.Duration(rng.Int64N(int64(14 * 24 * time.Hour))))}
			if rng.IntN(10) > 0 {
				e.ArticleID = arts[rng.IntN(len(arts))].id
			}
			if rng.IntN(4) == 0 {
				e.Count = 1 + rng.Int64N(300)
			}
			evs = append(evs, e)
		}
		rng.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
		for len(evs) > 0 {
			n := min(len(evs), 10+rng.IntN(60))
			if err := db.RecordInsights(ctx, evs[:n]); err != nil {
				t.Fatal(err)
			}
			evs = evs[n:]
		}
		// And a day long past, after all the others.
		if err := db.RecordInsights(ctx, []masthead.InsightEvent{{Kind: masthead.InsightArticleView, ArticleID: arts[0].id, At: day(2, 23), Count: 7}}); err != nil {
			t.Fatal(err)
		}

		check := func(t *testing.T) {
			t.Helper()
			checkRunningTotals(t, db)
			hours := readCounts(t, db, `SELECT hour, kind, article_id, n FROM insight_hours`, hourUS)
			var ranges []masthead.InsightRange
			for _, r := range [][2]int{{1, 20}, {3, 17}, {2, 3}, {9, 10}, {16, 17}, {17, 20}, {1, 2}, {10, 31}} {
				ranges = append(ranges, masthead.InsightRange{From: day(r[0], 0), To: day(r[1], 0)})
			}
			for range 20 {
				from := 1 + rng.IntN(18)
				ranges = append(ranges, masthead.InsightRange{From: day(from, 0), To: day(from+1+rng.IntN(10), 0)})
			}
			for _, r := range ranges {
				checkRange(t, db, hours, arts, subs, r)
			}
		}
		check(t)

		// Migration 0054 fills the running totals, the totals and the
		// site's days from the daily counts of a database made before it.
		for _, q := range []string{`DROP TABLE insight_site_daily`, `DROP TABLE insight_totals`, `DROP INDEX insight_daily_running`,
			`ALTER TABLE insight_daily DROP COLUMN total`} {
			if err := db.ExecForTest(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.RunMigrationAgain(ctx, 54); err != nil {
			t.Fatal(err)
		}
		t.Run("after the migration", check)
	})
}

// checkRunningTotals checks the tables kept beside the daily counts
// against the daily counts themselves: each row's running total, the
// totals with their first and last day, the site's days.
func checkRunningTotals(t *testing.T, db *store.DB) {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT day, kind, article_id, n, total FROM insight_daily ORDER BY kind, article_id, day`)
	if err != nil {
		t.Fatal(err)
	}
	type pair struct {
		kind string
		id   int64
	}
	type sums struct{ n, first, last int64 }
	want := map[pair]sums{}
	site := map[countKey]int64{}
	for rows.Next() {
		var (
			d, id, n, total int64
			kind            string
		)
		if err := rows.Scan(&d, &kind, &id, &n, &total); err != nil {
			t.Fatal(err)
		}
		p := pair{kind, id}
		s, ok := want[p]
		if !ok {
			s.first = d
		}
		s.n += n
		s.last = d
		want[p] = s
		if total != s.n {
			t.Errorf("running total of %s of article %d on %s: %d, want %d", kind, id, time.UnixMicro(d).UTC().Format(time.DateOnly), total, s.n)
		}
		site[countKey{d, kind, 0}] += n
	}
	rows.Close()
	got := map[pair]sums{}
	rows, err = db.SQL().Query(`SELECT kind, article_id, n, first_day, last_day FROM insight_totals`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var (
			p pair
			s sums
		)
		if err := rows.Scan(&p.kind, &p.id, &s.n, &s.first, &s.last); err != nil {
			t.Fatal(err)
		}
		got[p] = s
	}
	rows.Close()
	if diff := gocmp.Diff(want, got, gocmp.AllowUnexported(pair{}, sums{})); diff != "" {
		t.Errorf("insight_totals (-want +got):\n%s", diff)
	}
	if diff := gocmp.Diff(site, readCounts(t, db, `SELECT day, kind, 0, n FROM insight_site_daily`, dayUS)); diff != "" {
		t.Errorf("insight_site_daily (-want +got):\n%s", diff)
	}
}

// checkRange compares the dashboard's answers over r with sums of the
// hourly counts hours.
func checkRange(t *testing.T, db *store.DB, hours map[countKey]int64, arts []rangeArticle, subs []struct {
	member  int64
	article int64
	at      time.Time
}, r masthead.InsightRange) {
	t.Helper()
	ctx := context.Background()
	name := r.From.Format("Jan 2") + "–" + r.To.Format("Jan 2")
	from, to := r.From.UnixMicro(), r.To.UnixMicro()
	perDay := map[int64]*masthead.FunnelPoint{}
	type counts struct{ v, w, g, s int64 }
	per := map[int64]*counts{}
	for _, a := range arts {
		per[a.id] = &counts{}
	}
	for k, n := range hours {
		if k.at < from || k.at >= to {
			continue
		}
		d := k.at - k.at%dayUS
		if perDay[d] == nil {
			perDay[d] = &masthead.FunnelPoint{}
		}
		p, c := perDay[d], per[k.articleID]
		if c == nil {
			c = &counts{} // no article: in the funnel only
		}
		switch masthead.InsightKind(k.kind) {
		case masthead.InsightArticleView:
			c.v += n
		case masthead.InsightWallView:
			p.WallViews += n
			c.w += n
		case masthead.InsightRegistration:
			p.Registrations += n
			c.g += n
		case masthead.InsightUnlock:
			p.Unlocks += n
		case masthead.InsightCheckout:
			p.Checkouts += n
		}
	}
	var unattributed int64
	for _, s := range subs {
		if s.at.UnixMicro() >= from && s.at.UnixMicro() < to {
			if s.article == 0 {
				unattributed++
			} else {
				per[s.article].s++
			}
		}
	}

	funnel, err := db.InsightFunnel(ctx, r, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range funnel {
		w := masthead.FunnelPoint{}
		if x := perDay[p.Start.UnixMicro()]; x != nil {
			w = *x
		}
		got := [4]int64{p.WallViews, p.Registrations, p.Unlocks, p.Checkouts}
		if want := [4]int64{w.WallViews, w.Registrations, w.Unlocks, w.Checkouts}; got != want {
			t.Errorf("%s: funnel on %s: %v, want %v", name, p.Start.Format(time.DateOnly), got, want)
		}
	}

	// The tables as a plain group-and-sort of the sums.
	var byArticle, mostRead []masthead.Conversion
	groups := map[string]map[string]*masthead.Conversion{"column": {}, "topic": {}}
	add := func(by, key string, c *counts) {
		if groups[by][key] == nil {
			groups[by][key] = &masthead.Conversion{Key: key, Name: map[string]string{"the-long-view": "The Long View", "briefing": "Briefing",
				"energy": "Energy", "trade": "Trade", "shipping": "Shipping"}[key]}
		}
		g := groups[by][key]
		g.Views, g.WallViews, g.Registrations, g.Subscriptions = g.Views+c.v, g.WallViews+c.w, g.Registrations+c.g, g.Subscriptions+c.s
	}
	for _, a := range arts {
		c := per[a.id]
		if c.v+c.w+c.g+c.s == 0 {
			continue
		}
		byArticle = append(byArticle, masthead.Conversion{Key: a.slug, Name: a.title, Views: c.v, WallViews: c.w, Registrations: c.g, Subscriptions: c.s})
		if c.v > 0 {
			mostRead = append(mostRead, masthead.Conversion{Key: a.slug, Name: a.title, Views: c.v})
		}
		if a.column != "" {
			add("column", a.column, c)
		}
		for _, tp := range a.topics {
			add("topic", tp, c)
		}
	}
	order := func(rows []masthead.Conversion) []masthead.Conversion {
		slices.SortFunc(rows, func(a, b masthead.Conversion) int {
			return cmp.Or(cmp.Compare(b.Subscriptions, a.Subscriptions), cmp.Compare(b.Registrations, a.Registrations),
				cmp.Compare(b.WallViews, a.WallViews), cmp.Compare(b.Views, a.Views), strings.Compare(a.Key, b.Key))
		})
		return rows
	}
	flat := func(m map[string]*masthead.Conversion) []masthead.Conversion {
		var out []masthead.Conversion
		for _, c := range m {
			out = append(out, *c)
		}
		return order(out)
	}
	var wantRead []masthead.ArticleReads
	for _, c := range order(mostRead) {
		wantRead = append(wantRead, masthead.ArticleReads{Slug: c.Key, Title: c.Name, Views: c.Views})
	}
	want := masthead.InsightArticles{ByArticle: order(byArticle), ByColumn: flat(groups["column"]), ByTopic: flat(groups["topic"]),
		Unattributed: unattributed, MostRead: wantRead}
	got, err := db.InsightArticles(ctx, r, 100, 100)
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s: the dashboard's tables (-want +got):\n%s", name, diff)
	}
	for _, by := range []string{store.ByArticle, store.ByColumn, store.ByTopic} {
		rows, un, err := db.InsightConversions(ctx, r, by, 2)
		if err != nil {
			t.Fatal(err)
		}
		w := map[string][]masthead.Conversion{store.ByArticle: want.ByArticle, store.ByColumn: want.ByColumn, store.ByTopic: want.ByTopic}[by]
		if diff := gocmp.Diff(w[:min(2, len(w))], rows, cmpopts.EquateEmpty()); diff != "" || un != unattributed {
			t.Errorf("%s: conversions by %s, two rows (-want +got):\n%s; unattributed %d, want %d", name, by, diff, un, unattributed)
		}
	}

	// The zero-result page's most read: the range's days up to now's,
	// of a topic or all; at most n, made up with the newest when short.
	for _, topic := range []string{"", "trade"} {
		var wantViews []int64
		for _, c := range wantRead {
			if i := slices.IndexFunc(arts, func(a rangeArticle) bool { return a.slug == c.Slug }); topic == "" || slices.Contains(arts[i].topics, topic) {
				wantViews = append(wantViews, c.Views)
			}
		}
		wantViews = wantViews[:min(len(wantViews), 4)]
		list, err := db.MostRead(ctx, topic, r.From, r.To.Add(-time.Hour), 4)
		if err != nil {
			t.Fatal(err)
		}
		// Ties are broken by the newest first there, by slug here: the
		// views in order say whether the right articles came first.
		var gotViews []int64
		for _, a := range list[:min(len(list), len(wantViews))] {
			if i := slices.IndexFunc(arts, func(r rangeArticle) bool { return r.id == a.ID }); topic != "" && !slices.Contains(arts[i].topics, topic) {
				t.Errorf("%s: most read of topic %q lists %s", name, topic, a.Slug)
			}
			gotViews = append(gotViews, per[a.ID].v)
		}
		if diff := gocmp.Diff(wantViews, gotViews, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: most read of topic %q, views (-want +got):\n%s", name, topic, diff)
		}
	}
}
