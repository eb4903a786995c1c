// Package importer brings an existing site into Masthead: a folder of
// Markdown files with YAML front matter, as Hugo and Jekyll keep them. It
// understands their common fields and Masthead's own, never writes over an
// article without being told (a slug the site holds gets a new one, unless
// Update says to replace the article that has it), and reports each file
// it cannot take as "path:line: message" while importing the rest.
package importer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"masthead"
	"masthead/store"
)

// Writer is the storage an import needs. *store.DB implements it.
type Writer interface {
	// UpsertArticles creates or replaces articles by slug (Update).
	UpsertArticles(ctx context.Context, ins []masthead.ArticleInput) ([]store.UpsertResult, error)
	// InsertArticles creates articles and refuses a taken slug.
	InsertArticles(ctx context.Context, ins []masthead.ArticleInput) ([]store.UpsertResult, error)
	// Slugs are the slugs in use.
	Slugs(ctx context.Context) (store.Slugs, error)
}

// Options tunes ImportDir. The zero value is usable.
type Options struct {
	// Location is the zone of dates written without one; nil means UTC.
	Location *time.Location
	// Clock tells now, to mark articles dated in the future as
	// scheduled; nil means the system clock.
	Clock masthead.Clock
	// Progress, if set, is called as files are done, with the number
	// done and the number found.
	Progress func(done, total int)
	// BatchSize is how many articles go into one transaction; 0 means
	// 500.
	BatchSize int
	// Update replaces the article that has a file's slug. Without it, a
	// file whose slug the site holds is imported under a new slug ("-2"
	// added), named in the report's Renamed.
	Update bool
}

// Report says what an import did. Failed counts files that were not
// imported; Errors says why, one entry per failed file, in path order.
type Report struct {
	Created, Updated, Failed int
	// Skipped counts Markdown files that are not articles: without front
	// matter (a README) or a Hugo section page (_index.md).
	Skipped int
	Errors  []FileError
	// Renamed are the files whose slug the site held, with the slug
	// they were imported under, in path order.
	Renamed []Collision
}

// maxFileBytes bounds what is read of one file: the largest body the
// store accepts and room for front matter.
const maxFileBytes = masthead.MaxBodyBytes + 64<<10

// ImportDir imports every *.md and *.markdown file under dir. It returns
// an error only when the import as a whole could not go on (the folder
// cannot be read, the database failed, ctx was cancelled); the report then
// covers what was done before. Problems with single files are in the
// report.
func ImportDir(ctx context.Context, w Writer, dir string, opt Options) (Report, error) {
	if opt.BatchSize <= 0 {
		opt.BatchSize = 500
	}
	if opt.Clock == nil {
		opt.Clock = masthead.SystemClock{}
	}
	var rep Report
	paths, err := findFiles(dir)
	if err != nil {
		return rep, err
	}
	taken, err := w.Slugs(ctx)
	if err != nil {
		return rep, fmt.Errorf("importer: %w", err)
	}
	pool := articlePool(taken, opt.Update, &rep.Renamed)
	write := w.UpsertArticles
	if !opt.Update {
		write = w.InsertArticles
	}
	total := len(paths)
	if opt.Progress != nil {
		opt.Progress(0, total)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *batch, 1)
	go func() {
		defer close(batches)
		readBatches(ctx, paths, opt, pool, batches)
	}()

	// Batches are written two at a time, so the store renders one while
	// the other holds the database writer; results are taken in order so
	// the report does not depend on timing.
	type flight struct {
		b    *batch
		done chan error
		res  []store.UpsertResult
	}
	var queue []*flight
	done := 0
	var failure error
	settle := func() {
		f := queue[0]
		queue = queue[1:]
		if err := <-f.done; err != nil {
			if failure == nil {
				failure = err
				cancel()
			}
			return
		}
		f.b.account(&rep, f.res)
		done += f.b.files
		if opt.Progress != nil {
			opt.Progress(done, total)
		}
	}
	for b := range batches {
		if failure != nil {
			continue // drain so the reader can stop
		}
		f := &flight{b: b, done: make(chan error, 1)}
		queue = append(queue, f)
		go func() {
			if len(f.b.items) == 0 {
				f.done <- nil
				return
			}
			res, err := write(ctx, f.b.inputs())
			f.res = res
			f.done <- err
		}()
		if len(queue) == 2 {
			settle()
		}
	}
	for len(queue) > 0 {
		settle()
	}
	slices.SortStableFunc(rep.Errors, func(a, b FileError) int { return cmp.Compare(a.Path, b.Path) })
	slices.SortStableFunc(rep.Renamed, func(a, b Collision) int { return cmp.Compare(a.Where, b.Where) })
	if failure == nil {
		failure = ctx.Err()
	}
	if failure != nil {
		return rep, fmt.Errorf("importer: %s: %w", dir, failure)
	}
	return rep, nil
}

