package masthead_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoFileNamedLikeAPackage keeps the domain's files from sharing a name
// with a package beside them (billing.go next to billing/, webhook.go
// next to webhooks/): a reader looking for Stripe, or for the sending of
// webhooks, should not open the domain's rules instead.
func TestNoFileNamedLikeAPackage(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() {
			dirs[e.Name()] = true
		}
	}
	if !dirs["store"] || !dirs["http"] {
		t.Fatalf("the test runs in the module's root, which has store/ and http/; found %v", dirs)
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".go")
		if e.IsDir() || !ok {
			continue
		}
		name = strings.TrimSuffix(name, "_test")
		for _, d := range []string{name, name + "s", strings.TrimSuffix(name, "s")} {
			if dirs[d] {
				t.Errorf("%s shares its name with the package %s/: name it for what the domain holds", e.Name(), d)
			}
		}
	}
}

// TestArchitectureNamesEveryPackage checks that the "Where things live"
// list in docs/architecture.md names every package of the module (the
// benchmarks as one line), so a newcomer's map matches the tree.
func TestArchitectureNamesEveryPackage(t *testing.T) {
	doc, err := os.ReadFile("docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "## Where things live")
	if !ok {
		t.Fatal(`docs/architecture.md has no "Where things live" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	named := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		if f := strings.Fields(line); len(f) > 0 && !strings.HasPrefix(line, " ") {
			named[f[0]] = true
		}
	}
	var pkgs int
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// testdata, static files and hidden directories hold no packages.
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		switch {
		case dir == ".":
			dir = "masthead"
		case dir == "bench" || strings.HasPrefix(dir, "bench/"):
			dir = "bench/…"
		}
		if !named[dir] {
			named[dir] = true // report each package once
			t.Errorf("docs/architecture.md, \"Where things live\", does not name the package %s", dir)
		}
		pkgs++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pkgs == 0 {
		t.Fatal("found no Go files: the test runs in the module's root")
	}
}
