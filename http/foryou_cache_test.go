package http_test

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/clocktest"
	mhttp "masthead/http"
	"masthead/insights"
	"masthead/store"
	"masthead/store/storetest"
)

// TestForYouKeptPage: a reader's For-you page is kept as rendered, and
// whatever the reader changes — a follow, an unfollow, a save, a read —
// or the newsroom publishes changes the next page they get; another
// reader never gets it, and a change made on another instance shows
// once the session's state is read again (the session cache's TTL).
func TestForYouKeptPage(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock{now}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := clocktest.New(now)
		s := newSite(t, db, func(c *mhttp.Config, d *mhttp.Deps) {
			d.Curator, d.Accounts, d.Newsletters, d.Clock = db, db, db, clock
			c.Accounts.SessionCacheTTL = 5 * time.Second
		})
		forYou := func(token string) string {
			t.Helper()
			res, body := s.page(t, token, "/for-you")
			if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("for you: %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
			}
			return body
		}
		follow := func(token, kind, slug string, unfollow bool) {
			t.Helper()
			form := url.Values{"kind": {kind}, "slug": {slug}, "next": {"/for-you"}}
			if unfollow {
				form.Set("unfollow", "1")
			}
			wantSeeOther(t, s.post(t, token, "/follow", form), "/for-you")
		}

		follow(s.reader, "topic", "energy", false)
		first := forYou(s.reader)
		if !strings.Contains(first, "The metered feature") || strings.Contains(first, "A free daily analysis") {
			t.Fatalf("for you, following Energy:\n%s", first)
		}
		// Kept: served with the ETag computed when it was kept.
		res, again := s.page(t, s.reader, "/for-you")
		if again != first || res.Header.Get("Etag") == "" {
			t.Errorf("a reload is not the page kept (ETag %q)", res.Header.Get("Etag"))
		}
		// The gzip kept beside it says the same.
		h := cookie(s.reader)
		h.Set("Accept-Encoding", "gzip")
		res = s.do(t, "GET", "/for-you", nil, h)
		zipped, _ := io.ReadAll(res.Body)
		if res.Header.Get("Content-Encoding") != "gzip" || gunzip(t, string(zipped)) != first {
			t.Errorf("the kept page's gzip (%q) is not the page", res.Header.Get("Content-Encoding"))
		}

		// A follow.
		follow(s.reader, "topic", "economy", false)
		if body := forYou(s.reader); !strings.Contains(body, "A free daily analysis") {
			t.Errorf("after following Economy, for you lacks its article")
		}
		// A read marks the article read on the next page.
		if body := forYou(s.reader); strings.Contains(body, "badge--read") {
			t.Fatalf("read before reading")
		}
		s.page(t, s.reader, "/articles/free-daily")
		if body := forYou(s.reader); !strings.Contains(body, "badge--read") {
			t.Errorf("after reading, for you does not mark the article read")
		}
		// An unfollow.
		follow(s.reader, "topic", "economy", true)
		if body := forYou(s.reader); strings.Contains(body, "A free daily analysis") {
			t.Errorf("after unfollowing Economy, for you still lists its article")
		}

		// A change made elsewhere (another instance, here the store
		// itself) is not seen while the session's state is kept...
		var m *masthead.Member
		if m, _ = db.EnsureMember(ctx, "reader@example.com", masthead.RoleNone); m == nil {
			t.Fatal("no reader")
		}
		if err := db.Follow(ctx, m.ID, masthead.FollowAuthor, "grace-hopper", masthead.AlertOff, now); err != nil {
			t.Fatal(err)
		}
		if body := forYou(s.reader); strings.Contains(body, "Hostile markup") {
			t.Errorf("a follow made elsewhere shows before the session's state is read again")
		}
		// ...and is once it is read again, after its TTL.
		clock.Advance(6 * time.Second)
		if body := forYou(s.reader); !strings.Contains(body, "Hostile markup") {
			t.Errorf("a follow made elsewhere does not show after the session cache's TTL")
		}
		// A save reads the reader afresh: made elsewhere again, then a
		// save here, and the next page has both.
		if err := db.Unfollow(ctx, m.ID, masthead.FollowAuthor, "grace-hopper"); err != nil {
			t.Fatal(err)
		}
		wantSeeOther(t, s.post(t, s.reader, "/articles/metered-feature/save", url.Values{"next": {"/saved"}}), "/saved")
		if body := forYou(s.reader); strings.Contains(body, "Hostile markup") {
			t.Errorf("after a save, for you is the page kept before it")
		}

		// The newsroom publishes in a followed topic.
		mustCreate(t, db, masthead.ArticleInput{
			Slug: "energy-news", Title: "Fresh energy news", BodyMarkdown: "New.", AuthorSlugs: []string{"ada-lovelace"},
			TopicSlugs: []string{"energy"}, Access: masthead.AccessFree, Status: masthead.StatusPublished,
			PublishedAt: now.Add(-time.Minute),
		})
		if err := s.srv.FollowContent(ctx); err != nil {
			t.Fatal(err)
		}
		if body := forYou(s.reader); !strings.Contains(body, "Fresh energy news") {
			t.Errorf("an article published in a followed topic is not on the next page")
		}

		// Another reader, following the same, gets their own page.
		other, err := db.EnsureMember(ctx, "someone.else@example.com", masthead.RoleNone)
		if err != nil {
			t.Fatal(err)
		}
		token, hash := masthead.NewToken()
		if err := db.CreateSession(ctx, other.ID, hash, now.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		follow(token, "topic", "energy", false)
		s.page(t, s.reader, "/articles/metered-feature")
		mine, theirs := forYou(s.reader), forYou(token)
		if !strings.Contains(mine, "badge--read") {
			t.Errorf("the reader's page lacks their read mark")
		}
		if !strings.Contains(theirs, "someone.else@example.com") || strings.Contains(theirs, "reader@example.com") {
			t.Errorf("another reader's page names the wrong reader")
		}
		if !strings.Contains(mine, "reader@example.com") || strings.Contains(mine, "someone.else@example.com") {
			t.Errorf("the reader's page names the wrong reader")
		}
		if strings.Contains(theirs, "badge--read") {
			t.Errorf("another reader's page carries this reader's read marks")
		}
	})
}

