package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"masthead/admin"
)

// runLicensees exports the billing log of AI crawlers' licensed requests
// as CSV (docs/licensing.md), as /admin/api-keys/usage.csv does: one row
// a request, or with --per day one a licensee and day.
func runLicensees(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, fs := dbFlags("licensees", stderr)
	from := fs.String("from", "", "first day, YYYY-MM-DD (UTC); default 30 days before --to")
	to := fs.String("to", "", "last day, YYYY-MM-DD (UTC), included; default today")
	per := fs.String("per", "request", `"request" (one row each) or "day" (per licensee and day)`)
	key := fs.Int64("key", 0, "one licence's id (the API keys page lists them); 0 for all")
	if len(args) > 0 && args[0] == "usage" {
		args = args[1:]
	} else if len(args) == 0 || (args[0] != "-h" && args[0] != "--help" && args[0] != "-help") {
		usage(fs)
		return errors.New(`licensees: want "licensees usage"`)
	}
	var start, end time.Time
	db, err := cfg.open(ctx, fs, args, stderr, func() error {
		if fs.NArg() != 0 {
			return fmt.Errorf("licensees usage: unexpected argument %q", fs.Arg(0))
		}
		if *per != "request" && *per != "day" {
			return fmt.Errorf(`licensees usage: --per is "request" or "day", not %q`, *per)
		}
		end = time.Now().UTC().Truncate(24 * time.Hour)
		if *to != "" {
			t, err := time.Parse("2006-01-02", *to)
			if err != nil {
				return fmt.Errorf("licensees usage: --to %q is not YYYY-MM-DD", *to)
			}
			end = t
		}
		start = end.AddDate(0, 0, -29)
		if *from != "" {
			t, err := time.Parse("2006-01-02", *from)
			if err != nil {
				return fmt.Errorf("licensees usage: --from %q is not YYYY-MM-DD", *from)
			}
			start = t
		}
		if end.Before(start) {
			return errors.New("licensees usage: --to is before --from")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	exp, err := admin.ReadLicenceExport(ctx, db, *per == "day", *key, start, end.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	return exp.Write(ctx, stdout)
}
