package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// fixedClock is a clock tests move by hand.
type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

var t0 = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

func mustCreate(t *testing.T, db *store.DB, in masthead.ArticleInput) *masthead.Article {
	t.Helper()
	a, err := db.CreateArticle(context.Background(), in)
	if err != nil {
		t.Fatalf("create %q: %v", in.Slug, err)
	}
	return a
}

func published(slug string, at time.Time) masthead.ArticleInput {
	return masthead.ArticleInput{
		Slug: slug, Title: "Title of " + slug, Dek: "Dek of " + slug,
		BodyMarkdown: "First paragraph of " + slug + ".\n\n## A heading\n\nSecond paragraph.",
		AuthorSlugs:  []string{"ada-lovelace", "grace-hopper"}, ColumnSlug: "the-long-view",
		TopicSlugs: []string{"energy"}, RegionSlugs: []string{"europe"},
		Kind: masthead.KindInDepth, Access: masthead.AccessFree, Status: masthead.StatusPublished,
		PublishedAt: at,
		Names:       map[string]string{"ada-lovelace": "Ada Lovelace", "the-long-view": "The Long View"},
	}
}

func TestArticleRoundTrip(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		in := published("power-lines", t0.Add(-time.Hour))
		in.BodyMarkdown = "Opening words.\n\n<script>alert(1)</script>\n\n[bad](javascript:alert(1))\n\n<img src=x onerror=alert(1)>\n\n<iframe src=\"https://evil.example\"></iframe>"
		a := mustCreate(t, db, in)
		got, err := db.Article(ctx, "power-lines")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != a.ID || got.Title != "Title of power-lines" || got.Kind != masthead.KindInDepth || got.Access != masthead.AccessFree {
			t.Errorf("got %+v", got)
		}
		if !got.PublishedAt.Equal(t0.Add(-time.Hour)) || !got.CreatedAt.Equal(t0) {
			t.Errorf("times: published %v created %v", got.PublishedAt, got.CreatedAt)
		}
		for _, bad := range []string{"<script", "javascript:", "onerror", "<iframe"} {
			if strings.Contains(got.BodyHTML, bad) || strings.Contains(got.TeaserHTML, bad) {
				t.Errorf("body keeps %q: %s", bad, got.BodyHTML)
			}
		}
		if len(got.Authors) != 2 || got.Authors[0].Name != "Ada Lovelace" || got.Authors[1].Name != "Grace Hopper" {
			t.Errorf("authors %+v", got.Authors)
		}
		if got.Column == nil || got.Column.Name != "The Long View" {
			t.Errorf("column %+v", got.Column)
		}
		if len(got.Topics) != 1 || got.Topics[0].Slug != "energy" || len(got.Regions) != 1 || got.Regions[0].Name != "Europe" {
			t.Errorf("topics %+v regions %+v", got.Topics, got.Regions)
		}
		if got.WordCount < 2 {
			t.Errorf("word count %d", got.WordCount)
		}
	})
}

func TestArticleValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, err := db.CreateArticle(ctx, masthead.ArticleInput{Title: "", Slug: "Bad Slug", Access: "everyone", Kind: "op-ed"})
		fields := masthead.ErrorFields(err)
		for _, f := range []string{"title", "slug", "access", "kind"} {
			if fields[f] == "" {
				t.Errorf("no message for %s: %v", f, err)
			}
		}
		mustCreate(t, db, published("taken", t0))
		_, err = db.CreateArticle(ctx, published("taken", t0))
		if masthead.ErrorCode(err) != masthead.ECONFLICT || masthead.ErrorFields(err)["slug"] == "" {
			t.Errorf("duplicate slug: %v", err)
		}
		// Defaults: metered, draft, slug from title.
		a, err := db.CreateArticle(ctx, masthead.ArticleInput{Title: "Über Café: Prices & Wages"})
		if err != nil {
			t.Fatal(err)
		}
		if a.Access != masthead.AccessMetered || a.Status != masthead.StatusDraft || a.Slug != "uber-cafe-prices-wages" {
			t.Errorf("defaults: %+v", a)
		}
	})
}

