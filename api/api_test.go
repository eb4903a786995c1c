package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/api"
	"masthead/store"
)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

// fixture is a test server over a fresh database with a small library,
// staff and one key of each kind.
type fixture struct {
	t      *testing.T
	db     *store.DB
	srv    *httptest.Server
	h      *api.Handler
	doc    *schemaDoc
	admin  *masthead.Member
	reader *masthead.Member
	// keys by name: content, fulltext, editor, admin, revoked
	keys map[string]string
}

// secretBody is text only the body of the metered and subscriber
// articles holds, after their teaser.
const secretBody = "The secret paragraph past the wall."

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, db: db, keys: map[string]string{}, doc: loadDoc(t)}
	var err error
	if f.admin, err = db.EnsureMember(ctx, "admin@example.com", masthead.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if f.reader, err = db.EnsureMember(ctx, "reader@example.com", masthead.RoleNone); err != nil {
		t.Fatal(err)
	}
	body := "First paragraph for everyone.\n\nSecond paragraph, still the teaser.\n\nThird paragraph.\n\n" +
		strings.Repeat("More words to read here. ", 40) + "\n\n" + secretBody + "\n"
	for i, a := range []masthead.ArticleInput{
		{Slug: "free-piece", Title: "Free piece", Access: masthead.AccessFree, TopicSlugs: []string{"economy"}, RegionSlugs: []string{"europe"},
			AuthorSlugs: []string{"ada"}, ColumnSlug: "the-view", Kind: masthead.KindDaily},
		{Slug: "metered-piece", Title: "Metered piece", Access: masthead.AccessMetered, TopicSlugs: []string{"economy"}, AuthorSlugs: []string{"ada"}, Kind: masthead.KindInDepth},
		{Slug: "subscriber-piece", Title: "Subscriber piece", Access: masthead.AccessSubscribers, TopicSlugs: []string{"climate"}, AuthorSlugs: []string{"bo"}, Kind: masthead.KindBriefing},
	} {
		a.BodyMarkdown, a.Dek = body, "A dek about "+a.Title
		a.Status, a.PublishedAt = masthead.StatusPublished, now.Add(-time.Duration(i+1)*time.Hour)
		if _, err := db.CreateArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.CreateArticle(ctx, masthead.ArticleInput{Slug: "a-draft", Title: "A draft", BodyMarkdown: "Not yet.", Status: masthead.StatusDraft}); err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]masthead.APIKeyInput{
		"content":  {Kind: masthead.APIKeyContent, Name: "Teasers"},
		"fulltext": {Kind: masthead.APIKeyContent, Name: "Full", Scopes: []string{masthead.ScopeFullText}},
		"editor":   {Kind: masthead.APIKeyAdmin, Name: "CMS", Role: masthead.RoleEditor},
		"admin":    {Kind: masthead.APIKeyAdmin, Name: "Ops", Role: masthead.RoleAdmin},
		"revoked":  {Kind: masthead.APIKeyAdmin, Name: "Old", Role: masthead.RoleAdmin},
	} {
		in.CreatedBy = f.admin.ID
		secret, hash, hint := masthead.NewAPIKeySecret(in.Kind)
		k, err := db.CreateAPIKey(ctx, in, hash, hint)
		if err != nil {
			t.Fatal(err)
		}
		if name == "revoked" {
			if err := db.RevokeAPIKey(ctx, k.ID); err != nil {
				t.Fatal(err)
			}
		}
		f.keys[name] = secret
	}
	f.h = api.New(api.Config{BaseURL: "https://news.example"},
		api.Deps{Articles: db, Taxonomy: db, Members: db, Keys: db, Search: db, MemberStore: db, Clock: &fixedClock{now}})
	f.srv = httptest.NewServer(f.h)
	t.Cleanup(f.srv.Close)
	return f
}

func loadDoc(t *testing.T) *schemaDoc {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal(api.OpenAPI(), &root); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return &schemaDoc{root: root}
}

// response is a decoded API response.
type response struct {
	status int
	header http.Header
	body   map[string]any
}

// call sends a request with the key (Authorization: Bearer) and checks
// the response against the document: the status must be documented for
// the operation, and the body must validate against its schema.
func (f *fixture) call(method, path, key string, body any) response {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, f.srv.URL+path, rd)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := response{status: res.StatusCode, header: res.Header}
	if err := json.Unmarshal(raw, &out.body); err != nil {
		f.t.Fatalf("%s %s: %d, not a JSON object: %s", method, path, res.StatusCode, raw)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		f.t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	f.checkDocumented(method, path, res.StatusCode, out.body)
	return out
}

// checkDocumented validates a response against the operation's schema.
func (f *fixture) checkDocumented(method, path string, status int, body map[string]any) {
	f.t.Helper()
	u, _ := url.Parse(path)
	op := f.doc.operation(method, u.Path)
	if op == nil {
		f.t.Errorf("%s %s: no operation in openapi.json", method, u.Path)
		return
	}
	responses, _ := op["responses"].(map[string]any)
	r, ok := responses[strconv.Itoa(status)].(map[string]any)
	if !ok {
		f.t.Errorf("%s %s: status %d is not documented", method, u.Path, status)
		return
	}
	schema := r["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
	var v any
	b, _ := json.Marshal(body)
	json.Unmarshal(b, &v)
	for _, e := range f.doc.validate(schema, v, "$") {
		f.t.Errorf("%s %s → %d: %s", method, u.Path, status, e)
	}
}

var paramRE = regexp.MustCompile(`\{[^}]+\}`)

// operation finds the document's operation for a request path.
func (d *schemaDoc) operation(method, path string) map[string]any {
	paths := d.root["paths"].(map[string]any)
	for tmpl, item := range paths {
		if ok, _ := regexp.MatchString(paramRE.ReplaceAllString(tmplRE(tmpl), `[^/]+`), path); ok {
			op, _ := item.(map[string]any)[strings.ToLower(method)].(map[string]any)
			return op
		}
	}
	return nil
}

// tmplRE turns a path template into a regular expression source with
// its {params} left in place for the caller to replace.
func tmplRE(tmpl string) string {
	parts := paramRE.Split(tmpl, -1)
	params := paramRE.FindAllString(tmpl, -1)
	var b strings.Builder
	b.WriteString("^")
	for i, p := range parts {
		b.WriteString(regexp.QuoteMeta(p))
		if i < len(params) {
			b.WriteString(params[i])
		}
	}
	b.WriteString("$")
	return b.String()
}

func get(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

func httptestRecorder(h http.Handler, method, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}
