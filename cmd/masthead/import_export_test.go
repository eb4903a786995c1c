package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// findFixture returns the path of a shared export fixture, looked for in
// ../shared/fixtures from the project's root, or "".
func findFixture(rel ...string) string {
	dir, _ := os.Getwd()
	for range 6 {
		p := filepath.Join(append([]string{dir, "..", "shared", "fixtures"}, rel...)...)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		dir = filepath.Dir(dir)
	}
	return ""
}

// TestImportWordPressCommand runs "masthead import" on the WordPress
// fixture with a mapping, then on a broken copy of a Ghost export, which
// must change nothing and exit 1.
func TestImportWordPressCommand(t *testing.T) {
	wxr := findFixture("wordpress", "themeunittestdata.wordpress.xml")
	if wxr == "" {
		t.Skip("WordPress fixture not found in ../shared/fixtures")
	}
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	rules := filepath.Join(t.TempDir(), "map.txt")
	os.WriteFile(rules, []byte("# sections\nmarkup = column:markup\nclassic=-\n"), 0o644)
	stdout, stderr, err := runMain(t, "import", "--db", dsn, "--map-file", rules, "--map", "block=blocks", wxr)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	for _, want := range []string{"Imported the WordPress export", "posts", "redirects from old addresses"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "[gallery] shortcode dropped") {
		t.Errorf("stderr does not summarise what was left out:\n%s", stderr)
	}

	broken := filepath.Join(t.TempDir(), "ghost.json")
	os.WriteFile(broken, []byte("{\"db\":[{\"data\":{\"posts\":[\n{\"id\":\"1\",\"title\":\"x\",\"slug\":\"late\",\"status\":\"published\",\"published_at\":\"never\"}]}}]}"), 0o644)
	_, stderr, err = runMain(t, "import", "--db", dsn, broken)
	if err == nil {
		t.Fatal("a broken export imported without an error")
	}
	if !strings.Contains(stderr, broken+":2:") || !strings.Contains(stderr, "nothing was imported") {
		t.Errorf("stderr does not place the problem:\n%s", stderr)
	}
	_, stderr, err = runMain(t, "import", "--db", dsn, "--map", "bad", wxr)
	if err == nil || !strings.Contains(err.Error()+stderr, "want old-slug=new-slug") {
		t.Errorf("bad --map: %v\n%s", err, stderr)
	}
}
