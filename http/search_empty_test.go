package http_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// TestSearchZeroResults: a search that finds nothing suggests the
// corrected query with its count, offers to drop a filter or read a
// phrase as words, and lists articles of the topic looked in, on the
// page and in search.json.
func TestSearchZeroResults(t *testing.T) {
	eachSearch(t, func(t *testing.T, s *site) {
		// "filer" is "filler" misspelt; no filler is about the economy.
		_, body := s.get(t, "/search?q=filer&topic=economy")
		for _, want := range []string{
			"0 results",
			`Did you mean <a href="/search?q=filler"><strong>filler</strong></a>? (25 results)`,
			`<a href="/search?q=filer">Any topic (not only Economy)</a> <span class="count">25</span>`,
			"Popular in Economy", `href="/articles/free-daily"`, `href="/articles/subscribers-only"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("filer in economy: the page lacks %q:\n%s", want, excerpt(body[strings.Index(body, "search-body"):]))
			}
		}
		if strings.Contains(body, `href="/articles/filler-`) {
			t.Errorf("filer in economy lists fillers as the topic's articles")
		}

		// A phrase in the wrong order finds nothing; its words do, and
		// the topic looked in is theirs.
		_, body = s.get(t, "/search?q="+url.QueryEscape(`"number filler"`))
		for _, want := range []string{
			`<a href="/search?q=number&#43;filler">These words anywhere, not as a phrase</a> <span class="count">25</span>`,
			"Popular in Filler", `href="/articles/filler-24"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("phrase: the page lacks %q:\n%s", want, body[strings.Index(body, "search-count"):])
			}
		}

		// Found something: no section.
		if _, body = s.get(t, "/search?q=filler"); strings.Contains(body, "search-zero") {
			t.Errorf("a search with results offers alternatives")
		}

		_, body = s.get(t, "/search.json?q=filer&topic=economy")
		var out struct {
			Total int
			Zero  *struct {
				Suggestion      string
				SuggestionURL   string `json:"suggestion_url"`
				SuggestionTotal int    `json:"suggestion_total"`
				Broaden         []struct {
					Label, URL string
					Total      int
				}
				Heading  string
				Articles []struct{ URL, Title, Access string }
			}
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		z := out.Zero
		if out.Total != 0 || z == nil || z.Suggestion != "filler" || z.SuggestionTotal != 25 || z.SuggestionURL != "/search?q=filler" ||
			len(z.Broaden) != 1 || z.Broaden[0].Total != 25 || z.Heading != "Popular in Economy" || len(z.Articles) != 2 {
			t.Fatalf("search.json: %s", body)
		}
		for _, a := range z.Articles {
			if a.Title == "For subscribers" && a.Access != "subscribers" {
				t.Errorf("article without its access: %+v", a)
			}
		}
		// Words only past the wall: nothing of the locked article is
		// counted or offered to an anonymous reader.
		_, body = s.get(t, "/search.json?q="+url.QueryEscape(`"nobody expected"`))
		if strings.Contains(body, "nobody+expected") || strings.Contains(body, `"total":1`) {
			t.Errorf("an alternative counts text past the wall: %s", body)
		}
	})
}

// withoutPopular returns a search response without the articles a search
// that found nothing lists whatever was typed (the newest or most read),
// for tests that look for an article in what a query found.
func withoutPopular(body string) string {
	if strings.HasPrefix(strings.TrimSpace(body), "{") {
		var v map[string]any
		if json.Unmarshal([]byte(body), &v) != nil {
			return body
		}
		if z, ok := v["zero"].(map[string]any); ok {
			delete(z, "articles")
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	i := strings.Index(body, `<div class="search-zero__list">`)
	if i < 0 {
		return body
	}
	return body[:i] + body[i+strings.Index(body[i:], "</div>"):]
}