func TestLiveListsAndScheduling(t *testing.T) {
	clock := &fixedClock{t0}
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i := range 5 {
			mustCreate(t, db, published("old-"+string(rune('a'+i)), t0.Add(-time.Duration(i+1)*24*time.Hour)))
		}
		draft := published("a-draft", time.Time{})
		draft.Status = masthead.StatusDraft
		mustCreate(t, db, draft)
		sched := published("tomorrow", t0.Add(time.Hour))
		sched.Status = masthead.StatusScheduled
		scheduled := mustCreate(t, db, sched)

		list, total, err := db.Articles(ctx, masthead.ArticleFilter{Live: true, Now: t0, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if total != 5 || len(list) != 3 || list[0].Slug != "old-a" || list[2].Slug != "old-c" {
			t.Fatalf("page 1: total %d, %v", total, slugs(list))
		}
		if list[0].BodyHTML != "" || len(list[0].Authors) != 2 {
			t.Errorf("list rows carry bodies or lack authors: %+v", list[0])
		}
		list, _, _ = db.Articles(ctx, masthead.ArticleFilter{Live: true, Now: t0, Limit: 3, Offset: 3})
		if got := slugs(list); got != "old-d old-e" {
			t.Errorf("page 2: %s", got)
		}
		// The scheduled article is live from its time on, before promotion.
		later := t0.Add(2 * time.Hour)
		list, total, _ = db.Articles(ctx, masthead.ArticleFilter{Live: true, Now: later, Limit: 1})
		if total != 6 || list[0].Slug != "tomorrow" {
			t.Errorf("after its time: total %d first %v", total, slugs(list))
		}
		v1, _ := db.ContentVersion(ctx)
		if ok, err := db.PublishScheduled(ctx, scheduled.ID, t0.Add(time.Hour)); err == nil || ok {
			t.Errorf("published before its time: %v %v", ok, err)
		}
		clock.t = later
		defer func() { clock.t = t0 }()
		if ok, err := db.PublishScheduled(ctx, scheduled.ID, t0.Add(time.Minute)); err != nil || ok {
			t.Errorf("published for another time: %v %v", ok, err)
		}
		if ok, err := db.PublishScheduled(ctx, scheduled.ID, t0.Add(time.Hour)); err != nil || !ok {
			t.Errorf("publish: %v %v", ok, err)
		}
		if ok, err := db.PublishScheduled(ctx, scheduled.ID, t0.Add(time.Hour)); err != nil || ok {
			t.Errorf("publish twice: %v %v", ok, err)
		}
		v2, _ := db.ContentVersion(ctx)
		if v2 <= v1 {
			t.Errorf("version did not move: %d → %d", v1, v2)
		}
		a, _ := db.Article(ctx, "tomorrow")
		if a.Status != masthead.StatusPublished {
			t.Errorf("status %s", a.Status)
		}
		// Filters.
		topic, author, col := "energy", "grace-hopper", "the-long-view"
		for name, f := range map[string]masthead.ArticleFilter{
			"topic": {Topic: &topic}, "author": {Author: &author}, "column": {Column: &col},
		} {
			f.Live, f.Now = true, later
			if _, n, err := db.Articles(ctx, f); err != nil || n != 6 {
				t.Errorf("%s filter: %d %v", name, n, err)
			}
		}
		other := "nobody"
		if list, n, _ := db.Articles(ctx, masthead.ArticleFilter{Live: true, Now: later, Topic: &other}); n != 0 || len(list) != 0 {
			t.Errorf("unknown topic matched %d", n)
		}
		q := "OF OLD-C"
		if list, n, _ := db.Articles(ctx, masthead.ArticleFilter{TitleQuery: &q}); n != 1 || list[0].Slug != "old-c" {
			t.Errorf("title search: %v", slugs(list))
		}
		pct := "%"
		if _, n, _ := db.Articles(ctx, masthead.ArticleFilter{TitleQuery: &pct}); n != 0 {
			t.Errorf("LIKE wildcard not escaped: %d", n)
		}
		months, err := db.ArchiveMonths(ctx, later, time.UTC)
		if err != nil || len(months) != 1 || months[0].Count != 6 || months[0].Month != time.March {
			t.Errorf("archive: %+v %v", months, err)
		}
	})
}

