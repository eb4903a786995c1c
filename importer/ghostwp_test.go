package importer_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/importer"
	"masthead/store"
	"masthead/store/storetest"
)

// findFixture returns the path of a shared export fixture, looked for in
// ../shared/fixtures from the project's root, or "".
func findFixture(rel string) string {
	dir, _ := os.Getwd()
	for range 6 {
		p := filepath.Join(dir, "..", "shared", "fixtures", rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		dir = filepath.Dir(dir)
	}
	return ""
}

// fixture is findFixture, skipping the test when the fixture is absent.
func fixture(t testing.TB, rel string) string {
	t.Helper()
	p := findFixture(rel)
	if p == "" {
		t.Skipf("fixture %s not found in ../shared/fixtures (a clone without the shared fixtures)", rel)
	}
	return p
}

func importFixture(t *testing.T, db *store.DB, rel string, opt importer.ExportOptions) importer.ExportReport {
	t.Helper()
	opt.Clock = fixedClock(now)
	start := time.Now()
	rep, err := importer.ImportExport(context.Background(), db, fixture(t, rel), opt)
	if err != nil {
		t.Fatalf("import %s: %v", rel, err)
	}
	t.Logf("%s: %d posts, %d pages in %s (%s)", rel, rep.Posts, rep.Pages, time.Since(start).Round(time.Millisecond), db.Engine())
	return rep
}

func mustArticle(t *testing.T, db *store.DB, slug string) *masthead.Article {
	t.Helper()
	a, err := db.Article(context.Background(), slug)
	if err != nil {
		t.Fatalf("article %q: %v", slug, err)
	}
	return a
}

func wantRedirect(t *testing.T, db *store.DB, from, to string) {
	t.Helper()
	got, err := db.LegacyRedirect(context.Background(), masthead.LegacyPath(from, ""), now)
	if err != nil || got != to {
		t.Errorf("redirect %s = %q, %v; want %q", from, got, err, to)
	}
}

func TestImportGhostFixtures(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock(now)}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rep := importFixture(t, db, "ghost/v4_export.json", importer.ExportOptions{})
		if rep.Posts != 7 || rep.Pages != 4 || rep.Summary.Created != 11 {
			t.Errorf("v4 export: %+v, want 7 posts and 4 pages created", rep)
		}
		sell := mustArticle(t, db, "sell")
		if sell.Access != masthead.AccessSubscribers {
			t.Errorf("paid post: access %s, want subscribers", sell.Access)
		}
		welcome := mustArticle(t, db, "welcome")
		if welcome.Access != masthead.AccessFree || welcome.Status != masthead.StatusPublished {
			t.Errorf("public post: %s %s", welcome.Access, welcome.Status)
		}
		if !strings.Contains(welcome.BodyMarkdown, "**Hey there**") || !strings.Contains(welcome.BodyHTML, "<strong>Hey there</strong>") {
			t.Errorf("welcome body lost its emphasis:\n%s", welcome.BodyMarkdown)
		}
		// __GHOST_URL__/welcome/ in another post points at the new page.
		design := mustArticle(t, db, "design")
		if !strings.Contains(design.BodyMarkdown, "(/articles/welcome)") {
			t.Errorf("link to another post not rewritten:\n%s", design.BodyMarkdown)
		}
		if want := time.Date(2021, 3, 24, 4, 34, 15, 0, time.UTC); !welcome.PublishedAt.Equal(want) {
			t.Errorf("published %v, want %v", welcome.PublishedAt, want)
		}
		if want := time.Date(2021, 3, 24, 4, 34, 9, 0, time.UTC); !welcome.UpdatedAt.Equal(want) {
			t.Errorf("updated %v, want the old site's %v", welcome.UpdatedAt, want)
		}
		if len(welcome.Authors) != 1 || welcome.Authors[0].Name != "Ghost" || !strings.Contains(welcome.Authors[0].Bio, "welcome posts") {
			t.Errorf("welcome authors %+v", welcome.Authors)
		}
		if len(welcome.Topics) != 1 || welcome.Topics[0].Slug != "getting-started" || welcome.Topics[0].Name != "Getting Started" {
			t.Errorf("welcome topics %+v", welcome.Topics)
		}
		if welcome.Image.URL != "https://static.ghost.org/v4.0.0/images/welcome-to-ghost.png" || welcome.Image.Alt == "" {
			t.Errorf("feature image %+v", welcome.Image)
		}
		about := mustArticle(t, db, "about")
		if about.Access != masthead.AccessFree {
			t.Errorf("page access %s, want free", about.Access)
		}
		m, err := db.MemberByEmail(ctx, "test@ghost.org")
		if err != nil || m.Role != masthead.RoleAdmin || m.AuthorSlug != "fixture" {
			t.Errorf("owner account %+v, %v; want an admin writing as fixture", m, err)
		}
		wantRedirect(t, db, "/welcome/", "/articles/welcome")
		wantRedirect(t, db, "/about/", "/articles/about")
		wantRedirect(t, db, "/tag/getting-started/", "/topics/getting-started")
		wantRedirect(t, db, "/author/fixture/", "/authors/fixture")

		rep = importFixture(t, db, "ghost/small-export.json", importer.ExportOptions{})
		if rep.Summary.Created != 3 {
			t.Errorf("small export: %+v", rep.Summary)
		}
		lex := mustArticle(t, db, "post-3-lexical")
		if !strings.Contains(lex.BodyHTML, `src="https://example.com/images/lexical-image.jpg"`) {
			t.Errorf("Lexical image lost:\n%s", lex.BodyHTML)
		}
		p2 := mustArticle(t, db, "post-2")
		if p2.Topics[0].Slug != "technology" || p2.Authors[0].Slug != "bob-smith" {
			t.Errorf("post-2 taxonomy %+v %+v", p2.Topics, p2.Authors)
		}

		// Importing again with Update changes nothing but update times.
		rep = importFixture(t, db, "ghost/v4_export.json", importer.ExportOptions{Update: true})
		if rep.Summary.Created != 0 || rep.Summary.Updated != 11 {
			t.Errorf("second import: %+v, want 11 updated", rep.Summary)
		}
		_, n, err := db.Articles(ctx, masthead.ArticleFilter{Limit: 100})
		if err != nil || n != 14 {
			t.Errorf("%d articles after importing again, %v; want 14", n, err)
		}
	})
}

