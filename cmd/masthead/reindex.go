package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"masthead/importer"
)

// runReindex rebuilds the search index from the articles. Writes keep the
// index current on their own; this is for a database that had articles
// before search existed, or after a change to how articles are indexed.
// A server may keep running meanwhile: its searches see the index fill up.
func runReindex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, fs := dbFlags("reindex", stderr)
	db, err := cfg.open(ctx, fs, args, stderr)
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