// TestArticleLive: an article is live from its time on unless a draft;
// an id of no article is not, and is no error.
func TestArticleLive(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{t0}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		pub := mustCreate(t, db, published("out-now", t0.Add(-time.Hour)))
		draft := published("a-draft", time.Time{})
		draft.Status = masthead.StatusDraft
		dr := mustCreate(t, db, draft)
		sched := published("tomorrow", t0.Add(time.Hour))
		sched.Status = masthead.StatusScheduled
		sc := mustCreate(t, db, sched)
		for _, c := range []struct {
			name string
			id   int64
			at   time.Time
			want bool
		}{
			{"published", pub.ID, t0, true},
			{"published, before its time", pub.ID, t0.Add(-2 * time.Hour), false},
			{"draft", dr.ID, t0, false},
			{"scheduled", sc.ID, t0, false},
			{"scheduled, its time passed", sc.ID, t0.Add(2 * time.Hour), true},
			{"no such article", sc.ID + 1000, t0, false},
		} {
			if got, err := db.ArticleLive(ctx, c.id, c.at); err != nil || got != c.want {
				t.Errorf("%s: ArticleLive = %v, %v; want %v", c.name, got, err, c.want)
			}
		}
	})
}

func TestSlugChangeAndDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustCreate(t, db, published("first-name", t0))
		in := published("second-name", t0)
		if _, err := db.UpdateArticle(ctx, a.ID, in); err != nil {
			t.Fatal(err)
		}
		in.Slug = "third-name"
		if _, err := db.UpdateArticle(ctx, a.ID, in); err != nil {
			t.Fatal(err)
		}
		for _, old := range []string{"first-name", "second-name"} {
			if got, err := db.Redirect(ctx, old, t0); err != nil || got != "third-name" {
				t.Errorf("redirect %s → %q %v", old, got, err)
			}
		}
		if _, err := db.Redirect(ctx, "never", t0); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("unknown slug: %v", err)
		}
		// A new article may take a retired slug.
		mustCreate(t, db, published("first-name", t0))
		if _, err := db.Redirect(ctx, "first-name", t0); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("retired slug still redirects after reuse: %v", err)
		}
		if err := db.DeleteArticle(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		for _, gone := range []string{"second-name", "third-name"} {
			if _, err := db.Redirect(ctx, gone, t0); masthead.ErrorCode(err) != masthead.EGONE {
				t.Errorf("%s after delete: %v", gone, err)
			}
		}
		if _, err := db.ArticleByID(ctx, a.ID); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("deleted article found: %v", err)
		}
	})
}

func TestUpsertArticles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bad := published("Bad Slug!", t0)
		res, err := db.UpsertArticles(ctx, []masthead.ArticleInput{published("one", t0), bad, published("two", t0)})
		if err != nil {
			t.Fatal(err)
		}
		if !res[0].Created || res[1].Err == nil || !res[2].Created {
			t.Fatalf("results %+v", res)
		}
		again := published("one", t0)
		again.Title = "A new title"
		res, err = db.UpsertArticles(ctx, []masthead.ArticleInput{again})
		if err != nil || res[0].Created {
			t.Fatalf("re-upsert: %+v %v", res, err)
		}
		_, n, _ := db.Articles(ctx, masthead.ArticleFilter{})
		a, _ := db.Article(ctx, "one")
		if n != 2 || a.Title != "A new title" || len(a.Authors) != 2 {
			t.Errorf("after re-upsert: %d articles, %+v", n, a)
		}
	})
}

func TestTaxonomy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.UpsertAuthor(ctx, masthead.Author{Slug: "kim", Name: "Kim Park", Bio: "Writes."}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpsertAuthor(ctx, masthead.Author{Slug: "kim", Name: "Kim Park-Lee", Bio: "Writes more."}); err != nil {
			t.Fatal(err)
		}
		au, err := db.Author(ctx, "kim")
		if err != nil || au.Name != "Kim Park-Lee" {
			t.Errorf("author %+v %v", au, err)
		}
		if _, err := db.Author(ctx, "nobody"); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("missing author: %v", err)
		}
		if _, err := db.UpsertColumn(ctx, masthead.Column{Slug: "letters", Name: "Letters"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpsertTopic(ctx, masthead.Term{Slug: "BAD"}); masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("bad topic: %v", err)
		}
		db.UpsertTopic(ctx, masthead.Term{Slug: "trade", Name: "Trade"})
		db.UpsertRegion(ctx, masthead.Term{Slug: "asia", Name: "Asia"})
		cs, _ := db.Columns(ctx)
		ts, _ := db.Topics(ctx)
		rs, _ := db.Regions(ctx)
		as, _ := db.Authors(ctx)
		if len(cs) != 1 || len(ts) != 1 || len(rs) != 1 || len(as) != 1 {
			t.Errorf("counts: %d %d %d %d", len(cs), len(ts), len(rs), len(as))
		}
	})
}

