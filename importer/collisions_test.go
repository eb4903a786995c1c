package importer_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/importer"
	"masthead/store"
	"masthead/store/storetest"
)

// site is what a publication holds before an import that collides with
// it: an editor's article, a byline, a staff account with its own byline
// and a reader.
type site struct {
	article *masthead.Article
}

func seedSite(t *testing.T, db *store.DB, articleSlug, byline, staffEmail, readerEmail string) site {
	t.Helper()
	ctx := context.Background()
	a, err := db.CreateArticle(ctx, masthead.ArticleInput{Slug: articleSlug, Title: "Ours", BodyMarkdown: "Our own words.",
		AuthorSlugs: []string{byline}, Access: masthead.AccessSubscribers, Status: masthead.StatusPublished,
		PublishedAt: now.Add(-time.Hour), Names: map[string]string{byline: "Our Writer"}})
	if err != nil {
		t.Fatal(err)
	}
	if staffEmail != "" {
		m, err := db.EnsureMember(ctx, staffEmail, masthead.RoleAuthor)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetAuthorSlug(ctx, m.ID, "our-own-byline"); err != nil {
			t.Fatal(err)
		}
	}
	if readerEmail != "" {
		if _, err := db.EnsureMember(ctx, readerEmail, masthead.RoleNone); err != nil {
			t.Fatal(err)
		}
	}
	return site{article: a}
}

// checkUntouched checks that the site's article, byline and accounts are
// as they were.
func checkUntouched(t *testing.T, db *store.DB, s site, byline, staffEmail, readerEmail string) {
	t.Helper()
	ctx := context.Background()
	a, err := db.ArticleByID(ctx, s.article.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Slug != s.article.Slug || a.BodyMarkdown != "Our own words." || a.Access != masthead.AccessSubscribers ||
		len(a.Authors) != 1 || a.Authors[0].Slug != byline {
		t.Errorf("the site's article was changed: %s %q %s %+v", a.Slug, a.BodyMarkdown, a.Access, a.Authors)
	}
	if au, err := db.Author(ctx, byline); err != nil || au.Name != "Our Writer" || au.Bio != "" {
		t.Errorf("the site's byline %s: %+v, %v", byline, au, err)
	}
	if staffEmail != "" {
		if m, err := db.MemberByEmail(ctx, staffEmail); err != nil || m.Role != masthead.RoleAuthor || m.AuthorSlug != "our-own-byline" {
			t.Errorf("the staff account %s: %+v, %v", staffEmail, m, err)
		}
	}
	if readerEmail != "" {
		if m, err := db.MemberByEmail(ctx, readerEmail); err != nil || m.Role != masthead.RoleNone || m.AuthorSlug != "" {
			t.Errorf("the reader account %s was given a role or byline: %+v, %v", readerEmail, m, err)
		}
	}
}

func hasCollision(cs []importer.Collision, kind, from, to string) bool {
	return slices.ContainsFunc(cs, func(c importer.Collision) bool {
		return c.Kind == kind && c.Slug == from && c.To == to && c.OnSite
	})
}

// TestGhostImportNeverOverwrites imports Ghost's own fixture into a site
// that already has its post slug "welcome", its writer's slug "ghost", an
// account for that Contributor's address and a reader account for its
// Owner's: the post and the author are imported beside them under new
// slugs, the accounts are left as they are (the reader is not made an
// admin), and the report names each collision. With Update the article
// and byline are replaced, the accounts still left alone.
func TestGhostImportNeverOverwrites(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock(now)}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := seedSite(t, db, "welcome", "ghost", "ghost-author@example.com", "test@ghost.org")
		rep := importFixture(t, db, "ghost/v4_export.json", importer.ExportOptions{})
		checkUntouched(t, db, s, "ghost", "ghost-author@example.com", "test@ghost.org")

		if !hasCollision(rep.Collisions, "article", "welcome", "welcome-2") || !hasCollision(rep.Collisions, "byline", "ghost", "ghost-2") {
			t.Errorf("collisions %+v, want welcome → welcome-2 and ghost → ghost-2", rep.Collisions)
		}
		if len(rep.Collisions) != 2 {
			t.Errorf("%d collisions, want 2: %+v", len(rep.Collisions), rep.Collisions)
		}
		slices.Sort(rep.Summary.StaffKept)
		if !slices.Equal(rep.Summary.StaffKept, []string{"ghost-author@example.com", "test@ghost.org"}) || rep.Summary.Staff != 0 {
			t.Errorf("staff kept %v (created %d), want both addresses kept", rep.Summary.StaffKept, rep.Summary.Staff)
		}
		imported := mustArticle(t, db, "welcome-2")
		if len(imported.Authors) != 1 || imported.Authors[0].Slug != "ghost-2" {
			t.Errorf("imported welcome-2 has authors %+v, want ghost-2", imported.Authors)
		}
		// The old addresses lead to what was imported, never to ours.
		wantRedirect(t, db, "/welcome/", "/articles/welcome-2")
		wantRedirect(t, db, "/author/ghost/", "/authors/ghost-2")

		// Again without Update: everything collides with the first
		// import, and the old addresses keep leading to it.
		again := importFixture(t, db, "ghost/v4_export.json", importer.ExportOptions{})
		if again.Summary.Redirects != 0 || again.Summary.RedirectsKept == 0 || !hasCollision(again.Collisions, "article", "welcome", "welcome-3") {
			t.Errorf("second import: %+v, collisions %+v", again.Summary, again.Collisions)
		}
		wantRedirect(t, db, "/welcome/", "/articles/welcome-2")

		// With Update, the article and the byline of the same slug are
		// replaced; the accounts are still left as they are.
		rep = importFixture(t, db, "ghost/v4_export.json", importer.ExportOptions{Update: true})
		if len(rep.Collisions) != 0 {
			t.Errorf("collisions with Update: %+v", rep.Collisions)
		}
		if a := mustArticle(t, db, "welcome"); a.BodyMarkdown == "Our own words." {
			t.Error("Update did not replace the article of the same slug")
		}
		if au, err := db.Author(ctx, "ghost"); err != nil || au.Name != "Ghost" {
			t.Errorf("Update did not update the byline of the same slug: %+v, %v", au, err)
		}
		for _, email := range []string{"test@ghost.org", "ghost-author@example.com"} {
			m, err := db.MemberByEmail(ctx, email)
			if err != nil || m.Role.Rank() > masthead.RoleAuthor.Rank() {
				t.Errorf("with Update, %s: %+v, %v", email, m, err)
			}
		}
	})
}

