package importer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"masthead"
	"masthead/importer"
	"masthead/store"
	"masthead/store/storetest"
)

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

var now = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// copySite copies testdata/site to a temporary folder the test may change.
func copySite(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "site")
	err := filepath.WalkDir("testdata/site", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/site", p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// wantErrors are the broken files of testdata/site, each at its line.
var wantErrors = []string{
	"unsorted/bad-slug.md:4: slug \"Not A Slug!\" is not valid",
	"unsorted/bad-yaml.md:4: front matter is not valid YAML",
	"unsorted/duplicate.md:4: slug \"the-canal-age\" is already used by",
	"unsorted/never-closed.md:1: the front matter that opens here is never closed",
	"unsorted/next-tuesday.md:4: date: \"next Tuesday\" is not a date",
	"unsorted/premium-access.md:4: unknown access level \"premium\"",
	"unsorted/toml-front-matter.md:1: TOML front matter",
	"unsorted/untitled.md:1: Title is required.",
}

func checkErrors(t *testing.T, dir string, rep importer.Report) {
	t.Helper()
	var got []string
	for i, e := range rep.Errors {
		msg := strings.TrimPrefix(e.Error(), dir+string(filepath.Separator))
		if i < len(wantErrors) && strings.HasPrefix(msg, wantErrors[i]) {
			msg = wantErrors[i]
		}
		got = append(got, msg)
	}
	if diff := cmp.Diff(wantErrors, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestImportDir(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: fixedClock(now)}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		dir := copySite(t)
		var calls [][2]int
		opt := importer.Options{
			Clock:     fixedClock(now),
			BatchSize: 3, // several batches, and two in flight
			Progress:  func(done, total int) { calls = append(calls, [2]int{done, total}) },
		}
		rep, err := importer.ImportDir(ctx, db, dir, opt)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 7 || rep.Updated != 0 || rep.Failed != 8 || rep.Skipped != 2 {
			t.Errorf("report %+v, want 7 created, 8 failed, 2 skipped", rep)
		}
		checkErrors(t, dir, rep)
		if len(calls) < 2 || calls[0] != [2]int{0, 17} || calls[len(calls)-1] != [2]int{17, 17} {
			t.Errorf("progress calls %v, want from {0 17} to {17 17}", calls)
		}

		canal, err := db.Article(ctx, "the-canal-age")
		if err != nil {
			t.Fatal(err)
		}
		if canal.Status != masthead.StatusScheduled || canal.Access != masthead.AccessSubscribers ||
			canal.Kind != masthead.KindInDepth || canal.Column == nil || canal.Column.Name != "The Long View" ||
			!canal.PublishedAt.Equal(time.Date(2099, 6, 7, 8, 0, 0, 0, time.UTC)) {
			t.Errorf("the-canal-age: %+v", canal)
		}
		if got := slugs(canal.Topics); !cmp.Equal(got, []string{"economy", "energy"}) {
			t.Errorf("the-canal-age topics %v", got)
		}
		if got := slugs(canal.Regions); !cmp.Equal(got, []string{"britain", "europe"}) {
			t.Errorf("the-canal-age regions %v", got)
		}
		if canal.Image.Alt != "A narrow boat moored on a canal at dusk" || canal.Image.Caption == "" {
			t.Errorf("the-canal-age image %+v", canal.Image)
		}
		if strings.Contains(canal.BodyHTML, "<script") || !strings.Contains(canal.BodyHTML, "<h2") {
			t.Errorf("the-canal-age body not rendered and sanitised: %s", canal.BodyHTML)
		}

		grid, err := db.Article(ctx, "energy-grid-winter")
		if err != nil {
			t.Fatal(err)
		}
		if grid.Status != masthead.StatusPublished || grid.Access != masthead.AccessMetered ||
			!grid.PublishedAt.Equal(time.Date(2024, 11, 18, 6, 30, 0, 0, time.UTC)) ||
			len(grid.Authors) != 1 || grid.Authors[0].Name != "Ingrid Moreau" ||
			!strings.HasPrefix(grid.Dek, "Cold snaps") {
			t.Errorf("energy-grid-winter: %+v", grid)
		}
		if got := slugs(grid.Topics); !cmp.Equal(got, []string{"energy", "europe", "power-grid"}) {
			t.Errorf("energy-grid-winter topics %v", got)
		}
		if !strings.Contains(grid.TeaserHTML, "Grid operators") || strings.Contains(grid.TeaserHTML, "The margin") {
			t.Errorf("energy-grid-winter teaser should stop at <!--more-->: %s", grid.TeaserHTML)
		}

		for slug, want := range map[string]masthead.Status{
			"draft-note":                      masthead.StatusDraft,
			"unfinished-thoughts-on-pensions": masthead.StatusDraft,
			"the-weekly-view-12":              masthead.StatusPublished,
			"rates-and-the-housing-market":    masthead.StatusPublished,
			"the-year-ahead-in-trade":         masthead.StatusPublished,
		} {
			a, err := db.Article(ctx, slug)
			if err != nil {
				t.Errorf("%s: %v", slug, err)
				continue
			}
			if a.Status != want {
				t.Errorf("%s: status %s, want %s", slug, a.Status, want)
			}
		}
		rates, _ := db.Article(ctx, "rates-and-the-housing-market")
		if rates != nil && (rates.Access != masthead.AccessFree || rates.Kind != masthead.KindBriefing ||
			!rates.PublishedAt.Equal(time.Date(2019, 3, 14, 8, 30, 0, 0, time.UTC))) {
			t.Errorf("rates-and-the-housing-market: %+v", rates)
		}
		trade, _ := db.Article(ctx, "the-year-ahead-in-trade")
		if trade != nil && !trade.PublishedAt.Equal(time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("the-year-ahead-in-trade dated %v, want its file name's date", trade.PublishedAt)
		}
		weekly, _ := db.Article(ctx, "the-weekly-view-12")
		if weekly != nil && (len(weekly.Authors) != 2 || weekly.Authors[0].Name != "Tomás Castellano" ||
			weekly.Image.URL != "/images/weekly-view-12.jpg") {
			t.Errorf("the-weekly-view-12: authors %+v image %+v", weekly.Authors, weekly.Image)
		}

		// Importing again with Update updates by slug and never
		// duplicates; a changed file brings its change.
		edited := filepath.Join(dir, "jekyll", "_posts", "2020-01-02-the-year-ahead-in-trade.md")
		src, _ := os.ReadFile(edited)
		os.WriteFile(edited, bytes.Replace(src, []byte(`"The year ahead in trade"`), []byte(`"The year ahead in trade, revised"`), 1), 0o644)
		rep, err = importer.ImportDir(ctx, db, dir, importer.Options{Clock: fixedClock(now), Update: true})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 0 || rep.Updated != 7 || rep.Failed != 8 {
			t.Errorf("second import %+v, want 7 updated, 8 failed", rep)
		}
		checkErrors(t, dir, rep)
		_, total, err := db.Articles(ctx, masthead.ArticleFilter{Limit: 100})
		if err != nil || total != 7 {
			t.Errorf("after two imports: %d articles (err %v), want 7", total, err)
		}
		if a, err := db.Article(ctx, "the-year-ahead-in-trade"); err != nil || a.Title != "The year ahead in trade, revised" {
			t.Errorf("edited article after re-import: %+v, %v", a, err)
		}
	})
}

