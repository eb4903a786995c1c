package http_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/api"
	mhttp "masthead/http"
	"masthead/mail"
	"masthead/store"
	"masthead/store/storetest"
)

// TestSiteSettingsShown: what staff save in the site settings replaces
// the started values on the pages, on a running instance too (after the
// content version moves, with the page cache emptied), and a setting
// not set keeps the started value.
func TestSiteSettingsShown(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock{now}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mustCreate(t, db, masthead.ArticleInput{Title: "Ports", Slug: "ports", BodyMarkdown: strings.Repeat("A paragraph of text.\n\n", 8),
			Access: masthead.AccessFree, Status: masthead.StatusPublished, PublishedAt: now.Add(-time.Hour)})
		srv := mhttp.New(mhttp.Config{SiteName: "The Test Review", Tagline: "Started tagline", BaseURL: "https://news.example", Location: zone},
			mhttp.Deps{Articles: db, Taxonomy: db, Members: db, Clock: fixedClock{now}, Settings: db})
		t.Cleanup(func() { srv.Close() })
		s := &site{db: db, srv: srv, h: srv.Handler()}
		if _, body := s.get(t, "/"); !strings.Contains(body, "The Test Review") || strings.Contains(body, "site-settings.css") {
			t.Fatalf("before any settings: %s", excerptOf(body))
		}
		if _, err := db.SaveSettings(ctx, masthead.SiteSettings{Name: "The Harbour Gazette", Accent: "#0a5c36",
			FooterLinks: []masthead.Link{{Label: "About us", URL: "/about"}},
			Social:      []masthead.Link{{Label: "Mastodon", URL: "https://social.example/@harbour"}},
			AdsHTML:     `<p class="harbour-ad">Ferry tickets</p>`}, 0); err != nil {
			t.Fatal(err)
		}
		// The running instance sees the save once its poller does.
		deadline := time.Now().Add(10 * time.Second)
		var body string
		for time.Now().Before(deadline) {
			if _, body = s.get(t, "/"); strings.Contains(body, "The Harbour Gazette") {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		for _, want := range []string{"<title>The Harbour Gazette — Started tagline</title>", `href="/about">About us</a>`,
			`href="https://social.example/@harbour"`, `href="/site-settings.css?v=`} {
			if !strings.Contains(body, want) {
				t.Errorf("home page lacks %q", want)
			}
		}
		if res, css := s.get(t, "/site-settings.css"); res.StatusCode != 200 || !strings.Contains(css, "--accent:#0a5c36") {
			t.Errorf("accent stylesheet: %d %q", res.StatusCode, css)
		}
		if _, page := s.get(t, "/articles/ports"); !strings.Contains(page, `<p class="harbour-ad">Ferry tickets</p>`) {
			t.Error("the article page lacks the ads' HTML of the settings")
		}
	})
}

func excerptOf(s string) string {
	if len(s) > 300 {
		return s[:300]
	}
	return s
}

// TestSiteSettingsEverywhere: the name, tagline and logo saved in the
// settings reach what the pages' templates do not draw: the feeds, the
// structured data, the news sitemap and the emails, on every instance.
// Two servers share one database; a save through either is seen by the
// other once it follows the content version, as its poller does.
func TestSiteSettingsEverywhere(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock{now}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		mustCreate(t, db, masthead.ArticleInput{Title: "Ferries", Slug: "ferries", BodyMarkdown: "The ferries run again.",
			Access: masthead.AccessFree, Status: masthead.StatusPublished, PublishedAt: now.Add(-time.Hour)})
		if _, err := db.EnsureMember(ctx, "reader@example.com", masthead.RoleNone); err != nil {
			t.Fatal(err)
		}
		var sites []*site
		var outboxes []*mail.Outbox
		for range 2 {
			outbox := mail.NewOutbox(0, nil)
			srv := mhttp.New(mhttp.Config{SiteName: "The Test Review", Tagline: "Started tagline", BaseURL: "https://news.example", Location: zone,
				Sender: "The Test Review <no-reply@news.example>"},
				mhttp.Deps{Articles: db, Taxonomy: db, Members: db, Clock: fixedClock{now}, Settings: db, Mailer: outbox})
			t.Cleanup(func() { srv.Close() })
			sites, outboxes = append(sites, &site{db: db, srv: srv, h: srv.Handler()}), append(outboxes, outbox)
		}
		// Both instances have served the started name, and cached it.
		for _, s := range sites {
			for _, p := range []string{"/feed.xml", "/atom.xml", "/articles/ferries", "/sitemaps/news.xml"} {
				if _, body := s.get(t, p); !strings.Contains(body, "The Test Review") {
					t.Fatalf("%s before the settings lacks the started name", p)
				}
			}
		}
		if _, err := db.SaveSettings(ctx, masthead.SiteSettings{Name: "The Harbour Gazette", Tagline: "News of the harbour",
			LogoURL: "/media/logo.svg"}, 0); err != nil {
			t.Fatal(err)
		}
		for i, s := range sites {
			if err := s.srv.FollowContent(ctx); err != nil {
				t.Fatal(err)
			}
			wants := map[string][]string{
				"/feed.xml": {"<title>The Harbour Gazette</title>", "<description>News of the harbour</description>",
					"<url>https://news.example/media/logo.svg</url>"},
				"/atom.xml": {"<title>The Harbour Gazette</title>", "<subtitle>News of the harbour</subtitle>",
					"<logo>https://news.example/media/logo.svg</logo>", "<name>The Harbour Gazette</name>"},
				"/articles/ferries": {`"publisher":{"@type":"Organization","name":"The Harbour Gazette","url":"https://news.example/","logo":"https://news.example/media/logo.svg"}`,
					`<meta property="og:site_name" content="The Harbour Gazette">`},
				"/":                  {`"@type":"WebSite","name":"The Harbour Gazette"`, `"logo":"https://news.example/media/logo.svg"`},
				"/sitemaps/news.xml": {"<news:name>The Harbour Gazette</news:name>"},
				"/topics":            {"Topics covered by The Harbour Gazette."},
			}
			for p, want := range wants {
				_, body := s.get(t, p)
				for _, w := range want {
					if !strings.Contains(body, w) {
						t.Errorf("instance %d: %s lacks %q", i, p, w)
					}
				}
				if strings.Contains(body, "The Test Review") {
					t.Errorf("instance %d: %s still names the started site", i, p)
				}
			}
			// A sign-in email sent by this instance's workers.
			j := masthead.Job{Kind: masthead.JobSignInEmail, Payload: []byte(`{"email":"reader@example.com","purpose":"signin"}`)}
			if err := s.srv.JobHandlers()[masthead.JobSignInEmail](ctx, j); err != nil {
				t.Fatal(err)
			}
			m := outboxes[i].Messages()
			if len(m) != 1 || !strings.Contains(m[0].Email.Subject, "The Harbour Gazette") || strings.Contains(m[0].Email.Text, "The Test Review") {
				t.Errorf("instance %d: sign-in email %+v", i, m)
			} else if from := m[0].Email.Headers["From"]; from != `"The Harbour Gazette" <no-reply@news.example>` {
				t.Errorf("instance %d: sign-in email from %q, want the settings' name and the started address", i, from)
			}
		}
	})
}

