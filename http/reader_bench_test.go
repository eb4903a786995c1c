package http_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
	"masthead/store"
	"masthead/store/storetest"
)

// BenchmarkReaderPage measures the article page for each kind of reader in
// one run, on SQLite: the anonymous page (from the page cache), a verified
// member on the meter (session, entitlement and meter lookups, then a
// private render), a member who unlocked the article, a subscriber, and a
// browser holding a registration unlock. The target is that a signed-in
// page serves at least half the anonymous rate; compare ns/op.
func BenchmarkReaderPage(b *testing.B) {
	db := storetest.Open(b, "sqlite", store.Options{Clock: fixedClock{now}})
	ctx := context.Background()
	body := strings.Repeat("A paragraph of analysis that runs to a good length, as the house style asks. ", 12)
	var ins []masthead.ArticleInput
	for i := range 500 {
		ins = append(ins, masthead.ArticleInput{
			Slug: fmt.Sprintf("piece-%05d", i), Title: fmt.Sprintf("Piece number %d", i), Dek: "A dek.",
			BodyMarkdown: strings.Repeat(body+"\n\n", 15), AuthorSlugs: []string{"ada-lovelace"},
			TopicSlugs: []string{fmt.Sprintf("topic-%d", i%20)}, ColumnSlug: fmt.Sprintf("column-%d", i%8),
			Access: masthead.AccessMetered, Status: masthead.StatusPublished,
			PublishedAt: now.Add(-time.Duration(i) * time.Hour),
		})
	}
	if _, err := db.UpsertArticles(ctx, ins); err != nil {
		b.Fatal(err)
	}
	srv := mhttp.New(mhttp.Config{SiteName: "Bench", BaseURL: "https://bench.example"},
		mhttp.Deps{Articles: db, Taxonomy: db, Members: db, Clock: fixedClock{now},
			Meter: db, Entitlements: db, Accounts: db, Limiter: db, Resolver: newFakeDNS()})
	b.Cleanup(func() { srv.Close() })
	h := srv.Handler()

	session := func(email string) string {
		token, hash := masthead.NewToken()
		if err := db.CreateSignInToken(ctx, email, hash, now.Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
		m, err := db.ConsumeSignInToken(ctx, hash)
		if err != nil {
			b.Fatal(err)
		}
		token, hash = masthead.NewToken()
		if err := db.CreateSession(ctx, m.ID, hash, now.Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
		if strings.HasPrefix(email, "subscriber") {
			if _, err := db.GrantEntitlement(ctx, masthead.Entitlement{MemberID: m.ID, Source: masthead.EntitlementDemo, StartsAt: now.Add(-time.Hour)}); err != nil {
				b.Fatal(err)
			}
		}
		if strings.HasPrefix(email, "unlocked") {
			a, _ := db.Article(ctx, "piece-00007")
			if _, err := db.SpendCredit(ctx, m.ID, a.ID, now.AddDate(0, -1, 0), 3, now); err != nil {
				b.Fatal(err)
			}
		}
		return mhttp.SessionCookie + "=" + token
	}
	rec := httptest.NewRecorder()
	reg := httptest.NewRequest("POST", "/register", strings.NewReader("email=device%40example.com&article=piece-00007"))
	reg.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(rec, reg)
	device := ""
	for _, c := range rec.Result().Cookies() {
		if c.Name == mhttp.DeviceCookie {
			device = c.Name + "=" + c.Value
		}
	}
	if device == "" {
		b.Fatalf("registration: %d, no device cookie", rec.Code)
	}

	readers := []struct {
		name, cookie, want string
	}{
		{"anonymous", "", "Keep reading for free"},
		{"member-on-meter", session("member@example.com"), "free articles left"},
		{"member-unlocked", session("unlocked@example.com"), "article__body prose article-gated"},
		{"subscriber", session("subscriber@example.com"), "article__body prose article-gated"},
		{"registered-browser", device, "article__body prose article-gated"},
	}
	for _, c := range readers {
		b.Run(c.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/articles/piece-00007", nil)
			if c.cookie != "" {
				r.Header.Set("Cookie", c.cookie)
			}
			check := httptest.NewRecorder()
			h.ServeHTTP(check, r)
			if check.Code != 200 || !strings.Contains(check.Body.String(), c.want) {
				b.Fatalf("status %d, page lacks %q", check.Code, c.want)
			}
			b.SetBytes(int64(check.Body.Len()))
			b.ReportAllocs()
			b.ResetTimer()
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
		})
	}

	// The same over real connections on loopback, as a reader's browser
	// meets it: the ratio of the rates is what the target is about.
	ts := httptest.NewServer(h)
	b.Cleanup(ts.Close)
	for _, c := range readers {
		b.Run("http/"+c.name, func(b *testing.B) {
			client := ts.Client()
			client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("GET", ts.URL+"/articles/piece-00007", nil)
					if c.cookie != "" {
						req.Header.Set("Cookie", c.cookie)
					}
					res, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 {
						b.Fatalf("status %d", res.StatusCode)
					}
				}
			})
		})
	}
}