func TestImportWordPressFixtures(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock(now)}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rep := importFixture(t, db, "wordpress/themeunittestdata.wordpress.xml", importer.ExportOptions{
			Map: map[string]string{"classic": "-", "block": "column:blocks", "markup": "formatting"},
		})
		if rep.Posts == 0 || rep.Pages == 0 || rep.Skipped == 0 {
			t.Errorf("report %+v", rep)
		}
		if rep.Warnings["[gallery] shortcode dropped"] == 0 {
			t.Errorf("gallery shortcodes not counted: %v", rep.Warnings)
		}
		pw := mustArticle(t, db, "template-password-protected")
		if pw.Access != masthead.AccessSubscribers {
			t.Errorf("password-protected post: access %s", pw.Access)
		}
		if a := mustArticle(t, db, "draft"); a.Status != masthead.StatusDraft {
			t.Errorf("draft status %s", a.Status)
		}
		if a := mustArticle(t, db, "scheduled"); a.Status != masthead.StatusScheduled || a.PublishedAt.Year() != 2030 {
			t.Errorf("scheduled: %s %v", a.Status, a.PublishedAt)
		}
		more := mustArticle(t, db, "template-more-tag")
		if strings.Contains(more.TeaserHTML, "after the more tag") || !strings.Contains(more.BodyHTML, "after the more tag") {
			t.Errorf("the more tag does not end the teaser:\n%s", more.TeaserHTML)
		}
		caption := mustArticle(t, db, "post-format-image-caption")
		if !strings.Contains(caption.BodyHTML, "<figure>") || !strings.Contains(caption.BodyHTML, "<figcaption>") {
			t.Errorf("[caption] not a figure:\n%s", caption.BodyHTML)
		}
		markup := mustArticle(t, db, "markup-title-with-markup")
		if markup.Title != "Markup: Title With Markup" {
			t.Errorf("title %q kept its markup", markup.Title)
		}
		formatting := mustArticle(t, db, "markup-html-tags-and-formatting")
		for _, want := range []string{"<table>", "<blockquote>", "<h2", "<li>"} {
			if !strings.Contains(formatting.BodyHTML, want) {
				t.Errorf("formatting post lacks %s", want)
			}
		}
		var topics []string
		for _, tp := range formatting.Topics {
			topics = append(topics, tp.Slug)
		}
		if strings.Contains(" "+strings.Join(topics, " ")+" ", " classic ") || !strings.Contains(strings.Join(topics, " "), "formatting") {
			t.Errorf("mapping not applied: topics %v", topics)
		}
		if a := mustArticle(t, db, "block-quotes"); a.Column == nil || a.Column.Slug != "blocks" {
			t.Errorf("category mapped to a column: %+v", a.Column)
		}
		if a := mustArticle(t, db, "about"); a.Access != masthead.AccessFree {
			t.Errorf("page access %s", a.Access)
		}
		if a := mustArticle(t, db, "template-featured-image-horizontal"); !strings.HasSuffix(a.Image.URL, "featured-image-horizontal.jpg") {
			t.Errorf("featured image %+v", a.Image)
		}
		if _, err := db.MemberByEmail(ctx, "themereviewteam@gmail.com"); err != nil {
			t.Errorf("author account: %v", err)
		}
		wantRedirect(t, db, "/?p=996", "/articles/template-more-tag")
		wantRedirect(t, db, "/2012/03/15/template-more-tag/", "/articles/template-more-tag")
		wantRedirect(t, db, "/?page_id=2", "/articles/about")
		wantRedirect(t, db, "/category/markup/", "/topics/formatting")
		wantRedirect(t, db, "/tag/8bit/", "/topics/8bit")

		rep = importFixture(t, db, "wordpress/64-block-test-data.xml", importer.ExportOptions{})
		if rep.Summary.Created == 0 {
			t.Errorf("block test data: %+v", rep.Summary)
		}
		for _, a := range []string{"table", "footnotes", "code"} {
			if strings.Contains(mustArticle(t, db, a).BodyMarkdown, "<!-- wp:") {
				t.Errorf("%s keeps block comments", a)
			}
		}
	})
}