// CountFiles counts the Markdown files ImportDir would read in dir.
func CountFiles(dir string) (int, error) {
	paths, err := findFiles(dir)
	return len(paths), err
}

// findFiles lists the Markdown files under dir in lexical order, leaving
// out hidden folders and files (.git) and node_modules.
func findFiles(dir string) ([]string, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != dir && (strings.HasPrefix(name, ".") || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		ext := strings.ToLower(filepath.Ext(name))
		if !strings.HasPrefix(name, ".") && (ext == ".md" || ext == ".markdown") && d.Type().IsRegular() {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("importer: read %s: %w", dir, err)
	}
	return paths, nil
}

// item is one parsed file bound for the store.
type item struct {
	path string
	p    *parsed
}

// batch is a run of files: those parsed, bound for one transaction, and
// those that failed or were skipped on the way.
type batch struct {
	items   []item
	failed  []FileError
	skipped int
	files   int
}

func (b *batch) inputs() []masthead.ArticleInput {
	ins := make([]masthead.ArticleInput, len(b.items))
	for i, it := range b.items {
		ins[i] = it.p.in
	}
	return ins
}

// account adds a written batch's outcome to the report; a store error
// about one article points at the line of the field it names.
func (b *batch) account(rep *Report, res []store.UpsertResult) {
	rep.Skipped += b.skipped
	rep.Failed += len(b.failed)
	rep.Errors = append(rep.Errors, b.failed...)
	for i, r := range res {
		switch {
		case r.Err != nil:
			rep.Failed++
			rep.Errors = append(rep.Errors, *b.items[i].p.fileError(b.items[i].path, r.Err))
		case r.Created:
			rep.Created++
		default:
			rep.Updated++
		}
	}
}

// readBatches reads and parses the files in order and sends them in
// batches. It runs beside the writer, so parsing overlaps writing. A
// slug the site holds is replaced by one from pool.
func readBatches(ctx context.Context, paths []string, opt Options, pool *slugPool, out chan<- *batch) {
	now := opt.Clock.Now()
	slugs := map[string]string{} // slug → the file that has it
	b := &batch{}
	send := func() bool {
		select {
		case out <- b:
			b = &batch{}
			return true
		case <-ctx.Done():
			return false
		}
	}
	for _, path := range paths {
		b.files++
		// Messages name the file as the user would: under dir as given.
		name := path
		p, ferr := readFile(path, name, opt.Location)
		switch {
		case ferr != nil && errors.Is(ferr, ErrNoFrontMatter):
			b.skipped++
		case ferr != nil:
			b.failed = append(b.failed, *ferr)
		case slugs[p.in.Slug] != "":
			b.failed = append(b.failed, FileError{Path: name, Line: p.lines["slug"],
				Message: fmt.Sprintf("slug %q is already used by %s in this import", p.in.Slug, slugs[p.in.Slug])})
		default:
			slugs[p.in.Slug] = name
			p.in.Slug = pool.slugFor(name, p.in.Slug, p.in.Slug)
			slugs[p.in.Slug] = name
			if p.in.Status == masthead.StatusPublished && p.in.PublishedAt.After(now) {
				p.in.Status = masthead.StatusScheduled
			}
			p.in.By = masthead.ArticleActor{Via: masthead.ChangeViaImport}
			b.items = append(b.items, item{path: name, p: p})
		}
		if len(b.items) == opt.BatchSize && !send() {
			return
		}
	}
	if b.files > 0 {
		send()
	}
}

// readFile reads and parses one file. A published article without a date
// takes the file's modification time, which importing again leaves alone,
// rather than the time of the import.
func readFile(path, name string, loc *time.Location) (*parsed, *FileError) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, &FileError{Path: name, Message: err.Error(), Err: err}
	}
	if base := filepath.Base(path); base == "_index.md" || base == "_index.markdown" {
		// A Hugo section's list page, not an article.
		return nil, &FileError{Path: name, Message: "section page", Err: ErrNoFrontMatter}
	}
	if info.Size() > maxFileBytes {
		return nil, &FileError{Path: name, Line: 1, Message: fmt.Sprintf("the file is %d KB; an article's body may be at most %d KB", info.Size()>>10, masthead.MaxBodyBytes>>10)}
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, &FileError{Path: name, Message: err.Error(), Err: err}
	}
	p, err := parse(name, src, loc)
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			return nil, fe
		}
		return nil, &FileError{Path: name, Message: err.Error(), Err: err}
	}
	if p.in.Status == masthead.StatusPublished && !p.date {
		p.in.PublishedAt = info.ModTime().Truncate(time.Second)
	}
	return p, nil
}
