package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/api"
	mhttp "masthead/http"
	"masthead/importer"
)

// teaserShape is an article whose first block is the whole article: the
// shapes a teaser of whole opening blocks gave away.
type teaserShape struct {
	tag  string // unique to the shape, in every sentence
	body func(sentences []string, closing string) string
}

// teaserShapes are (a) to (g) of the wall's promise that a teaser holds
// whatever the article looks like.
var teaserShapes = []teaserShape{
	{"quote", func(s []string, c string) string {
		return "> " + strings.Join(s, "\n>\n> ") + "\n>\n> " + c + "\n"
	}},
	{"list", func(s []string, c string) string {
		return "- " + strings.Join(s, "\n- ") + "\n- " + c + "\n"
	}},
	{"table", func(s []string, c string) string {
		rows := []string{"| Claim | Source |", "|---|---|"}
		for _, x := range s {
			rows = append(rows, "| "+x+" | desk |")
		}
		return strings.Join(append(rows, "| "+c+" | desk |"), "\n") + "\n"
	}},
	{"code", func(s []string, c string) string {
		return "```\n" + strings.Join(s, "\n") + "\n" + c + "\n```\n"
	}},
	{"div", func(s []string, c string) string {
		return "<div>\n<p>" + strings.Join(s, "</p>\n<p>") + "</p>\n<p>" + c + "</p>\n</div>\n"
	}},
	{"giant", func(s []string, c string) string {
		return strings.Join(s, " ") + " " + c + "\n"
	}},
	{"wordpress", func(s []string, c string) string {
		// A block-editor post as WordPress exports it: a group wrapping a
		// quote wrapping every paragraph, through the importer.
		var b strings.Builder
		b.WriteString(`<!-- wp:group --><div class="wp-block-group"><div class="wp-block-group__inner-container"><!-- wp:quote --><blockquote class="wp-block-quote">`)
		for _, x := range append(s, c) {
			b.WriteString("<!-- wp:paragraph --><p>" + x + "</p><!-- /wp:paragraph -->\n")
		}
		b.WriteString(`</blockquote><!-- /wp:quote --></div></div><!-- /wp:group -->`)
		md, _ := (&importer.HTMLConverter{}).Convert(b.String())
		return md
	}},
}