// TestSearchRecencySetting: the site's search and the Content API's rank
// recent articles as the settings in force say: by default a little
// above older ones about as relevant, and by relevance alone once staff
// choose so, on the instance at its next reading of the settings.
func TestSearchRecencySetting(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock{now}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		create := func(slug string, n int, age time.Duration) {
			mustCreate(t, db, masthead.ArticleInput{Title: "Coast notes " + slug, Slug: slug, Access: masthead.AccessFree,
				BodyMarkdown: strings.Repeat("The lighthouse stood. ", n) + strings.Repeat("Waves broke on rocks. ", 20-n),
				Status:       masthead.StatusPublished, PublishedAt: now.Add(-age)})
		}
		create("older", 11, 2*365*24*time.Hour)
		create("recent", 10, 24*time.Hour)
		srv := mhttp.New(mhttp.Config{SiteName: "The Test Review", BaseURL: "https://news.example", Location: zone},
			mhttp.Deps{Articles: db, Taxonomy: db, Members: db, Clock: fixedClock{now}, Settings: db, Search: db})
		t.Cleanup(func() { srv.Close() })
		s := &site{db: db, srv: srv, h: srv.Handler()}
		secret, hash, hint := masthead.NewAPIKeySecret(masthead.APIKeyContent)
		admin, err := db.EnsureMember(ctx, "keys@example.com", masthead.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateAPIKey(ctx, masthead.APIKeyInput{Kind: masthead.APIKeyContent, Name: "Search", CreatedBy: admin.ID}, hash, hint); err != nil {
			t.Fatal(err)
		}
		content := api.New(api.Config{BaseURL: "https://news.example"},
			api.Deps{Articles: db, Taxonomy: db, Members: db, Keys: db, Search: db, Clock: fixedClock{now}, Recency: srv.SearchRecency})
		order := func() (site, apiOrder string) {
			t.Helper()
			_, body := s.get(t, "/search.json?q=lighthouse")
			r := httptest.NewRequest(http.MethodGet, "/api/content/v1/search?q=lighthouse", nil)
			r.Header.Set("Authorization", "Bearer "+secret)
			w := httptest.NewRecorder()
			content.ServeHTTP(w, r)
			first := func(b string) string {
				o, r := strings.Index(b, `"older"`), strings.Index(b, `"recent"`)
				switch {
				case o < 0 || r < 0:
					return "missing: " + b
				case o < r:
					return "older"
				}
				return "recent"
			}
			return first(body), first(w.Body.String())
		}
		if a, b := order(); a != "recent" || b != "recent" {
			t.Errorf("not set: first %s on the site, %s in the API; want the recent article a little lifted", a, b)
		}
		if _, err := db.SaveSettings(ctx, masthead.SiteSettings{SearchRecency: masthead.RecencyNone}, 0); err != nil {
			t.Fatal(err)
		}
		if err := srv.FollowContent(ctx); err != nil {
			t.Fatal(err)
		}
		if a, b := order(); a != "older" || b != "older" {
			t.Errorf("relevance alone: first %s on the site, %s in the API; want the older, more relevant article", a, b)
		}
	})
}
