package http_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"masthead"
	mhttp "masthead/http"
	"masthead/store"
	"masthead/store/storetest"
)

// TestHomeArranged: the lead and pinned stories an editor chose lead the
// home page, the sections come in their order, and "Latest" holds what
// is nowhere else — a briefing without a topic that went live on its
// schedule; a lead that is not live falls back to the newest daily.
func TestHomeArranged(t *testing.T) {
	clock := &movingClock{t: now}
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		add := func(slug, title string, kind masthead.Kind, topics []string, at time.Time, status masthead.Status) {
			mustCreate(t, db, masthead.ArticleInput{Slug: slug, Title: title, BodyMarkdown: "Text.", Kind: kind, TopicSlugs: topics,
				Status: status, PublishedAt: at})
		}
		pub := masthead.StatusPublished
		add("old-feature", "An old feature", masthead.KindInDepth, []string{"ports"}, now.Add(-72*time.Hour), pub)
		add("newest-daily", "The newest daily", masthead.KindDaily, []string{"ports"}, now.Add(-time.Hour), pub)
		add("pinned-one", "A pinned story", masthead.KindDaily, nil, now.Add(-48*time.Hour), pub)
		add("ship-news", "Ships arrive", masthead.KindDaily, []string{"shipping"}, now.Add(-3*time.Hour), pub)
		add("later-lead", "A lead not live yet", masthead.KindDaily, nil, now.Add(time.Hour), masthead.StatusScheduled)
		add("briefing", "A briefing without a topic", masthead.KindBriefing, nil, now.Add(-time.Minute), masthead.StatusScheduled)

		srv := mhttp.New(mhttp.Config{SiteName: "The Test Review", BaseURL: "https://news.example", Location: zone, PageCacheBytes: -1},
			mhttp.Deps{Articles: db, Taxonomy: db, Members: db, Clock: clock, Settings: db})
		t.Cleanup(func() { srv.Close() })
		s := &site{db: db, srv: srv, h: srv.Handler()}

		_, body := s.get(t, "/")
		if !strings.Contains(body, "A briefing without a topic") {
			t.Error("a live briefing without a topic is missing from the home page")
		}

		if err := db.SaveHomeLayout(ctx, masthead.HomeLayout{Lead: "old-feature", Pinned: []string{"pinned-one"},
			Sections: []masthead.HomeSection{{Source: "topic", Slug: "shipping", Count: 2}, {Source: "kind", Slug: "in-depth", Count: 3}}}, 0); err != nil {
			t.Fatal(err)
		}
		srv2 := mhttp.New(mhttp.Config{SiteName: "The Test Review", BaseURL: "https://news.example", Location: zone, PageCacheBytes: -1},
			mhttp.Deps{Articles: db, Taxonomy: db, Members: db, Clock: clock, Settings: db})
		t.Cleanup(func() { srv2.Close() })
		s = &site{db: db, srv: srv2, h: srv2.Handler()}
		_, body = s.get(t, "/")
		order := []string{`id="h-daily">Top story`, "An old feature", "A pinned story", `>Shipping</a></h2>`, "Ships arrive",
			`id="h-latest">Latest`, "A briefing without a topic", "The newest daily"}
		at := 0
		for _, want := range order {
			i := strings.Index(body[at:], want)
			if i < 0 {
				t.Fatalf("home page lacks %q after position %d: %s", want, at, body[at:])
			}
			at += i
		}
		if strings.Count(body, ">An old feature<") != 1 {
			t.Error("the lead appears twice")
		}
		if strings.Contains(body, `id="h-section-kind-in-depth"`) {
			t.Error("an in-depth section with its only article already leading")
		}

		// A lead not live yet: the newest daily leads until it is.
		if err := db.SaveHomeLayout(ctx, masthead.HomeLayout{Lead: "later-lead"}, 0); err != nil {
			t.Fatal(err)
		}
		srv3 := mhttp.New(mhttp.Config{SiteName: "The Test Review", BaseURL: "https://news.example", Location: zone, PageCacheBytes: -1},
			mhttp.Deps{Articles: db, Taxonomy: db, Members: db, Clock: clock, Settings: db})
		t.Cleanup(func() { srv3.Close() })
		s = &site{db: db, srv: srv3, h: srv3.Handler()}
		_, body = s.get(t, "/")
		if i := strings.Index(body, `id="h-daily">Daily analysis`); i < 0 || !strings.Contains(body[i:i+2000], "The newest daily") ||
			strings.Contains(body, "A lead not live yet") {
			t.Error("a lead not live yet: the newest daily should lead and the lead stay hidden")
		}
		err := db.SaveHomeLayout(ctx, masthead.HomeLayout{Lead: "nothing-here", Sections: []masthead.HomeSection{{Source: "topic", Slug: "none", Count: 2}}}, 0)
		if f := masthead.ErrorFields(err); f["lead"] == "" || f["sections"] == "" {
			t.Errorf("unknown lead and topic: %v", err)
		}
	})
}

// movingClock is a clock a test may move.
type movingClock struct{ t time.Time }

func (c *movingClock) Now() time.Time { return c.t }
