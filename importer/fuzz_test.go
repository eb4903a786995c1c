package importer_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"masthead/importer"
	"masthead/markdown"
)

// unsafeHTML finds what must never reach a reader's browser: script and
// iframe elements, event-handler attributes and javascript: URLs. Text
// that merely mentions them is escaped and harmless.
var unsafeHTML = regexp.MustCompile(`(?i)<\s*(script|iframe)|<[^>]*\son[a-z]+\s*=|(href|src)\s*=\s*["']?\s*javascript:`)

// FuzzParseFile feeds arbitrary files through the whole import path short
// of the database: front matter, validation and Markdown rendering. None
// may panic; every failure must be a FileError naming a real line; every
// success must be an article the store would accept, whose HTML carries no
// script. The seed corpus is testdata/site and testdata/fuzz/FuzzParseFile.
func FuzzParseFile(f *testing.F) {
	filepath.WalkDir("testdata/site", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(p, b)
			}
		}
		return nil
	})
	r := markdown.New()
	loc := time.FixedZone("UTC-3", -3*3600)
	f.Fuzz(func(t *testing.T, name string, src []byte) {
		in, err := importer.ParseFile(name, src, loc)
		if err != nil {
			var fe *importer.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *FileError", err, err)
			}
			// Editors, like YAML, break lines at LF, CRLF and a lone CR.
			lines := bytes.Count(bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n")), []byte("\n")) +
				bytes.Count(bytes.ReplaceAll(src, []byte("\r\n"), nil), []byte("\r")) + 1
			if fe.Path != name || fe.Line < 0 || fe.Line > lines+1 || fe.Message == "" {
				t.Fatalf("error %q names line %d of a %d-line file", err, fe.Line, lines)
			}
			return
		}
		check := in
		check.Normalize(time.Now())
		if err := check.Validate(); err != nil {
			t.Fatalf("ParseFile accepted an invalid article: %v", err)
		}
		for _, s := range []string{in.Title, in.Dek, in.BodyMarkdown, in.ColumnSlug, in.Image.URL, in.Image.Alt, in.Image.Caption} {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Fatalf("ParseFile let through invalid text %q", s)
			}
		}
		for k, v := range in.Names {
			if !utf8.ValidString(k) || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				t.Fatalf("ParseFile let through invalid name %q: %q", k, v)
			}
		}
		out, err := r.Render(in.BodyMarkdown)
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		for _, h := range []string{out.HTML, out.Teaser} {
			if unsafeHTML.MatchString(h) {
				t.Fatalf("rendered HTML carries script: %s", h)
			}
		}
	})
}
