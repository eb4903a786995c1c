package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/access"
	"masthead/api"
	"masthead/reading"
	"masthead/store"
	"masthead/store/storetest"
)

const perplexityUA = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)"

// licensed makes a licence key and returns its secret and id.
func licensed(t *testing.T, db *store.DB, name string, l masthead.Licence) (string, int64) {
	t.Helper()
	secret, hash, hint := masthead.NewAPIKeySecret(masthead.APIKeyContent)
	k, err := db.CreateAPIKey(context.Background(), masthead.APIKeyInput{Kind: masthead.APIKeyContent, Name: name,
		Scopes: []string{masthead.ScopeLicence}, Licence: l}, hash, hint)
	if err != nil {
		t.Fatal(err)
	}
	return secret, k.ID
}

// callAs is call with a user agent.
func (f *fixture) callAs(path, key, ua string) response {
	f.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("User-Agent", ua)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := response{status: res.StatusCode, header: res.Header}
	if err := json.Unmarshal(raw, &out.body); err != nil {
		f.t.Fatalf("GET %s: %d, not a JSON object: %s", path, res.StatusCode, raw)
	}
	f.checkDocumented(http.MethodGet, path, res.StatusCode, out.body)
	return out
}

// TestContentAPILicences: a licence key reads an article through the
// Content API as its crawler reads the article page — in full where the
// terms cover it, the teaser elsewhere, each read in the billing log
// with what it got and the bytes sent, 429 with Retry-After over the
// licence's rate, 401 when revoked or expired, 403 when bound to
// another crawler — and lists stay teasers that bill nothing.
func TestContentAPILicences(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{now}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		// The APIs wired as serve wires them: the reader's use cases
		// with the store's licences.
		f.h = api.New(api.Config{BaseURL: "https://news.example"},
			api.Deps{Articles: db, Taxonomy: db, Members: db, Keys: db, Search: db, Clock: &fixedClock{now},
				Readers: reading.New(reading.Config{Policy: access.DefaultPolicy()}, reading.Deps{Licences: db}).Readers(nil, nil)})
		f.srv = httptest.NewServer(f.h)
		t.Cleanup(f.srv.Close)

		// metered-piece is in topic economy, subscriber-piece in climate.
		economy, economyID := licensed(t, db, "Economy Lab", masthead.Licence{Terms: masthead.LicenceTerms{{Kind: "topic", Slug: "economy"}}})
		bound, _ := licensed(t, db, "Answer Engine", masthead.Licence{Family: "perplexitybot"})
		slow, slowID := licensed(t, db, "Slow crawler", masthead.Licence{PerMinute: 1})
		revoked, revokedID := licensed(t, db, "Former partner", masthead.Licence{})
		if err := db.RevokeAPIKey(ctx, revokedID); err != nil {
			t.Fatal(err)
		}
		expired, _ := licensed(t, db, "Trial", masthead.Licence{ExpiresAt: now.Add(-time.Minute)})

		body := func(r response) (string, bool, string) {
			b, _ := r.body["body"].(map[string]any)
			html, _ := b["html"].(string)
			full, _ := b["full"].(bool)
			reason, _ := b["reason"].(string)
			return html, full, reason
		}
		logged := func(keyID int64) []masthead.LicenceRequest {
			t.Helper()
			var rows []masthead.LicenceRequest
			if err := db.LicenceRequests(ctx, keyID, now.Add(-time.Hour), now.Add(time.Hour), func(q masthead.LicenceRequest) error {
				rows = append(rows, q)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return rows
		}

		// Covered: the whole body, billed as full with its bytes.
		r := f.call("GET", "/api/content/v1/articles/metered-piece", economy, nil)
		html, full, reason := body(r)
		if r.status != 200 || !full || reason != "licensed" || !strings.Contains(html, secretBody) {
			t.Fatalf("covered: %d full=%v reason=%q", r.status, full, reason)
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("covered: Cache-Control %q: a billed read must not be kept on the way", cc)
		}
		if rows := logged(economyID); len(rows) != 1 || rows[0].Decision != masthead.LicenceFull || rows[0].Bytes != int64(len(html)) ||
			rows[0].Slug != "metered-piece" {
			t.Errorf("covered: billing log %+v, want one full read of %d bytes", rows, len(html))
		}
		// Not covered: the teaser, billed as a teaser with its bytes.
		r = f.call("GET", "/api/content/v1/articles/subscriber-piece", economy, nil)
		html, full, reason = body(r)
		if r.status != 200 || full || reason == "licensed" || strings.Contains(html, secretBody) || html == "" {
			t.Fatalf("not covered: %d full=%v reason=%q", r.status, full, reason)
		}
		if rows := logged(economyID); len(rows) != 2 || rows[1].Decision != masthead.LicenceTeaser || rows[1].Bytes != int64(len(html)) {
			t.Errorf("not covered: billing log %+v, want a teaser of %d bytes after the full read", rows, len(html))
		}
		// Lists and search stay teasers and bill nothing.
		r = f.call("GET", "/api/content/v1/articles", economy, nil)
		if data, _ := r.body["data"].([]any); r.status != 200 || len(data) != 3 {
			t.Fatalf("list: %d %v", r.status, r.body)
		}
		for _, a := range r.body["data"].([]any) {
			if _, ok := a.(map[string]any)["body"]; ok {
				t.Errorf("a list item carries a body: %v", a)
			}
		}
		r = f.call("GET", "/api/content/v1/search?q=secret+paragraph", economy, nil)
		if r.status != 200 {
			t.Fatalf("search: %d %v", r.status, r.body)
		}
		for _, h := range r.body["data"].([]any) {
			if h.(map[string]any)["full"] == true && h.(map[string]any)["access"] != "free" {
				t.Errorf("search opened a paid article to a licence: %v", h)
			}
		}
		if rows := logged(economyID); len(rows) != 2 {
			t.Errorf("lists and search were billed: %+v", rows)
		}

		// Bound to PerplexityBot: its agent reads, another's is refused.
		if r := f.callAs("/api/content/v1/articles/subscriber-piece", bound, perplexityUA); r.status != 200 {
			t.Errorf("bound licence from its crawler: %d %v", r.status, r.body)
		} else if html, full, _ := body(r); !full || !strings.Contains(html, secretBody) {
			t.Error("bound licence from its crawler: not the whole body")
		}
		if r := f.callAs("/api/content/v1/articles/subscriber-piece", bound, "curl/8.5"); r.status != http.StatusForbidden {
			t.Errorf("bound licence from another agent: %d, want 403", r.status)
		}
		// Revoked and expired: 401, as on the article page, and no log.
		for name, k := range map[string]string{"revoked": revoked, "expired": expired} {
			if r := f.call("GET", "/api/content/v1/articles/metered-piece", k, nil); r.status != http.StatusUnauthorized {
				t.Errorf("%s licence: %d, want 401", name, r.status)
			}
		}
		if rows := logged(revokedID); len(rows) != 0 {
			t.Errorf("revoked licence logged %+v", rows)
		}

		// Over the rate: 429 with Retry-After, no text, the refusal logged.
		if r := f.call("GET", "/api/content/v1/articles/metered-piece", slow, nil); r.status != 200 {
			t.Fatalf("slow, first: %d", r.status)
		}
		r = f.call("GET", "/api/content/v1/articles/metered-piece", slow, nil)
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "60" {
			t.Fatalf("slow, over its rate: %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
		}
		if e, _ := r.body["error"].(map[string]any); e["code"] != "rate_limited" || r.body["body"] != nil {
			t.Errorf("over the rate: %v", r.body)
		}
		if rows := logged(slowID); len(rows) != 2 || rows[0].Decision != masthead.LicenceFull || rows[1].Decision != masthead.LicenceRateLimited {
			t.Errorf("slow licence logged %+v, want a full read and a rate-limited one", rows)
		}
	})
}
