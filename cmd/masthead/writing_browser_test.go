package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestBrowserWriting: in Chromium, an administrator writes a draft in
// two tabs; the first tab's autosave is kept and the second tab, opened
// before it, is told and overwrites nothing. The article is published,
// edited again, and from its revisions the first version is restored;
// the site then shows the first version's text.
func TestBrowserWriting(t *testing.T) {
	browserCtx := browser(t, chromiumPath(t))
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			inst := startServe(t, "--db", dsn, "--demo", "--demo-articles", "10", "--shutdown-grace", "15s")
			db := siteStore(t, dsn, store.Options{})
			a := openTab(t, browserCtx)
			signInStaff(t, a, inst)

			// A new draft, free to read, its slug made from the title.
			a.open(inst.URL + "/admin/articles/new")
			a.fill(map[string]string{"#title": "The lighthouse keepers",
				"#body": "First version text of the lighthouse.\n\nThe keepers left in 1987."})
			a.choose("#access", "free")
			a.click(`button[value="draft"]`)
			art, err := db.Article(context.Background(), "the-lighthouse-keepers")
			if err != nil {
				t.Fatalf("the draft: %v", err)
			}
			edit := inst.URL + "/admin/articles/" + strconv.FormatInt(art.ID, 10)

			// Two tabs on the draft; the first types and is autosaved.
			b := openTab(t, browserCtx)
			b.open(edit)
			a.open(edit)
			a.typeInto("#dek", "Who kept the light.")
			waitText(a, "#autosave-status", "Saved", 20*time.Second)
			if got, _ := db.ArticleByID(context.Background(), art.ID); got.Dek != "Who kept the light." {
				t.Fatalf("after the autosave, the dek is %q", got.Dek)
			}
			// The second tab, still on the older revision, is refused.
			b.typeInto("#dek", "Tab two.")
			b.waitVisible("#autosave-banner")
			if got := b.text("#autosave-banner"); !strings.Contains(got, "changed in another tab") || !strings.Contains(got, "your text is kept") {
				t.Errorf("the second tab's banner: %q", got)
			}
			if got, _ := db.ArticleByID(context.Background(), art.ID); got.Dek != "Who kept the light." {
				t.Fatalf("the second tab overwrote the first: dek %q", got.Dek)
			}

			// The first tab publishes, then edits the body.
			a.click(`button[value="publish"]`)
			a.fill(map[string]string{"#body": "Second version: the lamp was automated."})
			a.click(`button[value="save"]`)
			if got := a.text("p.flash"); !strings.Contains(got, "Changes saved") {
				t.Fatalf("after the second edit: %q", got)
			}

			// Restore the first revision from the revisions page.
			revs, err := db.ArticleRevisions(context.Background(), art.ID, 0)
			if err != nil || len(revs) < 3 {
				t.Fatalf("revisions: %d, %v", len(revs), err)
			}
			first := revs[len(revs)-1]
			a.click(`#revisions-link`)
			if got := a.text("table.diff"); !strings.Contains(got, "Second version") {
				t.Errorf("the diff of the newest two: %q", got)
			}
			a.click(fmt.Sprintf(`#rev-%d button[formaction$="/restore"]`, first.ID))
			if got := a.text("p.flash"); !strings.Contains(got, "restored") {
				t.Fatalf("after restoring: %q", got)
			}
			a.openUntil(inst.URL+"/articles/the-lighthouse-keepers", 15*time.Second, func() bool {
				return strings.Contains(a.text("main"), "First version text of the lighthouse.")
			})
			if got := a.text("main"); strings.Contains(got, "Second version") {
				t.Errorf("the site still shows the second version: %q", got)
			}
			if got, _ := db.ArticleRevisions(context.Background(), art.ID, 1); len(got) != 1 || got[0].Kind != masthead.RevisionRestore {
				t.Errorf("the newest revision after restoring: %+v", got)
			}
		})
	}
}

// waitText waits until the element sel's text contains want.
func waitText(b tab, sel, want string, wait time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(wait)
	got := ""
	for time.Now().Before(deadline) {
		got = eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, sel))
		if strings.Contains(got, want) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.t.Fatalf("%s says %q, not %q, after %s", sel, got, want, wait)
}