// ghostMembers is a small Ghost 5 export with readers and newsletters.
const ghostMembers = `{"db":[{"meta":{"version":"5.80.0"},"data":{
"posts":[{"id":"p1","title":"Members only","slug":"members-only","html":"<p>Inside.</p>","type":"post","status":"published","visibility":"members","published_at":"2024-05-01T10:00:00.000Z"}],
"newsletters":[{"id":"n1","name":"Weekly","slug":"weekly"}],
"members":[
 {"id":"m1","email":"Reader.One@Example.com","name":"Reader One","created_at":"2023-01-02T03:04:05.000Z"},
 {"id":"m2","email":"two@example.com","name":"","subscribed":false,"created_at":"2023-02-02T03:04:05.000Z"},
 {"id":"m3","email":"three@example.com","subscribed":true,"created_at":"2023-03-02T03:04:05.000Z"}],
"members_newsletters":[{"id":"x","member_id":"m1","newsletter_id":"n1"}]
}}]}`

func TestImportGhostMembers(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock(now)}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "members.json")
		os.WriteFile(path, []byte(ghostMembers), 0o644)
		for i := range 2 { // twice: the accounts of the first are left alone, consents not repeated
			rep, err := importer.ImportExport(ctx, db, path, importer.ExportOptions{Clock: fixedClock(now), Update: i == 1})
			if err != nil {
				t.Fatal(err)
			}
			if created, kept := rep.Summary.Members, rep.Summary.MembersKept; (i == 0 && created != 3) || (i == 1 && (created != 0 || kept != 3)) {
				t.Errorf("import %d: members %+v", i+1, rep.Summary)
			}
		}
		if a := mustArticle(t, db, "members-only"); a.Access != masthead.AccessMetered {
			t.Errorf("members-only post: access %s, want metered", a.Access)
		}
		for email, want := range map[string]int{"reader.one@example.com": 1, "two@example.com": 0, "three@example.com": 1} {
			m, err := db.MemberByEmail(ctx, email)
			if err != nil {
				t.Fatalf("%s: %v", email, err)
			}
			cs, err := db.Consents(ctx, m.ID)
			if err != nil || len(cs) != want {
				t.Fatalf("%s: %d consents, %v; want %d", email, len(cs), err, want)
			}
			if want == 1 && (cs[0].Newsletter != masthead.NewsletterFree || !cs[0].Consented || !strings.Contains(cs[0].Wording, "Ghost")) {
				t.Errorf("%s: consent %+v", email, cs[0])
			}
		}
		one, _ := db.MemberByEmail(ctx, "reader.one@example.com")
		if one.Name != "Reader One" || one.Role != masthead.RoleNone || !one.CreatedAt.Equal(time.Date(2023, 1, 2, 3, 4, 5, 0, time.UTC)) || one.VerifiedAt.IsZero() {
			t.Errorf("subscribed member %+v, want named, joined 2023-01-02 and verified", one)
		}
		if two, _ := db.MemberByEmail(ctx, "two@example.com"); !two.VerifiedAt.IsZero() {
			t.Errorf("unsubscribed member verified: %+v", two)
		}
		// The newsletter core reads consents as subscriptions.
		choices, err := db.NewsletterChoices(ctx, one.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range choices {
			if c.Newsletter.Slug == masthead.NewsletterFree && !c.Subscribed {
				t.Errorf("imported subscriber not subscribed to the free newsletter: %+v", c)
			}
		}
	})
}

