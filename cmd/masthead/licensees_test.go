package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/store"
)

// TestLicenseesUsage: `masthead licensees usage` writes the export the
// staff area serves, per request and per day, one licence or all, with a
// licensee's name that a spreadsheet would run as a formula written as
// text.
func TestLicenseesUsage(t *testing.T) {
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := engineDSN(t, engine)
			ctx := context.Background()
			db := siteStore(t, dsn, store.Options{})
			var ids []string
			for _, name := range []string{"AI Lab", `=HYPERLINK("https://evil.example")`} {
				_, hash, hint := masthead.NewAPIKeySecret(masthead.APIKeyContent)
				k, err := db.CreateAPIKey(ctx, masthead.APIKeyInput{Kind: masthead.APIKeyContent, Name: name,
					Scopes: []string{masthead.ScopeLicence}}, hash, hint)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, strconv.FormatInt(k.ID, 10))
				for _, d := range []string{masthead.LicenceFull, masthead.LicenceTeaser, masthead.LicenceFull} {
					if _, err := db.AdmitLicensed(ctx, k, 7, d, 100); err != nil {
						t.Fatal(err)
					}
				}
			}

			// Days around now, so that the rows are in whichever day
			// they were logged.
			now := time.Now().UTC()
			from, to := now.AddDate(0, 0, -1).Format("2006-01-02"), now.AddDate(0, 0, 1).Format("2006-01-02")
			run := func(args ...string) [][]string {
				t.Helper()
				var out, errOut bytes.Buffer
				if err := Main(ctx, append([]string{"licensees", "usage", "--db", dsn}, args...), &out, &errOut); err != nil {
					t.Fatalf("%v: %v\n%s", args, err, errOut.String())
				}
				recs, err := csv.NewReader(&out).ReadAll()
				if err != nil {
					t.Fatalf("%v: %v\n%s", args, err, out.String())
				}
				return recs
			}
			recs := run()
			if len(recs) != 7 || strings.Join(recs[0], ",") != "time,licence_id,licensee,article_id,article,decision,bytes" ||
				recs[1][2] != "AI Lab" || recs[1][5] != "full" || recs[2][5] != "teaser" || recs[6][6] != "100" {
				t.Errorf("per request: %v", recs)
			}
			const text = `'=HYPERLINK("https://evil.example")`
			recs = run("--key", ids[1])
			if len(recs) != 4 || recs[1][1] != ids[1] || recs[1][2] != text {
				t.Errorf("per request, one licence: %v", recs)
			}
			// Per day, by licensee: the quoted name sorts first.
			recs = run("--per", "day", "--from", from, "--to", to)
			if len(recs) != 3 || strings.Join(recs[0], ",") != "day,licence_id,licensee,full,teaser,rate_limited,bytes" ||
				strings.Join(recs[1][1:], ",") != ids[1]+","+text+",2,1,0,300" || strings.Join(recs[2][1:], ",") != ids[0]+",AI Lab,2,1,0,300" {
				t.Errorf("per day: %v", recs)
			}
			if recs := run("--per", "day", "--key", ids[0]); len(recs) != 2 || recs[1][1] != ids[0] {
				t.Errorf("per day, one licence: %v", recs)
			}
		})
	}
}