func TestSignInAndSessions(t *testing.T) {
	clock := &fixedClock{t0}
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock.t = t0
		if _, err := db.EnsureMember(ctx, "not an address", masthead.RoleNone); masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("bad email: %v", err)
		}
		m, err := db.EnsureMember(ctx, " Editor@Example.com ", masthead.RoleEditor)
		if err != nil || m.Email != "editor@example.com" || m.Role != masthead.RoleEditor {
			t.Fatalf("ensure: %+v %v", m, err)
		}
		if m2, _ := db.EnsureMember(ctx, "editor@example.com", masthead.RoleNone); m2.ID != m.ID || m2.Role != masthead.RoleEditor {
			t.Errorf("second ensure changed the member: %+v", m2)
		}
		tok, hash := masthead.NewToken()
		if err := db.CreateSignInToken(ctx, m.Email, hash, t0.Add(20*time.Minute)); err != nil {
			t.Fatal(err)
		}
		got, err := db.ConsumeSignInToken(ctx, masthead.HashToken(tok))
		if err != nil || got.ID != m.ID || got.VerifiedAt.IsZero() {
			t.Fatalf("consume: %+v %v", got, err)
		}
		if _, err := db.ConsumeSignInToken(ctx, hash); masthead.ErrorCode(err) != masthead.EUNAUTHORIZED {
			t.Errorf("replay: %v", err)
		}
		_, late := masthead.NewToken()
		db.CreateSignInToken(ctx, m.Email, late, t0.Add(20*time.Minute))
		clock.t = t0.Add(21 * time.Minute)
		if _, err := db.ConsumeSignInToken(ctx, late); masthead.ErrorCode(err) != masthead.EUNAUTHORIZED {
			t.Errorf("expired: %v", err)
		}

		_, s1 := masthead.NewToken()
		_, s2 := masthead.NewToken()
		db.CreateSession(ctx, m.ID, s1, clock.t.Add(time.Hour))
		db.CreateSession(ctx, m.ID, s2, clock.t.Add(time.Hour))
		if sm, err := db.SessionMember(ctx, s1); err != nil || sm.ID != m.ID {
			t.Errorf("session: %v", err)
		}
		db.DeleteSession(ctx, s1)
		if _, err := db.SessionMember(ctx, s1); masthead.ErrorCode(err) != masthead.EUNAUTHORIZED {
			t.Errorf("deleted session: %v", err)
		}
		if _, err := db.SessionMember(ctx, s2); err != nil {
			t.Errorf("other session ended too: %v", err)
		}
		clock.t = clock.t.Add(2 * time.Hour)
		if _, err := db.SessionMember(ctx, s2); masthead.ErrorCode(err) != masthead.EUNAUTHORIZED {
			t.Errorf("expired session: %v", err)
		}
		staff, _ := db.Staff(ctx)
		if len(staff) != 1 {
			t.Errorf("staff %d", len(staff))
		}
		if err := db.SetAuthorSlug(ctx, m.ID, "Not A Slug"); masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("bad byline: %v", err)
		}
		if err := db.SetAuthorSlug(ctx, m.ID, "ed-itor"); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Member(ctx, m.ID); got.AuthorSlug != "ed-itor" {
			t.Errorf("byline %q", got.AuthorSlug)
		}
		if au, err := db.Author(ctx, "ed-itor"); err != nil || au.Name != "Ed Itor" {
			t.Errorf("byline author: %+v %v", au, err)
		}
	})
}

func TestSchemaNewerThanBinary(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			db, err := store.Open(context.Background(), dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			// A second open of a current schema is fine.
			db2, err := store.Open(context.Background(), dsn, store.Options{})
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			db2.Close()
			if _, err := db.SQL().Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future.sql', 0)`); err != nil {
				t.Fatal(err)
			}
			db.Close()
			_, err = store.Open(context.Background(), dsn, store.Options{})
			if err == nil || !strings.Contains(err.Error(), "9999") {
				t.Errorf("newer schema: %v", err)
			}
		})
	}
}

func slugs(list []*masthead.Article) string {
	var s []string
	for _, a := range list {
		s = append(s, a.Slug)
	}
	return strings.Join(s, " ")
}
