package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"masthead"
	"masthead/admin"
	"masthead/demo"
	"masthead/importer"
	"masthead/store"
)

// dbFlags starts the flag set of a command that works on the database,
// with the settings every such command shares.
func dbFlags(name string, stderr io.Writer) (*Config, *flag.FlagSet) {
	cfg := &Config{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.commonFlags(fs)
	return cfg, fs
}

// open parses args, runs the command's own checks (so a usage error never
// creates a database file), and opens the database.
func (c *Config) open(ctx context.Context, fs *flag.FlagSet, args []string, stderr io.Writer, checks ...func() error) (*store.DB, error) {
	if err := c.parse(fs, args); err != nil {
		return nil, err
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return nil, err
		}
	}
	// The teasers' budget is serve's setting: a command given none (say
	// a `user add` from a shell without the server's environment) cuts
	// as the stored teasers were cut rather than re-cut the library to
	// the default.
	c.keepTeaserWords = !given(fs, "teaser-words")
	return openStore(ctx, c, c.logger(stderr), c.renderer())
}

// bulkMemory lets the garbage collector of a bulk command (demo, import,
// reindex) wait until the heap is five times what is live (GOGC 400),
// within a soft limit of 1 GiB, unless GOGC or GOMEMLIMIT says otherwise,
// and returns what restores the settings before. Such a command makes
// and drops every article's text, words and vectors once: collecting
// four times less often took a third off masthead's CPU in a reindex of
// 10,000 articles, for about 300 MB more memory (docs/operations.md).
func bulkMemory() (restore func()) {
	percent, limit := -2, int64(-1)
	if os.Getenv("GOGC") == "" {
		percent = debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		limit = debug.SetMemoryLimit(1 << 30)
	}
	return func() {
		if percent != -2 {
			debug.SetGCPercent(percent)
		}
		if limit >= 0 {
			debug.SetMemoryLimit(limit)
		}
	}
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	defer bulkMemory()()
	cfg, fs := dbFlags("demo", stderr)
	n := fs.Int("articles", 2000, "number of articles to generate")
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same publication")
	members := fs.Int("members", 0, "also add this many members (unverified, registered, subscribers, lapsed) with newsletter choices; alone, adds members only (demo/members.go)")
	db, err := cfg.open(ctx, fs, args, stderr, func() error {
		if *n < 0 || *members < 0 {
			return errors.New("--articles and --members must not be negative")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if *members > 0 {
		if err := demoMembers(ctx, db, *members, *seed, stdout); err != nil {
			return err
		}
		articlesSet := false
		fs.Visit(func(f *flag.Flag) { articlesSet = articlesSet || f.Name == "articles" })
		if !articlesSet {
			return nil
		}
	}
	start := time.Now()
	bar := importer.NewProgress(stderr, *n, "generating")
	index := indexBar(stderr)
	_, err = db.BulkLoad(ctx, *n, func(ctx context.Context) error {
		err := demo.Seed(ctx, db, *n, *seed, time.Now(), bar.Update)
		bar.Finish()
		return err
	}, index.update)
	index.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Generated %d articles in %s.\n", *n, time.Since(start).Round(time.Millisecond))
	return nil
}

// progressBar is a progress bar made when the first progress comes.
type progressBar struct {
	w     io.Writer
	label string
	bar   *importer.Progress
}

// indexBar shows the rebuilding of the index after a bulk load.
func indexBar(w io.Writer) *progressBar { return &progressBar{w: w, label: "indexing"} }

func (p *progressBar) update(done, total int) {
	if p.bar == nil {
		p.bar = importer.NewProgress(p.w, total, p.label)
	}
	p.bar.Update(done, total)
}

func (p *progressBar) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	defer bulkMemory()()
	cfg, fs := dbFlags("import", stderr)
	ex := exportFlags(fs) // Ghost and WordPress exports (import_export.go)
	update := fs.Bool("update", false, "replace the articles (and, from Ghost or WordPress, the bylines) whose slug the site has; without it they are imported under new slugs")
	db, err := cfg.open(ctx, fs, args, stderr, func() error {
		if fs.NArg() != 1 {
			usage(fs)
			return errors.New("import: name one directory, or one Ghost or WordPress export file")
		}
		return ex.check(fs.Arg(0))
	})
	if err != nil {
		return err
	}
	defer db.Close()
	// A Masthead export (export.go) is a whole publication.
	if ok, err := isExportFile(fs.Arg(0)); err != nil {
		return err
	} else if ok && ex.format == "" {
		return importExport(ctx, db, fs.Arg(0), stdout, stderr)
	}
	if ex.file {
		ex.opt.Update = *update
		return ex.run(ctx, db, fs.Arg(0), cfg.Location, stdout, stderr)
	}
	files, err := importer.CountFiles(fs.Arg(0))
	if err != nil {
		return err
	}
	bar, index := &progressBar{w: stderr, label: "importing"}, indexBar(stderr)
	var rep importer.Report
	_, err = db.BulkLoad(ctx, files, func(ctx context.Context) error {
		var err error
		rep, err = importer.ImportDir(ctx, db, fs.Arg(0), importer.Options{
			Location: cfg.Location,
			Update:   *update,
			Progress: bar.update,
		})
		bar.finish()
		return err
	}, index.update)
	index.finish()
	if err != nil {
		return err
	}
	for _, fe := range rep.Errors {
		fmt.Fprintln(stderr, fe.Error())
	}
	fmt.Fprintf(stdout, "Imported %d new and %d updated articles; %d files failed; %d skipped (no front matter, or section index pages).\n",
		rep.Created, rep.Updated, rep.Failed, rep.Skipped)
	printCollisions(stdout, rep.Renamed, nil)
	if rep.Failed > 0 {
		return exitCode(1)
	}
	return nil
}

func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, fs := dbFlags("user", stderr)
	role := fs.String("role", "editor", "staff role: admin, editor or author")
	byline := fs.String("byline", "", "author slug the member writes under (authors need one to write)")
	// "user -h" shows the flags; anything else must be "user add ..." or
	// "user remove ...".
	if len(args) > 0 && args[0] == "remove" {
		return runUserRemove(ctx, cfg, fs, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "add" {
		args = args[1:]
	} else if len(args) == 0 || (args[0] != "-h" && args[0] != "--help" && args[0] != "-help") {
		usage(fs)
		return errors.New(`user: want "user add --role ROLE EMAIL" or "user remove EMAIL"`)
	}
	db, err := cfg.open(ctx, fs, args, stderr, func() error {
		if fs.NArg() != 1 {
			usage(fs)
			return errors.New("user add: name one email address")
		}
		if !masthead.Role(*role).Valid() {
			return fmt.Errorf("user add: --role %q: want admin, editor or author", *role)
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	link, err := admin.SignInLink(ctx, db, cfg.BaseURL, fs.Arg(0), masthead.Role(*role), time.Now())
	if err != nil {
		return fmt.Errorf("user add: %s", masthead.ErrorMessage(err))
	}
	if *byline != "" {
		m, err := db.MemberByEmail(ctx, strings.ToLower(strings.TrimSpace(fs.Arg(0))))
		if err == nil {
			err = db.SetAuthorSlug(ctx, m.ID, *byline)
		}
		if err != nil {
			return fmt.Errorf("user add: --byline: %s", masthead.ErrorMessage(err))
		}
	}
	fmt.Fprintf(stdout, "%s is now %s. One-time sign-in link (valid for an hour):\n%s\n", fs.Arg(0), *role, link)
	return nil
}

// runUserRemove takes a staff role away: the member stays a reader, their
// sessions end and their Admin API tokens are revoked. The last
// administrator cannot be removed.
func runUserRemove(ctx context.Context, cfg *Config, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	db, err := cfg.open(ctx, fs, args, stderr, func() error {
		if fs.NArg() != 1 {
			usage(fs)
			return errors.New("user remove: name one email address")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	email, err := masthead.NormalizeEmail(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("user remove: %s", masthead.ErrorMessage(err))
	}
	m, err := db.MemberByEmail(ctx, email)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		return fmt.Errorf("user remove: no member has the address %s", email)
	}
	if err != nil {
		return fmt.Errorf("user remove: %w", err)
	}
	out, err := db.RemoveStaff(ctx, m.ID, 0)
	if err != nil {
		if code := masthead.ErrorCode(err); code == masthead.EINVALID || code == masthead.ECONFLICT {
			return fmt.Errorf("user remove: %s", masthead.ErrorMessage(err))
		}
		return fmt.Errorf("user remove: %w", err)
	}
	fmt.Fprintf(stdout, "%s is no longer %s: %d sessions ended, %d Admin API tokens revoked.\n",
		email, out.Member.Role, out.Sessions, out.Tokens)
	return nil
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, fs := dbFlags("migrate", stderr)
	db, err := cfg.open(ctx, fs, args, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, known, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s schema at version %d (this binary knows %d).\n", db.Engine(), applied, known)
	return nil
}

// redactDSN hides a password in a database URL before it is logged.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	return u.Redacted()
}
