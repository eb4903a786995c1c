package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
	"masthead/store"
	"masthead/store/storetest"
)

// BenchmarkForYou measures, on SQLite over a library of 50,000 articles
// (200 topics, 50 regions, 40 columns, 300 authors) and 100,000 members
// (each following a topic), the For-you page of a reader who follows 20
// of them, beside the anonymous article page from the page cache, in one
// run; the target is at least half the anonymous rate (compare ns/op, or
// cpu-ns/op, the process's CPU time per page, which a loaded machine
// distorts less). "for-you" is the page as a reader reloading it gets it
// (kept as rendered for their state); "for-you/uncached" turns the
// reader caches off, so every request reads the session, runs the
// For-you query, the related reading and the read marks, and renders.
func BenchmarkForYou(b *testing.B) {
	db := storetest.Open(b, "sqlite", store.Options{Clock: fixedClock{now}})
	ctx := context.Background()
	n := 50000
	if testing.Short() {
		n = 5000 // a quick look; the figures are 50,000's
	}
	ins := make([]masthead.ArticleInput, 0, 1000)
	for i := range n {
		ins = append(ins, masthead.ArticleInput{
			Slug: fmt.Sprintf("piece-%05d", i), Title: fmt.Sprintf("Piece number %d", i), Dek: "A dek.",
			BodyMarkdown: "A short body for the benchmark's library.", AuthorSlugs: []string{fmt.Sprintf("author-%d", i%300)},
			TopicSlugs: []string{fmt.Sprintf("topic-%d", i%200)}, RegionSlugs: []string{fmt.Sprintf("region-%d", i%50)},
			ColumnSlug: fmt.Sprintf("column-%d", i%40), Access: masthead.AccessMetered, Status: masthead.StatusPublished,
			PublishedAt: now.Add(-time.Duration(i) * time.Minute), By: masthead.ArticleActor{Via: masthead.ChangeViaImport},
		})
		if len(ins) == cap(ins) {
			if _, err := db.UpsertArticles(ctx, ins); err != nil {
				b.Fatal(err)
			}
			ins = ins[:0]
		}
	}
	members := 100000
	if testing.Short() {
		members = 10000
	}
	bulk := make([]store.BulkMember, members)
	emails := make([][]string, 200)
	for i := range bulk {
		e := fmt.Sprintf("member%06d@example.com", i)
		bulk[i] = store.BulkMember{Email: e, Verified: true, Created: now.Add(-time.Hour)}
		emails[i%200] = append(emails[i%200], e)
	}
	if _, err := db.InsertMembers(ctx, bulk, "benchmark"); err != nil {
		b.Fatal(err)
	}
	for i, es := range emails {
		if err := db.FollowAll(ctx, es, masthead.FollowTopic, fmt.Sprintf("topic-%d", i), masthead.AlertOff, now); err != nil {
			b.Fatal(err)
		}
	}
	m, err := db.EnsureMember(ctx, "reader@example.com", masthead.RoleNone)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 5 {
		for _, f := range []struct {
			kind masthead.FollowKind
			slug string
		}{
			{masthead.FollowTopic, fmt.Sprintf("topic-%d", 7+i*31)},
			{masthead.FollowRegion, fmt.Sprintf("region-%d", 3+i*7)},
			{masthead.FollowColumn, fmt.Sprintf("column-%d", 1+i*5)},
			{masthead.FollowAuthor, fmt.Sprintf("author-%d", 11+i*53)},
		} {
			if err := db.Follow(ctx, m.ID, f.kind, f.slug, masthead.AlertOff, now); err != nil {
				b.Fatal(err)
			}
		}
	}
	for i := range 5 {
		a, err := db.Article(ctx, fmt.Sprintf("piece-%05d", 100+i))
		if err != nil {
			b.Fatal(err)
		}
		db.RecordRead(ctx, m.ID, a.ID, now)
	}
	token, hash := masthead.NewToken()
	if err := db.CreateSession(ctx, m.ID, hash, now.Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	site := func(ttl time.Duration) http.Handler {
		srv := mhttp.New(mhttp.Config{SiteName: "Bench", BaseURL: "https://bench.example", Accounts: mhttp.AccountConfig{SessionCacheTTL: ttl}},
			mhttp.Deps{Articles: db, Taxonomy: db, Members: db, Clock: fixedClock{now}, Meter: db, Entitlements: db,
				Accounts: db, Curator: db})
		b.Cleanup(func() { srv.Close() })
		return srv.Handler()
	}
	run := func(b *testing.B, h http.Handler, target, token string) {
		r := httptest.NewRequest("GET", target, nil)
		if token != "" {
			r.Header.Set("Cookie", mhttp.SessionCookie+"="+token)
		}
		w := &discardWriter{h: http.Header{}}
		h.ServeHTTP(w, r)
		if w.code != 200 {
			b.Fatalf("%s: status %d", target, w.code)
		}
		b.SetBytes(int64(w.n))
		b.ReportAllocs()
		b.ResetTimer()
		cpu0 := processCPU()
		defer func() { b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op") }()
		b.RunParallel(func(pb *testing.PB) {
			w := &discardWriter{h: http.Header{}}
			for pb.Next() {
				clear(w.h)
				h.ServeHTTP(w, r)
				if w.code != 200 {
					b.Fatalf("status %d", w.code)
				}
			}
		})
	}
	cached := site(0)
	b.Run("anonymous-article", func(b *testing.B) { run(b, cached, "/articles/piece-00007", "") })
	b.Run("for-you", func(b *testing.B) { run(b, cached, "/for-you", token) })
	b.Run("for-you/uncached", func(b *testing.B) { run(b, site(-1), "/for-you", token) })
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
