package importer_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"masthead"
	"masthead/importer"
)

var plus1 = time.FixedZone("CET", 3600)

func TestParseFile(t *testing.T) {
	tests := []struct {
		name string
		path string
		src  string
		loc  *time.Location
		want masthead.ArticleInput
	}{
		{
			name: "hugo",
			path: "content/posts/energy-grid.md",
			src: `---
title: "Europe's grid faces its hardest winter"
date: 2024-11-18T07:30:00+01:00
lastmod: 2024-11-19
draft: false
summary: "Thin margins."
description: "Loses to summary."
author: "Ingrid Moreau"
tags: ["Energy", "Power grid"]
categories: ["Europe"]
weight: 10
---

Body text.
`,
			want: masthead.ArticleInput{
				Slug: "energy-grid", Title: "Europe's grid faces its hardest winter", Dek: "Thin margins.",
				BodyMarkdown: "Body text.\n", AuthorSlugs: []string{"ingrid-moreau"},
				TopicSlugs: []string{"energy", "power-grid", "europe"},
				Kind:       masthead.KindDaily, Access: masthead.AccessMetered, Status: masthead.StatusPublished,
				PublishedAt: time.Date(2024, 11, 18, 6, 30, 0, 0, time.UTC),
				Names:       map[string]string{"ingrid-moreau": "Ingrid Moreau", "energy": "Energy", "power-grid": "Power grid", "europe": "Europe"},
			},
		},
		{
			name: "hugo page bundle takes the folder's name",
			path: "content/posts/the-weekly-view-12/index.md",
			src: `---
title: The Weekly View, No. 12
date: 2024-12-01
description: Rates and wages.
authors:
  - Tomás Castellano
  - name: Mei Nakamura
    slug: mei-n
images: [images/weekly.jpg]
---
Body.
`,
			loc: plus1,
			want: masthead.ArticleInput{
				Slug: "the-weekly-view-12", Title: "The Weekly View, No. 12", Dek: "Rates and wages.", BodyMarkdown: "Body.\n",
				AuthorSlugs: []string{"tomas-castellano", "mei-n"},
				Kind:        masthead.KindDaily, Access: masthead.AccessMetered, Status: masthead.StatusPublished,
				PublishedAt: time.Date(2024, 11, 30, 23, 0, 0, 0, time.UTC),
				Image:       masthead.Image{URL: "/images/weekly.jpg", Alt: "The Weekly View, No. 12"},
				Names:       map[string]string{"tomas-castellano": "Tomás Castellano", "mei-n": "Mei Nakamura"},
			},
		},
		{
			name: "jekyll post dated by its file name, categories split at spaces",
			path: "_posts/2019-03-14-rates-and-housing.markdown",
			src:  "---\nlayout: post\ntitle:  \"Rates: a primer\"\ncategories: economy housing\nexcerpt: Why it matters.\n---\nBody.\n",
			loc:  plus1,
			want: masthead.ArticleInput{
				Slug: "rates-and-housing", Title: "Rates: a primer", Dek: "Why it matters.", BodyMarkdown: "Body.\n",
				TopicSlugs: []string{"economy", "housing"},
				Kind:       masthead.KindDaily, Access: masthead.AccessMetered, Status: masthead.StatusPublished,
				PublishedAt: time.Date(2019, 3, 13, 23, 0, 0, 0, time.UTC),
			},
		},
		{
			name: "jekyll draft folder",
			path: "site/_drafts/notes.md",
			src:  "---\ntitle: Notes\n---\n",
			want: masthead.ArticleInput{Slug: "notes", Title: "Notes", Kind: masthead.KindDaily,
				Access: masthead.AccessMetered, Status: masthead.StatusDraft},
		},
		{
			name: "masthead's own fields win over the common ones",
			path: "x.md",
			src: `---
title: The canal age
slug: the-canal-age
dek: Lessons in debt.
summary: Not this.
access: Subscribers
kind: In depth
column: The Long View
topics: energy, economy
regions:
  - Britain
  - europe
image: /static/canal.jpg
image_caption: A canal at dusk.
status: scheduled
date: 2024-01-01
publish_at: "2099-06-07 08:00:00"
newsletter: weekly
---
Body.
`,
			want: masthead.ArticleInput{
				Slug: "the-canal-age", Title: "The canal age", Dek: "Lessons in debt.", BodyMarkdown: "Body.\n",
				ColumnSlug: "the-long-view", TopicSlugs: []string{"energy", "economy"}, RegionSlugs: []string{"britain", "europe"},
				Kind: masthead.KindInDepth, Access: masthead.AccessSubscribers, Status: masthead.StatusScheduled,
				Image:       masthead.Image{URL: "/static/canal.jpg", Alt: "A canal at dusk.", Caption: "A canal at dusk."},
				PublishedAt: time.Date(2099, 6, 7, 8, 0, 0, 0, time.UTC),
				Names:       map[string]string{"the-long-view": "The Long View", "britain": "Britain"},
			},
		},
		{
			name: "draft flag, aliases, byte-order mark and CRLF",
			path: "a/b/c.md",
			src:  "\ufeff---\r\ntitle: Aliased\r\ntags: &t [alpha, beta]\r\ncategories: *t\r\ndraft: yes\r\n---\r\nBody.\r\n",
			want: masthead.ArticleInput{
				Slug: "c", Title: "Aliased", BodyMarkdown: "Body.\n", TopicSlugs: []string{"alpha", "beta"},
				Kind: masthead.KindDaily, Access: masthead.AccessMetered, Status: masthead.StatusDraft,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := importer.ParseFile(tc.path, []byte(tc.src), tc.loc)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseFile (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseFileDates(t *testing.T) {
	loc := time.FixedZone("UTC+2", 2*3600)
	for src, want := range map[string]time.Time{
		"2024-05-01T09:00:00Z":            time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC),
		"2024-05-01T09:00:00+02:00":       time.Date(2024, 5, 1, 7, 0, 0, 0, time.UTC),
		"2024-05-01T09:00:00.123-05:00":   time.Date(2024, 5, 1, 14, 0, 0, 123e6, time.UTC),
		"2024-05-01 09:00:00 +0100":       time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC),
		"2024-05-01 09:00:00 -07:00":      time.Date(2024, 5, 1, 16, 0, 0, 0, time.UTC),
		"2024-05-01 09:00:00":             time.Date(2024, 5, 1, 7, 0, 0, 0, time.UTC),
		"2024-05-01T09:00:00":             time.Date(2024, 5, 1, 7, 0, 0, 0, time.UTC),
		"2024-05-01 09:00":                time.Date(2024, 5, 1, 7, 0, 0, 0, time.UTC),
		"2024-05-01":                      time.Date(2024, 4, 30, 22, 0, 0, 0, time.UTC),
		`"2024-05-01"`:                    time.Date(2024, 4, 30, 22, 0, 0, 0, time.UTC),
		"2024-05-01 09:00:00 +0000 UTC":   time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC),
		"Wed, 01 May 2024 09:00:00 +0000": time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC),
	} {
		in, err := importer.ParseFile("d.md", []byte("---\ntitle: T\ndate: "+src+"\n---\n"), loc)
		if err != nil {
			t.Errorf("date %s: %v", src, err)
			continue
		}
		if !in.PublishedAt.Equal(want) {
			t.Errorf("date %s: got %v, want %v", src, in.PublishedAt.UTC(), want)
		}
	}
}

// Every error names the file and the line at fault.
func TestParseFileErrors(t *testing.T) {
	tests := []struct {
		name, src string
		line      int
		msg       string
	}{
		{"no front matter", "# Just a heading\n", 1, "no front matter"},
		{"toml", "+++\ntitle = \"x\"\n+++\n", 1, "TOML"},
		{"never closed", "---\ntitle: x\n\nbody\n", 1, "never closed"},
		{"bad yaml", "---\ntitle: x\ndate: 2024-01-01\ntags: [a, b\nsummary: y\n---\n", 4, "not valid YAML"},
		{"bad yaml mapping", "---\ntitle: x\nsummary: a: b\n---\n", 3, "not valid YAML"},
		{"not a mapping", "---\n- a\n- b\n---\n", 2, "keys and values"},
		{"unknown access", "---\ntitle: x\naccess: premium\n---\n", 3, `unknown access level "premium"`},
		{"unknown kind", "---\ntitle: x\nkind: opinion\n---\n", 3, `unknown kind "opinion"`},
		{"unknown status", "---\ntitle: x\nstatus: live\n---\n", 3, `unknown status "live"`},
		{"bad date", "---\ntitle: x\nauthor: A\ndate: next Tuesday\n---\n", 4, `"next Tuesday" is not a date`},
		{"bad publish_at", "---\ntitle: x\npublish_at: 2024-13-45\n---\n", 3, "is not a date"},
		{"bad lastmod", "---\ntitle: x\nlastmod: yesterday\n---\n", 3, "is not a date"},
		{"invalid slug", "---\ntitle: x\n\nslug: Not A Slug!\n---\n", 4, `slug "Not A Slug!" is not valid`},
		{"missing title", "---\ndate: 2024-01-01\n---\nbody\n", 1, "Title is required"},
		{"title is a list", "---\ntitle: [a, b]\n---\n", 2, "title: want text"},
		{"draft not a boolean", "---\ntitle: x\ndraft: maybe\n---\n", 3, "want true or false"},
		{"scheduled without date", "---\ntitle: x\nstatus: scheduled\n---\n", 3, "needs a publication time"},
		{"author without letters", "---\ntitle: x\nauthors: [\"!!!\"]\n---\n", 3, "no letters or digits"},
		{"two columns", "---\ntitle: x\ncolumn: [a, b]\n---\n", 3, "one column at most"},
		{"unsafe image", "---\ntitle: x\nimage: //evil.example/x.png\n---\n", 3, "Image URL"},
		{"huge title", "---\ntitle: " + strings.Repeat("x", 301) + "\n---\n", 2, "at most 300"},
		{"body too large", "---\ntitle: x\n---\n" + strings.Repeat("a", masthead.MaxBodyBytes+1), 4, "larger than 512 KB"},
		{"NUL byte", "---\ntitle: x\n---\n\nbody\x00\n", 5, "NUL"},
		{"not UTF-8", "---\ntitle: x\nsummary: caf\xe9\n---\n", 3, "UTF-8"},
		{"file name without a slug", "---\ntitle: x\n---\n", 1, "cannot make a slug"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := "posts/example.md"
			if tc.name == "file name without a slug" {
				path = "posts/日本.md"
			}
			_, err := importer.ParseFile(path, []byte(tc.src), nil)
			var fe *importer.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a *FileError", err)
			}
			if fe.Path != path || fe.Line != tc.line || !strings.Contains(fe.Message, tc.msg) {
				t.Errorf("got %q, want %s:%d: …%s…", err, path, tc.line, tc.msg)
			}
			if want := path + ":"; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q does not start with %q", err, want)
			}
		})
	}
}
