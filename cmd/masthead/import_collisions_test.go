package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"masthead/store/storetest"
)

// TestImportCommandNamesCollisions: importing into a site that has the
// slugs already overwrites nothing and the summary names every collision
// and every staff account left as it was; --update replaces instead. On
// both engines, with a Markdown folder and Ghost's own export.
func TestImportCommandNamesCollisions(t *testing.T) {
	ghost := findFixture("ghost", "v4_export.json")
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			dir := t.TempDir()
			for _, slug := range []string{"budget-vote", "grid-plan"} {
				src := "---\ntitle: " + slug + "\nslug: " + slug + "\ndate: 2024-01-02\n---\nWords.\n"
				os.WriteFile(filepath.Join(dir, slug+".md"), []byte(src), 0o644)
			}
			if _, stderr, err := runMain(t, "import", "--db", dsn, dir); err != nil {
				t.Fatalf("import: %v\n%s", err, stderr)
			}
			stdout, stderr, err := runMain(t, "import", "--db", dsn, dir)
			if err != nil {
				t.Fatalf("import again: %v\n%s", err, stderr)
			}
			for _, want := range []string{"Imported 2 new and 0 updated articles", "2 slugs were taken; nothing was overwritten",
				filepath.Join(dir, "budget-vote.md") + `: article "budget-vote" is taken by the site: imported as "budget-vote-2"`,
				filepath.Join(dir, "grid-plan.md") + `: article "grid-plan" is taken by the site: imported as "grid-plan-2"`} {
				if !strings.Contains(stdout, want) {
					t.Errorf("second import's summary lacks %q:\n%s", want, stdout)
				}
			}
			stdout, _, err = runMain(t, "import", "--db", dsn, "--update", dir)
			if err != nil || !strings.Contains(stdout, "Imported 0 new and 2 updated articles") || strings.Contains(stdout, "taken") {
				t.Errorf("import --update: %v\n%s", err, stdout)
			}

			if ghost == "" {
				t.Skip("Ghost fixture not found in ../shared/fixtures")
			}
			if _, stderr, err := runMain(t, "import", "--db", dsn, ghost); err != nil {
				t.Fatalf("Ghost import: %v\n%s", err, stderr)
			}
			stdout, stderr, err = runMain(t, "import", "--db", dsn, ghost)
			if err != nil {
				t.Fatalf("Ghost import again: %v\n%s", err, stderr)
			}
			for _, want := range []string{`(11 new, 0 updated articles)`, `article "welcome" is taken by the site: imported as "welcome-2"`,
				`byline "ghost" is taken by the site: kept separate as "ghost-2"`,
				"2 staff of the export already have an account here, left as it is", "  test@ghost.org", "  ghost-author@example.com",
				"old addresses already redirected elsewhere from an earlier import and kept their targets"} {
				if !strings.Contains(stdout, want) {
					t.Errorf("second Ghost import's summary lacks %q:\n%s", want, stdout)
				}
			}
		})
	}
}
