package masthead_test

import (
	"testing"

	"masthead"
)

func TestLegacyPath(t *testing.T) {
	for _, c := range []struct{ path, query, want string }{
		{"/my-post/", "", "/my-post"},
		{"/My-Post", "", "/my-post"},
		{"/2019/03/04/my-post/", "", "/2019/03/04/my-post"},
		{"/caf%C3%A9/", "", "/café"},
		{"/", "p=123", "/?p=123"},
		{"/", "utm_source=x&p=123", "/?p=123"},
		{"/index.php", "page_id=7", "/?page_id=7"},
		{"/", "cat=5", "/?cat=5"},
		{"/", "utm_source=x", ""},
		{"/", "", ""},
		{"/?p=9", "", "/?p=9"},
		{"https://old.example/tag/news/", "", "/tag/news"},
		{"/blog/index.html", "", "/blog"},
		{"/a/b/?x=1", "x=1", "/a/b"},
	} {
		if got := masthead.LegacyPath(c.path, c.query); got != c.want {
			t.Errorf("LegacyPath(%q, %q) = %q, want %q", c.path, c.query, got, c.want)
		}
	}
}
