package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"masthead"
	"masthead/importer"
	"masthead/store"
)

// runExport writes the whole publication to one JSON document
// (docs/export.md) that `masthead import` reads back, on either engine.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, fs := dbFlags("export", stderr)
	db, err := cfg.open(ctx, fs, args, stderr, func() error {
		if fs.NArg() != 1 {
			usage(fs)
			return errors.New("export: name one file (- for standard output)")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	progress := func(table string, rows int64) {
		fmt.Fprintf(stderr, "  %-28s %9d rows\n", table, rows)
	}
	path := fs.Arg(0)
	if path == "-" {
		st, err := db.Export(ctx, stdout, progress)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "Exported %d rows of %d tables in %s.\n", st.Rows, st.Tables, time.Since(start).Round(time.Millisecond))
		return nil
	}
	st, err := exportFile(ctx, db, path, progress)
	if err != nil {
		var me *masthead.Error
		if errors.As(err, &me) {
			return fmt.Errorf("export: %s", me.Message)
		}
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(stdout, "Exported %d rows of %d tables from %s to %s in %s.\n",
		st.Rows, st.Tables, db.Engine(), path, time.Since(start).Round(time.Millisecond))
	return nil
}

// exportFile writes the export to path. It holds the database's secrets,
// so it is a new file readable by its owner only, put at path when
// complete, never over an existing file or through a link planted there.
func exportFile(ctx context.Context, db *store.DB, path string, progress func(string, int64)) (store.ExportStats, error) {
	f, err := store.CreateSecretFile(path)
	if err != nil {
		return store.ExportStats{}, err
	}
	defer f.Abort()
	st, err := db.Export(ctx, f, progress)
	if err != nil {
		return st, err
	}
	return st, f.Commit()
}

// isExportFile reports whether path is a file (not a directory) that
// starts like an export document.
func isExportFile(path string) (bool, error) {
	info, err := os.Stat(path)
	if err != nil || info.IsDir() {
		return false, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	return store.IsExport(head[:n]), nil
}

// importExport reads an export document into db: everything in one
// transaction, then the search index is rebuilt.
func importExport(ctx context.Context, db *store.DB, path string, stdout, stderr io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	start := time.Now()
	var bar *importer.Progress
	st, err := db.Import(ctx, bufio.NewReaderSize(f, 1<<20),
		func(table string, rows int64) { fmt.Fprintf(stderr, "  %-28s %9d rows\n", table, rows) },
		func(done, total int) {
			if bar == nil {
				bar = importer.NewProgress(stderr, total, "indexing")
			}
			bar.Update(done, total)
		})
	if bar != nil {
		bar.Finish()
	}
	var ie *store.ImportError
	var me *masthead.Error
	switch {
	case errors.As(err, &ie):
		return err
	case errors.As(err, &me):
		return fmt.Errorf("import: %s", me.Message)
	case err != nil:
		return err
	}
	fmt.Fprintf(stdout, "Imported %d rows of %d tables into %s in %s; the search index is rebuilt.\n",
		st.Rows, st.Tables, db.Engine(), time.Since(start).Round(time.Millisecond))
	return nil
}
