package masthead_test

import (
	"os"
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
