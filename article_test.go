package masthead_test

import (
	"strings"
	"testing"
	"time"

	"masthead"
)

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"The Weekly View":                "the-weekly-view",
		"  Über   Café: Prices & Wages ": "uber-cafe-prices-wages",
		"Q3 2025 — what's next?":         "q3-2025-what-s-next",
		"!!!":                            "",
		"北京":                             "",
		strings.Repeat("word ", 40):      strings.TrimRight(strings.Repeat("word-", 16), "-"),
	} {
		if got := masthead.Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
		if got := masthead.Slugify(in); got != "" && !masthead.ValidSlug(got) {
			t.Errorf("Slugify(%q) = %q is not a valid slug", in, got)
		}
	}
}

func TestArticleInputValidate(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ok := func() masthead.ArticleInput {
		return masthead.ArticleInput{Title: "A title", BodyMarkdown: "Body."}
	}
	tests := []struct {
		name   string
		edit   func(*masthead.ArticleInput)
		fields []string
	}{
		{"defaults are valid", func(*masthead.ArticleInput) {}, nil},
		{"no title", func(in *masthead.ArticleInput) { in.Title = "  " }, []string{"title", "slug"}},
		{"bad slug", func(in *masthead.ArticleInput) { in.Slug = "Not_A--Slug" }, []string{"slug"}},
		{"unknown access", func(in *masthead.ArticleInput) { in.Access = "everyone" }, []string{"access"}},
		{"unknown kind", func(in *masthead.ArticleInput) { in.Kind = "op-ed" }, []string{"kind"}},
		{"unknown status", func(in *masthead.ArticleInput) { in.Status = "live" }, []string{"status"}},
		{"scheduled without time", func(in *masthead.ArticleInput) { in.Status = masthead.StatusScheduled }, []string{"published_at"}},
		{"oversized body", func(in *masthead.ArticleInput) { in.BodyMarkdown = strings.Repeat("x", masthead.MaxBodyBytes+1) }, []string{"body"}},
		{"bad topic slug", func(in *masthead.ArticleInput) { in.TopicSlugs = []string{"Bad Topic"} }, []string{"topics"}},
		{"javascript image", func(in *masthead.ArticleInput) {
			in.Image = masthead.Image{URL: "javascript:alert(1)", Alt: "x"}
		}, []string{"image_url"}},
		{"image without alt", func(in *masthead.ArticleInput) { in.Image = masthead.Image{URL: "/a.jpg"} }, []string{"image_alt"}},
		{"unknown review state", func(in *masthead.ArticleInput) { in.Review = "maybe" }, []string{"review"}},
		{"review note at its limit", func(in *masthead.ArticleInput) {
			in.Review, in.ReviewNote = masthead.ReviewReturned, strings.Repeat("é", masthead.MaxReviewNote)
		}, nil},
		{"review note over its limit", func(in *masthead.ArticleInput) {
			in.Review, in.ReviewNote = masthead.ReviewReturned, strings.Repeat("é", masthead.MaxReviewNote+1)
		}, []string{"review_note"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok()
			tt.edit(&in)
			in.Normalize(now)
			err := in.Validate()
			fields := masthead.ErrorFields(err)
			if len(tt.fields) == 0 && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			for _, f := range tt.fields {
				if fields[f] == "" {
					t.Errorf("no message for %s in %v", f, err)
				}
			}
			if len(tt.fields) > 0 && masthead.ErrorCode(err) != masthead.EINVALID {
				t.Errorf("code %q", masthead.ErrorCode(err))
			}
		})
	}

	in := ok()
	in.Normalize(now)
	if in.Access != masthead.AccessMetered || in.Kind != masthead.KindDaily || in.Status != masthead.StatusDraft || in.Slug != "a-title" {
		t.Errorf("defaults: %+v", in)
	}
	in = ok()
	in.Status = masthead.StatusPublished
	in.Normalize(now)
	if !in.PublishedAt.Equal(now) {
		t.Errorf("published without a date: %v", in.PublishedAt)
	}
}

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{
		" Reader@Example.COM ":  "reader@example.com",
		"josé@exämple.com":      "josé@exämple.com",
		"first.last+tag@a.b.io": "first.last+tag@a.b.io",
	} {
		got, err := masthead.NormalizeEmail(in)
		if err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "plain", "a@b", "Name <a@b.com>", "a@b.com, c@d.com", "@b.com", strings.Repeat("a", 250) + "@b.com"} {
		if _, err := masthead.NormalizeEmail(bad); masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("NormalizeEmail(%q) accepted: %v", bad, err)
		}
	}
}

func TestArticleLiveAt(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tt := range []struct {
		status masthead.Status
		at     time.Time
		want   bool
	}{
		{masthead.StatusPublished, now, true},
		{masthead.StatusScheduled, now.Add(-time.Second), true},
		{masthead.StatusScheduled, now.Add(time.Second), false},
		{masthead.StatusDraft, now.Add(-time.Hour), false},
		{masthead.StatusPublished, time.Time{}, false},
	} {
		a := masthead.Article{Status: tt.status, PublishedAt: tt.at}
		if got := a.LiveAt(now); got != tt.want {
			t.Errorf("%s at %v: live %v, want %v", tt.status, tt.at, got, tt.want)
		}
	}
	if m := (&masthead.Article{WordCount: 231}).ReadingMinutes(); m != 2 {
		t.Errorf("reading minutes %d", m)
	}
}

func TestErrors(t *testing.T) {
	err := masthead.Errorf(masthead.ENOTFOUND, "article %q not found", "x")
	if masthead.ErrorCode(err) != masthead.ENOTFOUND || masthead.ErrorMessage(err) != `article "x" not found` {
		t.Errorf("%v", err)
	}
	plain := strings.NewReader("").UnreadByte() // a non-domain error
	if masthead.ErrorCode(plain) != masthead.EINTERNAL || masthead.ErrorMessage(plain) != "internal error" {
		t.Errorf("internal errors must not leak: %q", masthead.ErrorMessage(plain))
	}
	if masthead.ErrorCode(nil) != "" {
		t.Error("nil error has a code")
	}
}