// TestBypassTeaserShapes: for every shape, metered and subscribers-only,
// neither the closing sentence nor any sentence of the article's second
// half reaches an anonymous reader or a registered one who did not unlock
// it, in any representation: the page (raw and gzipped, print, AMP,
// JSON), feeds, search pages and JSON, and the Content API with a key
// without the full-text scope.
func TestBypassTeaserShapes(t *testing.T) {
	withSearch := func(c *mhttp.Config, d *mhttp.Deps) { d.Search = d.Articles.(masthead.SearchService) }
	eachReaders(t, withSearch, func(t *testing.T, rs *readers) {
		ctx := context.Background()
		const n = 60 // sentences of 7 words: the budget binds, not the share
		type planted struct {
			slug    string
			opening string   // the first sentence, which the teaser shows
			hidden  []string // the second half and the closing sentence
		}
		var arts []planted
		for i, sh := range teaserShapes {
			for j, acc := range []masthead.Access{masthead.AccessMetered, masthead.AccessSubscribers} {
				tag := fmt.Sprintf("%s%d", sh.tag, j)
				var s []string
				for k := range n {
					s = append(s, fmt.Sprintf("Fact %sx%03d holds for the district.", tag, k))
				}
				closing := fmt.Sprintf("CLOSING-%s the last word stays behind the wall.", strings.ToUpper(tag))
				p := planted{slug: "shape-" + tag, opening: fmt.Sprintf("%sx000", tag)}
				for k := n / 2; k < n; k++ {
					p.hidden = append(p.hidden, fmt.Sprintf("%sx%03d", tag, k))
				}
				p.hidden = append(p.hidden, "CLOSING-"+strings.ToUpper(tag))
				a := mustCreate(t, rs.db, masthead.ArticleInput{
					Slug: p.slug, Title: "Shape " + tag, Dek: "Everything in one block.",
					BodyMarkdown: sh.body(s, closing), AuthorSlugs: []string{"ada-lovelace"}, TopicSlugs: []string{"shapes"},
					Kind: masthead.KindInDepth, Access: acc, Status: masthead.StatusPublished,
					PublishedAt: now.Add(-time.Duration(10*i+j+1) * time.Minute),
				})
				if !strings.Contains(a.BodyHTML, closing[:len("CLOSING-")+len(tag)]) {
					t.Fatalf("%s: the body lost its closing sentence", p.slug)
				}
				arts = append(arts, p)
			}
		}

		_, registered := rs.verified(t, "shapes@example.com")
		secret, hash, hint := masthead.NewAPIKeySecret(masthead.APIKeyContent)
		admin, err := rs.db.EnsureMember(ctx, "keys@example.com", masthead.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rs.db.CreateAPIKey(ctx, masthead.APIKeyInput{Kind: masthead.APIKeyContent, Name: "Teasers", CreatedBy: admin.ID}, hash, hint); err != nil {
			t.Fatal(err)
		}
		content := api.New(api.Config{BaseURL: "https://news.example"},
			api.Deps{Articles: rs.db, Taxonomy: rs.db, Members: rs.db, Keys: rs.db, Search: rs.db, Clock: fixedClock{now}})
		callAPI := func(path string) (int, string) {
			r := httptest.NewRequest(http.MethodGet, path, nil)
			r.Header.Set("Authorization", "Bearer "+secret)
			w := httptest.NewRecorder()
			content.ServeHTTP(w, r)
			return w.Code, w.Body.String()
		}

		for _, rd := range []struct {
			name    string
			cookies []*http.Cookie
		}{
			{name: "anonymous"},
			{name: "registered reader without an unlock", cookies: []*http.Cookie{registered}},
		} {
			t.Run(rd.name, func(t *testing.T) {
				check := func(what, body string, hidden []string) {
					t.Helper()
					for _, h := range hidden {
						if strings.Contains(body, h) {
							t.Errorf("%s holds %q", what, h)
						}
					}
				}
				var all []string
				for _, p := range arts {
					all = append(all, p.hidden...)
				}
				for _, p := range arts {
					// The page shows the teaser, and nothing past it.
					res, body := rs.send(t, req{url: "/articles/" + p.slug, cookies: rd.cookies})
					if res.StatusCode != http.StatusOK || !strings.Contains(body, p.opening) {
						t.Errorf("%s: status %d, opening shown %v", p.slug, res.StatusCode, strings.Contains(body, p.opening))
					}
					for _, u := range []string{"/articles/" + p.slug, "/articles/" + p.slug + "?print=1",
						"/articles/" + p.slug + "?amp=1", "/articles/" + p.slug + "?format=json"} {
						for _, gz := range []bool{false, true} {
							h := http.Header{}
							if gz {
								h.Set("Accept-Encoding", "gzip")
							}
							res, body := rs.send(t, req{url: u, cookies: rd.cookies, header: h})
							if res.Header.Get("Content-Encoding") == "gzip" {
								body = gunzip(t, body)
							}
							check(fmt.Sprintf("%s (gzip %v, status %d)", u, gz, res.StatusCode), body, p.hidden)
						}
					}
					// Search for the closing sentence and for a hidden
					// sentence: text past the wall matches nothing for
					// these readers (docs/search.md), and results repeat
					// the query, so a leak would also show as the
					// sentences around it.
					for _, q := range []string{p.hidden[len(p.hidden)-1], p.hidden[0]} {
						others := slices.DeleteFunc(slices.Clone(p.hidden), func(h string) bool { return h == q })
						for _, u := range []string{"/search?q=" + q, "/search.json?q=" + q, "/api/content/v1/search?q=" + q} {
							status, body := 0, ""
							if strings.HasPrefix(u, "/api/") {
								status, body = callAPI(u)
							} else {
								res, b := rs.send(t, req{url: u, cookies: rd.cookies})
								status, body = res.StatusCode, withoutPopular(b)
							}
							if status != http.StatusOK || strings.Contains(body, p.slug) {
								t.Errorf("%s: status %d, article found %v; want it not found", u, status, strings.Contains(body, p.slug))
							}
							check(u, body, others)
						}
					}
					status, body := callAPI("/api/content/v1/articles/" + p.slug)
					if status != http.StatusOK || !strings.Contains(body, p.opening) {
						t.Errorf("Content API %s: status %d, opening shown %v", p.slug, status, strings.Contains(body, p.opening))
					}
					check("Content API "+p.slug, body, p.hidden)
				}
				for _, u := range []string{"/", "/feed.xml", "/atom.xml", "/topics/shapes", "/topics/shapes/feed.xml",
					"/topics/shapes/atom.xml", "/authors/ada-lovelace", "/archive", "/sitemaps/news.xml"} {
					res, body := rs.send(t, req{url: u, cookies: rd.cookies})
					if res.StatusCode != http.StatusOK {
						t.Errorf("%s: status %d", u, res.StatusCode)
					}
					check(u, body, all)
				}
				_, body := callAPI("/api/content/v1/articles?topic=shapes")
				check("Content API list", body, all)
			})
		}
	})
}
