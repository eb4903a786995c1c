package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"masthead/importer"
	"masthead/markdown"
)

// runReindex rebuilds the search index from the articles. Writes keep the
// index current on their own; this is for a database that had articles
// before search existed, or after a change to how articles are indexed.
// A server may keep running meanwhile: its searches see the index fill up.
func runReindex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := flag.NewFlagSet("reindex", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.commonFlags(fs)
	if err := cfg.parse(fs, args); err != nil {
		return err
	}
	db, err := openStore(ctx, &cfg, cfg.logger(stderr), markdown.New())
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	var bar *importer.Progress
	n := 0
	err = db.Reindex(ctx, func(done, total int) {
		if bar == nil {
			bar = importer.NewProgress(stderr, total, "indexing")
		}
		bar.Update(done, total)
		n = done
	})
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Indexed %d articles in %s.\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}