// TestForYouOwnRead: reads are written in batches (the insights
// recorder), and the For-you page is kept. A reader's read shows on
// their next For-you page on the instance that served the article at
// once, kept page or not; on another instance over the same database
// once the batch is written and that instance reads the session's
// state again (the session cache's TTL).
func TestForYouOwnRead(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock{now}}, func(t *testing.T, db *store.DB) {
		clock := clocktest.New(now)
		var recs []*insights.Recorder
		wire := func(c *mhttp.Config, d *mhttp.Deps) {
			// Never written by the interval: only a Flush writes.
			rec := insights.New(db, insights.Options{Interval: time.Hour, Clock: clock})
			t.Cleanup(rec.Close)
			recs = append(recs, rec)
			d.Curator, d.Accounts, d.Newsletters, d.Clock, d.Insights = db, db, db, clock, rec
			c.Accounts.SessionCacheTTL = 5 * time.Second
		}
		a := newSite(t, db, wire)
		b := a.instance(t, wire)
		forYou := func(s *site) string {
			t.Helper()
			res, body := s.page(t, s.reader, "/for-you")
			if res.StatusCode != 200 {
				t.Fatalf("for you: %d", res.StatusCode)
			}
			return body
		}
		for _, topic := range []string{"economy", "energy"} {
			wantSeeOther(t, a.post(t, a.reader, "/follow", url.Values{"kind": {"topic"}, "slug": {topic}, "next": {"/for-you"}}), "/for-you")
		}
		first := forYou(a)
		if !strings.Contains(first, "A free daily analysis") || strings.Contains(first, "badge--read") {
			t.Fatalf("for you before reading:\n%s", first)
		}
		if again := forYou(a); again != first {
			t.Fatalf("a reload is not the page kept")
		}
		if body := forYou(b); strings.Contains(body, "badge--read") {
			t.Fatalf("the second instance marks a read before any")
		}

		a.page(t, a.reader, "/articles/free-daily")
		got := forYou(a)
		if n := strings.Count(got, "badge--read"); n != 1 {
			t.Errorf("right after reading, for you here marks %d read, want 1", n)
		}
		if again := forYou(a); again != got {
			t.Errorf("the page with the read is not kept")
		}

		// Another instance: once the batch is written (here a Flush,
		// as the interval would) and its session state is read again.
		a.page(t, a.reader, "/articles/metered-feature")
		recs[0].Flush()
		clock.Advance(6 * time.Second)
		if n := strings.Count(forYou(b), "badge--read"); n != 2 {
			t.Errorf("on the second instance after the batch and the TTL, for you marks %d read, want 2", n)
		}
		if n := strings.Count(forYou(a), "badge--read"); n != 2 {
			t.Errorf("for you here marks %d read, want 2", n)
		}
	})
}

