package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"masthead"
)

// runBackup copies a live SQLite database to a new file.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, fs := dbFlags("backup", stderr)
	db, err := cfg.open(ctx, fs, args, stderr, func() error {
		if fs.NArg() != 1 {
			usage(fs)
			return errors.New("backup: name one file to write")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	if err := db.Backup(ctx, fs.Arg(0)); err != nil {
		var me *masthead.Error
		if errors.As(err, &me) {
			return fmt.Errorf("backup: %s", me.Message)
		}
		return err
	}
	fmt.Fprintf(stdout, "Backed up %s to %s in %s (integrity check: ok).\n",
		redactDSN(cfg.DB), fs.Arg(0), time.Since(start).Round(time.Millisecond))
	return nil
}