// slugs lists terms' slugs in order, as the store's order is its own.
func slugs(ts []masthead.Term) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Slug)
	}
	slices.Sort(out)
	return out
}

// fakeWriter fails inputs by slug, or whole batches, without a database.
type fakeWriter struct {
	reject   map[string]error
	failAll  error
	received int
}

func (f *fakeWriter) UpsertArticles(ctx context.Context, ins []masthead.ArticleInput) ([]store.UpsertResult, error) {
	if f.failAll != nil {
		return nil, f.failAll
	}
	res := make([]store.UpsertResult, len(ins))
	for i, in := range ins {
		f.received++
		res[i] = store.UpsertResult{ID: int64(i + 1), Slug: in.Slug, Created: true, Err: f.reject[in.Slug]}
	}
	return res, nil
}

func (f *fakeWriter) InsertArticles(ctx context.Context, ins []masthead.ArticleInput) ([]store.UpsertResult, error) {
	return f.UpsertArticles(ctx, ins)
}

func (f *fakeWriter) Slugs(ctx context.Context) (store.Slugs, error) { return store.Slugs{}, nil }

// An error the store finds in one article points at the line of the field
// it names; the rest of the batch still counts.
func TestImportDirStoreRejection(t *testing.T) {
	dir := t.TempDir()
	for i := range 4 {
		src := fmt.Sprintf("---\ndate: 2024-01-0%d\ntitle: Article %d\nslug: a-%d\n---\nBody.\n", i+1, i, i)
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("a%d.md", i)), []byte(src), 0o644)
	}
	w := &fakeWriter{reject: map[string]error{
		"a-2": &masthead.Error{Code: masthead.ECONFLICT, Message: "taken", Fields: map[string]string{"slug": "Another article already uses the slug “a-2”."}},
	}}
	rep, err := importer.ImportDir(context.Background(), w, dir, importer.Options{BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 3 || rep.Failed != 1 || len(rep.Errors) != 1 {
		t.Fatalf("report %+v, want 3 created and 1 failed", rep)
	}
	want := filepath.Join(dir, "a2.md") + ":4: Another article already uses the slug “a-2”."
	if got := rep.Errors[0].Error(); got != want {
		t.Errorf("error %q, want %q", got, want)
	}
}

func TestImportDirDatabaseFailure(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.md"), []byte("---\ntitle: A\n---\n"), 0o644)
	boom := errors.New("disk full")
	_, err := importer.ImportDir(context.Background(), &fakeWriter{failAll: boom}, dir, importer.Options{})
	if !errors.Is(err, boom) {
		t.Errorf("got %v, want the writer's error", err)
	}
	if _, err := importer.ImportDir(context.Background(), &fakeWriter{}, filepath.Join(dir, "missing"), importer.Options{}); err == nil {
		t.Error("importing a missing folder succeeded")
	}
}

// An article without a date takes its file's modification time, so that
// importing again does not move it.
func TestImportDirUndatedUsesModTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		p := filepath.Join(dir, "undated.md")
		os.WriteFile(p, []byte("---\ntitle: Undated\n---\nBody.\n"), 0o644)
		mod := time.Date(2023, 7, 1, 12, 0, 0, 0, time.UTC)
		os.Chtimes(p, mod, mod)
		for range 2 {
			if _, err := importer.ImportDir(context.Background(), db, dir, importer.Options{Update: true}); err != nil {
				t.Fatal(err)
			}
		}
		a, err := db.Article(context.Background(), "undated")
		if err != nil {
			t.Fatal(err)
		}
		if !a.PublishedAt.Equal(mod) {
			t.Errorf("published at %v, want the file's time %v", a.PublishedAt, mod)
		}
	})
}

func TestProgressPlainLines(t *testing.T) {
	var b bytes.Buffer
	p := importer.NewProgress(&b, 40, "import")
	for done := 0; done <= 40; done += 3 {
		p.Update(done, 40)
	}
	p.Update(40, 40)
	p.Finish()
	want := `import: 3/40 (7%)
import: 6/40 (15%)
import: 9/40 (22%)
import: 12/40 (30%)
import: 18/40 (45%)
import: 21/40 (52%)
import: 24/40 (60%)
import: 30/40 (75%)
import: 33/40 (82%)
import: 36/40 (90%)
import: 40/40 (100%)
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("plain progress (-want +got):\n%s", diff)
	}

	b.Reset()
	p = importer.NewProgress(&b, 10, "seed")
	p.Update(4, 10)
	p.Finish()
	if got := b.String(); got != "seed: 4/10 (40%)\nseed: 4/10 done\n" {
		t.Errorf("unfinished progress wrote %q", got)
	}
}