// TestWordPressImportNeverOverwrites: the same with the WordPress theme
// test data, whose author "themereviewteam" and post
// "media-category-blocks" the site already has.
func TestWordPressImportNeverOverwrites(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock(now)}, func(t *testing.T, db *store.DB) {
		s := seedSite(t, db, "media-category-blocks", "themereviewteam", "themereviewteam@gmail.com", "")
		rep := importFixture(t, db, "wordpress/themeunittestdata.wordpress.xml", importer.ExportOptions{})
		checkUntouched(t, db, s, "themereviewteam", "themereviewteam@gmail.com", "")
		if !hasCollision(rep.Collisions, "article", "media-category-blocks", "media-category-blocks-2") ||
			!hasCollision(rep.Collisions, "byline", "themereviewteam", "themereviewteam-2") {
			t.Errorf("collisions %+v", rep.Collisions)
		}
		if !slices.Equal(rep.Summary.StaffKept, []string{"themereviewteam@gmail.com"}) {
			t.Errorf("staff kept %v", rep.Summary.StaffKept)
		}
		a := mustArticle(t, db, "media-category-blocks-2")
		if len(a.Authors) != 1 || a.Authors[0].Slug != "themereviewteam-2" {
			t.Errorf("imported post's authors %+v", a.Authors)
		}
		wantRedirect(t, db, "/author/themereviewteam/", "/authors/themereviewteam-2")
	})
}

// TestImportBundleRefusesTakenSlugs: the store refuses, rather than
// overwrites, an article or byline whose slug was taken after the export
// was read, and writes nothing.
func TestImportBundleRefusesTakenSlugs(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock(now)}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := seedSite(t, db, "taken", "our-writer", "", "")
		for _, b := range []*masthead.ImportBundle{
			{Articles: []masthead.ArticleInput{{Slug: "taken", Title: "Theirs", BodyMarkdown: "Their words."}}},
			{Authors: []masthead.Author{{Slug: "our-writer", Name: "Impostor", Bio: "Not us."}},
				Articles: []masthead.ArticleInput{{Slug: "fresh", Title: "Theirs", BodyMarkdown: "Their words."}}},
		} {
			if _, err := db.ImportBundle(ctx, b); masthead.ErrorCode(err) != masthead.ECONFLICT {
				t.Errorf("import over a taken slug: %v, want a conflict", err)
			}
		}
		checkUntouched(t, db, s, "our-writer", "", "")
		if _, err := db.Article(ctx, "fresh"); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("a refused import wrote an article: %v", err)
		}
	})
}

