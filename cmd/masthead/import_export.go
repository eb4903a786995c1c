package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"masthead"
	"masthead/importer"
	"masthead/store"
)

// exportImport holds the flags of "import" that concern Ghost and
// WordPress export files.
type exportImport struct {
	format, mapFile, oldURL, public string
	maps                            mapRules
	file                            bool // the argument is a file, not a folder
	opt                             importer.ExportOptions
}

// mapRules collects repeated --map flags.
type mapRules []string

func (m *mapRules) String() string     { return strings.Join(*m, ",") }
func (m *mapRules) Set(v string) error { *m = append(*m, v); return nil }

func exportFlags(fs *flag.FlagSet) *exportImport {
	ex := &exportImport{}
	fs.StringVar(&ex.format, "format", "", "export format of a file: ghost or wordpress (default: told by content)")
	fs.Var(&ex.maps, "map", "send an old tag or category elsewhere: old=topic, old=column:slug, old=region:slug or old=-; or set the kind or access of its articles: old=kind:in-depth, old=access:subscribers; comma-separated for several (repeatable)")
	fs.StringVar(&ex.mapFile, "map-file", "", "file of --map rules, one a line")
	fs.StringVar(&ex.oldURL, "old-url", "", "address of the old site, to resolve its relative image addresses")
	fs.StringVar(&ex.public, "public-access", "free", "access level of posts the old site showed to everyone: free or metered")
	return ex
}

// check validates the flags once the argument is known, before the
// database is opened.
func (ex *exportImport) check(arg string) error {
	info, err := os.Stat(arg)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	ex.file = !info.IsDir()
	if !ex.file {
		if ex.format != "" || len(ex.maps) > 0 || ex.mapFile != "" {
			return errors.New("import: --format, --map and --map-file apply to an export file, not a folder of Markdown")
		}
		return nil
	}
	switch ex.format {
	case "", importer.FormatGhost, importer.FormatWordPress:
	default:
		return fmt.Errorf("import: --format %q: want ghost or wordpress", ex.format)
	}
	ex.opt = importer.ExportOptions{Format: ex.format, OldURL: ex.oldURL, Map: map[string]string{}}
	rules := []string(ex.maps)
	if ex.mapFile != "" {
		b, err := os.ReadFile(ex.mapFile)
		if err != nil {
			return fmt.Errorf("import: --map-file: %w", err)
		}
		rules = append(strings.Split(string(b), "\n"), rules...)
	}
	if err := importer.ParseMap(rules, ex.opt.Map); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	switch a := masthead.Access(ex.public); a {
	case masthead.AccessFree, masthead.AccessMetered, masthead.AccessSubscribers:
		ex.opt.PublicAccess = a
	default:
		return fmt.Errorf("import: --public-access %q: want free, metered or subscribers", ex.public)
	}
	return nil
}

// run imports the export file in one transaction and reports what it did.
func (ex *exportImport) run(ctx context.Context, db *store.DB, path string, loc *time.Location, stdout, stderr io.Writer) error {
	ex.opt.Location = loc
	start := time.Now()
	rep, err := importer.ImportExport(ctx, db, path, ex.opt)
	if err != nil {
		var es importer.ExportErrors
		if errors.As(err, &es) {
			for _, e := range es {
				fmt.Fprintln(stderr, e.Error())
			}
			fmt.Fprintf(stderr, "%d problems; nothing was imported.\n", len(es))
			return exitCode(1)
		}
		return err
	}
	if len(rep.Warnings) > 0 {
		fmt.Fprint(stderr, "Left out or changed:\n"+rep.Warnings.String())
	}
	s := rep.Summary
	fmt.Fprintf(stdout, "Imported the %s export in %s: %d posts and %d pages (%d new, %d updated articles), %d bylines, %d new staff, %d readers with %d newsletter consents, %d redirects from old addresses; %d entries skipped (attachments, menus, trash).\n",
		rep.Source, time.Since(start).Round(time.Millisecond), rep.Posts, rep.Pages, s.Created, s.Updated, s.Authors, s.Staff, s.Members, s.Consents, s.Redirects, rep.Skipped)
	printCollisions(stdout, rep.Collisions, s.StaffKept)
	if s.MembersKept > 0 {
		fmt.Fprintf(stdout, "%d readers of the export already have an account here, left as it is (verification and newsletter choices unchanged).\n", s.MembersKept)
	}
	if s.RedirectsKept > 0 {
		fmt.Fprintf(stdout, "%d old addresses already redirected elsewhere from an earlier import and kept their targets (--update replaces them).\n", s.RedirectsKept)
	}
	return nil
}

// printCollisions names, after an import's summary, every slug that was
// taken and the one used instead, and every imported staff member whose
// address already had an account, which the import left as it was.
func printCollisions(w io.Writer, cs []importer.Collision, staffKept []string) {
	if len(cs) > 0 {
		fmt.Fprintf(w, "%d slugs were taken; nothing was overwritten (--update replaces articles and bylines of the same slug):\n", len(cs))
		for _, c := range cs {
			fmt.Fprintln(w, "  "+c.String())
		}
	}
	if len(staffKept) > 0 {
		fmt.Fprintf(w, "%d staff of the export already have an account here, left as it is (role and byline unchanged; link a byline with masthead user add --byline):\n", len(staffKept))
		for _, e := range staffKept {
			fmt.Fprintln(w, "  "+e)
		}
	}
}
