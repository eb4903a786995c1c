package markdown_test

import (
	"strings"
	"testing"

	"masthead/markdown"
)

// TestPreviewHTML: the preview puts one line where the teaser ends: after
// the editor's break when it comes early enough, else after the block the
// budget cuts in, naming the words it stops after; a short article whose
// teaser is empty gets none; the rest of the body is shown in full.
func TestPreviewHTML(t *testing.T) {
	r := markdown.NewWith(markdown.Options{TeaserWords: 10})
	marker := `<p class="` + markdown.TeaserEndClass + `" role="separator">`

	brk, err := r.PreviewHTML("One two three four five six.\n\n<!--more-->\n\n" + strings.Repeat("rest ", 60))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(brk, "<p>One two three four five six.</p>\n"+marker+"The teaser ends here: readers without access see the first 6 words.</p>") ||
		strings.Count(brk, marker) != 1 || !strings.Contains(brk, strings.Repeat("rest ", 59)+"rest") || strings.Contains(brk, "<!--") {
		t.Errorf("at the break:\n%s", brk)
	}

	long := strings.Repeat("word ", 20) + "end.\n\nSecond " + strings.Repeat("more ", 30)
	cut, err := r.PreviewHTML(long)
	if err != nil {
		t.Fatal(err)
	}
	i, j := strings.Index(cut, marker), strings.Index(cut, "Second")
	if i < 0 || j < i || !strings.Contains(cut, "first 10 words. It stops inside the block above, after “…word word word word word word”.") {
		t.Errorf("within the budget:\n%s", cut)
	}
	// What the reader gets is unchanged by the preview.
	full, _ := r.Render(long)
	if strings.Contains(full.HTML, markdown.TeaserEndClass) {
		t.Error("Render carries the preview's marker")
	}

	short, err := r.PreviewHTML("Two words.")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(short, marker) {
		t.Errorf("a short article: %s", short)
	}
}