// TestImportBadInput checks that a broken export names the place at
// fault and leaves the database as it was.
func TestImportBadInput(t *testing.T) {
	good := `{"db":[{"data":{"posts":[
{"id":"1","title":"Fine","slug":"fine","html":"<p>x</p>","status":"published","published_at":"2024-01-01T00:00:00.000Z"},
{"id":"2","title":"Also fine","slug":"also-fine","html":"<p>y</p>","status":"published","published_at":"2024-01-02T00:00:00.000Z"}]}}]}`
	wxr := `<?xml version="1.0"?>
<rss xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<item><title>One</title><wp:post_id>1</wp:post_id><wp:post_name>one</wp:post_name><wp:post_type>post</wp:post_type><wp:status>publish</wp:status><wp:post_date_gmt>2020-01-01 00:00:00</wp:post_date_gmt><content:encoded><![CDATA[Text]]></content:encoded></item>
<item><title>Two</title><wp:post_id>2</wp:post_id><wp:post_name>two</wp:post_name><wp:post_type>post</wp:post_type><wp:status>publish</wp:status><wp:post_date_gmt>yesterday</wp:post_date_gmt></item>
</channel></rss>`
	cases := []struct {
		name, src string
		want      []string // in the error
	}{
		{"ghost truncated", good[:len(good)/2], []string{":2:", "posts[0]", "truncated"}},
		{"ghost wrong type", strings.Replace(good, `"title":"Also fine"`, `"title":42`, 1), []string{":3:", "db[0].data.posts[1].title", "want text, not number"}},
		{"ghost bad date", strings.Replace(good, `"2024-01-02T00:00:00.000Z"`, `"soon"`, 1), []string{":3:", "posts[1]", `"soon" is not a date`}},
		{"ghost not an export", `{"posts":[]}`, []string{`no "db" or "data"`}},
		{"ghost bad json", "{\n\"db\": [\n{,}]}", []string{":3:", "not valid JSON"}},
		{"wxr bad date", wxr, []string{":4:", `item post "2"`, "yesterday"}},
		{"wxr truncated", wxr[:len(wxr)-40], []string{":", "truncated"}},
		{"wxr not rss", "<?xml version=\"1.0\"?>\n<html><body>wordpress.org/export</body></html>", []string{"<rss>"}},
		{"neither", "hello", []string{"neither a Ghost JSON export nor a WordPress WXR file"}},
	}
	storetest.EachWith(t, store.Options{Clock: fixedClock(now)}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "export")
				os.WriteFile(path, []byte(c.src), 0o644)
				_, err := importer.ImportExport(ctx, db, path, importer.ExportOptions{Clock: fixedClock(now)})
				var es importer.ExportErrors
				if !errors.As(err, &es) {
					t.Fatalf("error %v (%T), want ExportErrors", err, err)
				}
				for _, w := range c.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				if _, n, _ := db.Articles(ctx, masthead.ArticleFilter{}); n != 0 {
					t.Errorf("%d articles written by a failed import", n)
				}
			})
		}
	})
}

// TestImportOneTransaction makes the store fail half-way (a second
// article whose slug another import left to a different article is fine;
// a redirect to an article that does not exist is not) and checks that
// nothing of the bundle was kept.
func TestImportOneTransaction(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock(now)}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		b := &masthead.ImportBundle{
			Authors: []masthead.Author{{Slug: "jo", Name: "Jo"}},
			Articles: []masthead.ArticleInput{
				{Slug: "first", Title: "First", BodyMarkdown: "x", Status: masthead.StatusPublished, PublishedAt: now.Add(-time.Hour)},
			},
			Members:   []masthead.ImportedMember{{Email: "a@example.com"}},
			Redirects: []masthead.LegacyRedirect{{From: "/first", ArticleSlug: "first"}, {From: "/missing", ArticleSlug: "no-such-article"}},
		}
		if _, err := db.ImportBundle(ctx, b); err == nil {
			t.Fatal("import with a redirect to no article succeeded")
		}
		if _, err := db.Article(ctx, "first"); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("article of a failed import: %v", err)
		}
		if _, err := db.MemberByEmail(ctx, "a@example.com"); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("member of a failed import: %v", err)
		}
		if _, err := db.Author(ctx, "jo"); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("author of a failed import: %v", err)
		}
		// An invalid article fails the import before it starts, naming it.
		b.Redirects = b.Redirects[:1]
		b.Articles = append(b.Articles, masthead.ArticleInput{Slug: "Bad Slug", Title: "Bad"})
		_, err := db.ImportBundle(ctx, b)
		if err == nil || !strings.Contains(masthead.ErrorMessage(err)+describeFields(err), "articles[1]") {
			t.Errorf("invalid article: %v %v", err, masthead.ErrorFields(err))
		}
		b.Articles = b.Articles[:1]
		if _, err := db.ImportBundle(ctx, b); err != nil {
			t.Fatal(err)
		}
		wantRedirect(t, db, "/first/", "/articles/first")
	})
}

func describeFields(err error) string {
	var b strings.Builder
	for k, v := range masthead.ErrorFields(err) {
		b.WriteString(k + ": " + v + "\n")
	}
	return b.String()
}