// TestMarkdownImportNeverOverwrites: a file whose slug the site holds, as
// an article's or as a retired slug that still redirects, is imported
// under a new slug and named in the report; a byline named in front
// matter keeps the site's name. With Update the article of the same slug
// is replaced, but a retired slug still is not taken.
func TestMarkdownImportNeverOverwrites(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock(now)}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := seedSite(t, db, "the-year-ahead", "jane-doe", "", "")
		renamed, err := db.CreateArticle(ctx, masthead.ArticleInput{Slug: "old-name", Title: "Renamed", BodyMarkdown: "x",
			Status: masthead.StatusPublished, PublishedAt: now.Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		in := masthead.ArticleInput{Slug: "new-name", Title: "Renamed", BodyMarkdown: "x", Status: masthead.StatusPublished, PublishedAt: now.Add(-time.Hour)}
		if _, err := db.UpdateArticle(ctx, renamed.ID, in); err != nil {
			t.Fatal(err)
		}

		dir := t.TempDir()
		write := func(name, slug string) {
			src := "---\ntitle: Theirs " + slug + "\nslug: " + slug + "\nauthor: Jane Doe\ndate: 2024-01-02\naccess: free\n---\nTheir words.\n"
			if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write("a.md", "the-year-ahead")
		write("b.md", "old-name")
		write("c.md", "fresh")
		rep, err := importer.ImportDir(ctx, db, dir, importer.Options{Clock: fixedClock(now)})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 3 || rep.Updated != 0 || rep.Failed != 0 {
			t.Errorf("report %+v, want 3 created", rep)
		}
		checkUntouched(t, db, s, "jane-doe", "", "")
		want := []importer.Collision{
			{Kind: "article", Slug: "the-year-ahead", To: "the-year-ahead-2", OnSite: true, Where: filepath.Join(dir, "a.md")},
			{Kind: "article", Slug: "old-name", To: "old-name-2", OnSite: true, Where: filepath.Join(dir, "b.md")},
		}
		if !slices.Equal(rep.Renamed, want) {
			t.Errorf("renamed %+v, want %+v", rep.Renamed, want)
		}
		if to, err := db.Redirect(ctx, "old-name", now); err != nil || to != "new-name" {
			t.Errorf("the retired slug now leads to %q, %v; want new-name", to, err)
		}
		if got := rep.Renamed[0].String(); !strings.Contains(got, `article "the-year-ahead" is taken by the site: imported as "the-year-ahead-2"`) {
			t.Errorf("collision reads %q", got)
		}

		rep, err = importer.ImportDir(ctx, db, dir, importer.Options{Clock: fixedClock(now), Update: true})
		if err != nil {
			t.Fatal(err)
		}
		if a := mustArticle(t, db, "the-year-ahead"); strings.TrimSpace(a.BodyMarkdown) != "Their words." || a.Access != masthead.AccessFree {
			t.Errorf("Update did not replace the article of the same slug: %q %s", a.BodyMarkdown, a.Access)
		}
		if to, err := db.Redirect(ctx, "old-name", now); err != nil || to != "new-name" {
			t.Errorf("with Update the retired slug leads to %q, %v; want new-name", to, err)
		}
		if len(rep.Renamed) != 1 || rep.Renamed[0].Slug != "old-name" {
			t.Errorf("renamed with Update %+v, want old-name only", rep.Renamed)
		}
	})
}

// TestGhostImportLeavesReadersAlone: a reader of the export whose address
// already has an account here keeps its verification and newsletter
// choices: an import neither verifies nor re-subscribes it.
func TestGhostImportLeavesReadersAlone(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock(now)}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m, err := db.EnsureMember(ctx, "three@example.com", masthead.RoleNone)
		if err != nil {
			t.Fatal(err)
		}
		// Another spelling of the export's two@example.com: the same
		// mailbox, so the same reader.
		two, err := db.EnsureMember(ctx, "Two+news@example.com", masthead.RoleNone)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "members.json")
		os.WriteFile(path, []byte(ghostMembers), 0o644)
		rep, err := importer.ImportExport(ctx, db, path, importer.ExportOptions{Clock: fixedClock(now)})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Summary.Members != 1 || rep.Summary.MembersKept != 2 {
			t.Errorf("summary %+v, want 1 created and 2 kept", rep.Summary)
		}
		if got, err := db.MemberByEmail(ctx, "two@example.com"); err != nil || got.ID != two.ID {
			t.Errorf("two@example.com is %+v, %v; want the existing member %d of that mailbox", got, err, two.ID)
		}
		got, err := db.MemberByEmail(ctx, "three@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if !got.VerifiedAt.IsZero() || !got.CreatedAt.Equal(m.CreatedAt) {
			t.Errorf("the existing reader was changed: %+v", got)
		}
		if cs, err := db.Consents(ctx, m.ID); err != nil || len(cs) != 0 {
			t.Errorf("the existing reader got consents %+v, %v", cs, err)
		}
	})
}