// TestForYouWaitingReads: reads are written in batches, and a For-you
// page counts the reader's own reads still waiting in this instance's
// batch as the store will, without writing the batch: another member's
// read — one whose id shares the reader's slot of read counts — shows
// nowhere on the reader's page, the reader's own read shows at once,
// read mark and related reading, and a read the batch will drop
// (history cleared after it, or paused, or resumed after it) shows as
// it will once written: not at all.
func TestForYouWaitingReads(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock{now}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock := clocktest.New(now)
		// Never written by the interval: only a Flush (or a pause) writes.
		rec := insights.New(db, insights.Options{Interval: time.Hour, Clock: clock})
		t.Cleanup(rec.Close)
		s := newSite(t, db, func(c *mhttp.Config, d *mhttp.Deps) {
			d.Curator, d.Accounts, d.Newsletters, d.Clock, d.Insights = db, db, db, clock, rec
			c.Accounts.SessionCacheTTL = 5 * time.Second
		})
		reader, err := db.EnsureMember(ctx, "reader@example.com", masthead.RoleNone)
		if err != nil {
			t.Fatal(err)
		}
		// Among 1,024 new members, one has an id in the reader's slot.
		bulk := make([]store.BulkMember, 1024)
		for i := range bulk {
			bulk[i] = store.BulkMember{Email: fmt.Sprintf("neighbour%04d@example.com", i), Verified: true, Created: now}
		}
		ids, err := db.InsertMembers(ctx, bulk, "test")
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(ids, func(id int64) bool { return id != reader.ID && id%1024 == reader.ID%1024 })
		if i < 0 {
			t.Fatalf("no member shares the reader's slot (reader %d, ids %d…%d)", reader.ID, ids[0], ids[len(ids)-1])
		}
		neighbour := ids[i]
		token, hash := masthead.NewToken()
		if err := db.CreateSession(ctx, neighbour, hash, now.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		// Two related articles in a topic the reader does not follow.
		for _, a := range []struct{ slug, title, body string }{
			{"copper-strike", "Copper miners strike at Escondida", "Escondida copper miners walked out; Antofagasta smelters wait for ore."},
			{"copper-analysis", "What the Escondida copper strike means", "The strike by Escondida copper miners starves Antofagasta smelters of ore."},
		} {
			mustCreate(t, db, masthead.ArticleInput{Slug: a.slug, Title: a.title, BodyMarkdown: a.body,
				AuthorSlugs: []string{"ada-lovelace"}, TopicSlugs: []string{"mining"}, Access: masthead.AccessFree,
				Status: masthead.StatusPublished, PublishedAt: now.Add(-3 * time.Hour)})
		}
		if _, err := db.RelateArticles(ctx); err != nil {
			t.Fatal(err)
		}
		for _, topic := range []string{"economy", "energy"} {
			wantSeeOther(t, s.post(t, s.reader, "/follow", url.Values{"kind": {"topic"}, "slug": {topic}, "next": {"/for-you"}}), "/for-you")
		}
		read := func(token, slug string) {
			t.Helper()
			if res, _ := s.page(t, token, "/articles/"+slug); res.StatusCode != 200 {
				t.Fatalf("%s: %d", slug, res.StatusCode)
			}
		}
		history := func(do string) {
			t.Helper()
			wantSeeOther(t, s.post(t, s.reader, "/account/history", url.Values{"do": {do}}), "/account?saved=history#history")
		}
		written := rec.Written()
		// forYou returns the reader's page: how many articles it marks
		// read and whether it lists copper-analysis as related reading.
		// The page writes no batch.
		forYou := func(step string) (int, bool) {
			t.Helper()
			res, body := s.page(t, s.reader, "/for-you")
			if res.StatusCode != 200 || !strings.Contains(body, "A free daily analysis") {
				t.Fatalf("%s: for you: %d\n%s", step, res.StatusCode, body)
			}
			if got := rec.Written(); got != written {
				t.Errorf("%s: the render wrote the batch (%d events written, were %d)", step, got, written)
			}
			_, related, _ := strings.Cut(body, "Related to what you read")
			return strings.Count(body, "badge--read"), strings.Contains(related, "/articles/copper-analysis")
		}

		// The neighbour reads; the read waits, in the reader's slot, and
		// shows nowhere on the reader's page.
		before := rec.ReadsOf(reader.ID)
		read(token, "free-daily")
		if len(rec.WaitingReads(neighbour, nil)) == 0 {
			t.Fatal("the neighbour's read does not wait")
		}
		if shared := rec.ReadsOf(reader.ID); shared == before {
			t.Fatal("the neighbour's read is not counted in the reader's slot")
		}
		if marks, related := forYou("the neighbour's read waiting"); marks != 0 || related {
			t.Errorf("with the neighbour's read waiting, the reader's page marks %d read, related reading %v", marks, related)
		}

		// The reader's own reads show at once, their batch unwritten.
		read(s.reader, "free-daily")
		read(s.reader, "copper-strike")
		if marks, related := forYou("the reader's reads waiting"); marks != 1 || !related {
			t.Errorf("right after reading, for you marks %d read (want 1), related reading %v (want true)", marks, related)
		}
		if len(rec.WaitingReads(neighbour, nil)) == 0 {
			t.Error("the neighbour's read was written by the reader's render")
		}

		// Cleared: the batch will drop the reads from before the clear.
		history("clear")
		if marks, related := forYou("cleared"); marks != 0 || related {
			t.Errorf("after a clear, for you marks %d read, related reading %v; want none", marks, related)
		}

		// Paused (which writes the batch first): a read made while paused
		// is dropped, and so it is still when resumed at its time.
		clock.Advance(time.Second)
		history("pause")
		written = rec.Written()
		read(s.reader, "free-daily")
		if marks, _ := forYou("paused"); marks != 0 {
			t.Errorf("a read made while paused: for you marks %d read, want 0", marks)
		}
		history("resume")
		if marks, _ := forYou("resumed"); marks != 0 {
			t.Errorf("a read made while paused, resumed at its time: for you marks %d read, want 0", marks)
		}
		clock.Advance(time.Second)
		read(s.reader, "free-daily")
		if marks, _ := forYou("read after resuming"); marks != 1 {
			t.Errorf("a read after resuming: for you marks %d read, want 1", marks)
		}

		// Written, the store agrees with what the page showed, and the
		// neighbour's read is in their own history.
		rec.Flush()
		if rec.Written() == written {
			t.Error("the flush wrote nothing")
		}
		want := map[int64][]string{reader.ID: {"free-daily"}, neighbour: {"free-daily"}}
		for id, slugs := range want {
			h, err := db.History(ctx, id, now.Add(time.Minute), 10)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range h {
				got = append(got, r.Article.Slug)
			}
			if !slices.Equal(got, slugs) {
				t.Errorf("member %d's history %v, want %v", id, got, slugs)
			}
		}
	})
}
