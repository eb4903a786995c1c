// Command masthead serves a publication: articles behind a registration
// wall and a meter, subscriptions, search and newsletters, from one binary
// on SQLite or PostgreSQL.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	_ "time/tzdata" // time zones work on machines without a zoneinfo database
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Main(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		var ec exitCode
		if errors.As(err, &ec) {
			// The command has already said what went wrong.
			os.Exit(int(ec))
		}
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "masthead:", err)
		}
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(1)
	}
}

// exitCode is an error that asks for a particular exit status.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// command is one subcommand.
type command struct {
	run func(ctx context.Context, args []string, stdout, stderr io.Writer) error
	helpText
}

// helpText documents a command; usage prints it above the flags.
type helpText struct {
	// doc's first line is the command's summary in "masthead help", a
	// whole sentence; the rest is wrapped at words.
	doc string
	// args is what follows the flags in the usage line. A command
	// whose args is empty takes no arguments (checkArgs); one with
	// subcommands places [flags] itself ("add [flags] EMAIL").
	args string
}

// synopsis is what follows the command's name in its usage line.
func (h helpText) synopsis() string {
	if strings.Contains(h.args, "[flags]") {
		return h.args
	}
	return " [flags]" + h.args
}

// summary is the first line of doc.
func (h helpText) summary() string {
	first, _, _ := strings.Cut(h.doc, "\n")
	return first
}

// help documents each command. It is data only, so usage can read it
// without referring to the run functions.
var help = map[string]helpText{
	"serve": {doc: "Serve the publication over HTTP: reader pages, feeds, sitemaps and the staff area at /admin."},
	"demo":  {doc: "Fill the database with a generated demo publication (deterministic for a seed)."},
	"import": {args: " DIR | FILE", doc: `Import articles from Markdown files, a Ghost or WordPress export, or a Masthead export.

DIR: Markdown files with YAML front matter (Hugo, Jekyll or Masthead fields), read
recursively. A file that cannot be read is reported with its path and line and the rest
still imports; the exit status is 1 when any file failed.

Nothing on the site is overwritten: an article or byline whose slug the site has is imported
under a new slug (each listed at the end) unless --update replaces what has it; an account
that exists here is left as it is.

FILE, a Ghost export (JSON, from Ghost's Settings → Labs → Export content) or a WordPress
export (WXR XML, from Tools → Export → All content): posts, pages, authors, tags, categories
and members with their newsletter consent, in one transaction; old addresses answer 301
with the new ones. The format is told by content; --format ghost|wordpress says it outright,
--map sends tags and categories elsewhere (docs/importing.md).

FILE written by ` + "`masthead export`" + `: the whole publication, into an empty database, in one
transaction: all of it or, when it cannot be read, nothing (docs/export.md).`},
	"user": {args: " add [flags] EMAIL | remove EMAIL", doc: `Give a member a staff role, or take it away.
` + "`user add --role admin|editor|author EMAIL`" + ` creates or promotes a member and prints a one-time
sign-in link to --base-url; ` + "`user remove EMAIL`" + ` takes the role away, ends the member's sessions
and revokes their Admin API tokens (never the last admin).`},
	"migrate": {doc: "Apply database migrations and report the schema version (serve does this at start too)."},
	"billing": {args: " sync [flags]", doc: `Re-read every subscription from Stripe and repair local state.
Each subscription's status and the entitlement it grants (needs --stripe-secret-key).`},
	"export": {args: " FILE", doc: `Write the whole publication to FILE as one JSON document (- writes to standard output).
Every table but the search index (docs/export.md); ` + "`masthead import FILE`" + ` reads it back on
either engine.`},
	"backup": {args: " FILE", doc: `Copy a live SQLite database to FILE and check the copy.
The copy is consistent while serve keeps running, and checked with PRAGMA integrity_check.
On PostgreSQL, use pg_dump.`},
	"health": {doc: "Ask a running server whether it is ready (exit status 0) or not (1): for container health checks."},
	"reindex": {doc: `Rebuild the search index from the articles, with a progress bar.
Writes keep the index current; run this once after upgrading a database that already had
articles.`},
	"related": {args: " --rebuild [flags]", doc: `Compute every article's related reading from the whole library, with a progress bar.
Saves keep it current through the related job; run this once after upgrading a database that
already had articles.`},
	"newsletter": {args: " send NAME [flags] | status [flags]", doc: `Send a newsletter now, or list recent issues.
` + "`newsletter send NAME`" + ` sends the issue of the newsletter's current window, composing it when
there is none, with a progress bar (Ctrl-C stops cleanly; run it again to resume). An issue
already sent is not sent again: each recipient gets an issue once.
` + "`newsletter status`" + ` lists recent issues with queued, sent, failed, bounced and unsubscribed
counts.`},
	"media": {args: " fetch [flags]", doc: `Fetch the images imported articles show from their old site into the media library.
Every image an article's body or featured image loads from an http or https address is
downloaded once (within --fetch-timeout and --media-max-mb), stored with its variants like an
upload (docs/media.md), and the article is pointed at the library's copy. An image that
cannot be fetched is listed and left as it was; the exit status is then 1. Running it again
fetches only what is still elsewhere.`},
	"crawlers": {args: " load FAMILY FILE | list", doc: `Load the address ranges an AI crawler's operator publishes, or list the families.
` + "`crawlers load gptbot gptbot.json`" + ` replaces the family's ranges with those of FILE: the JSON of
prefixes OpenAI, Google and others publish, or one address or CIDR range a line. A request
claiming the family's user agent is verified by them, and gets what the family's policy at
/admin/settings says; a claim from elsewhere gets the anonymous page. The site never
fetches them itself: fetch the file, check it, load it (docs/readers.md).
` + "`crawlers list`" + ` lists the families and how many ranges each has.`},
	"licensees": {args: " usage [--from DAY] [--to DAY] [--per request|day] [--key ID]", doc: `Export the billing log of AI crawlers' licensed requests as CSV on stdout.
One row a request (time, licence, licensee, article, what was sent, bytes of article text),
or with --per day one a licensee and UTC day. The log keeps 13 months (docs/licensing.md).`},
	"version": {doc: "Print the version of this binary, its source revision and the schema version it carries."},
}

func commands() map[string]command {
	return map[string]command{
		"serve":   {runServe, help["serve"]},
		"demo":    {runDemo, help["demo"]},
		"import":  {runImport, help["import"]},
		"user":    {runUser, help["user"]},
		"migrate": {runMigrate, help["migrate"]},
		"reindex": {runReindex, help["reindex"]},
		"related": {runRelated, help["related"]},
		"export":  {runExport, help["export"]},
		"backup":  {runBackup, help["backup"]},
		"health":  {runHealth, help["health"]},
		"billing": {runBilling, help["billing"]},

		"newsletter": {runNewsletter, help["newsletter"]},
		"version":    {runVersion, help["version"]},
		"media":      {runMedia, help["media"]},
		"crawlers":   {runCrawlers, help["crawlers"]},
		"licensees":  {runLicensees, help["licensees"]},
	}
}

// Main runs the command line in args and returns when the command ends.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 2 {
			return fmt.Errorf("help: name one command, not %q", strings.Join(args[1:], " "))
		}
		if len(args) == 2 {
			c, ok := cmds[args[1]]
			if !ok {
				printHelp(stderr, cmds)
				return fmt.Errorf("help: unknown command %q", args[1])
			}
			return c.run(ctx, []string{"-h"}, stdout, stdout)
		}
		printHelp(stdout, cmds)
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		printHelp(stderr, cmds)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func printHelp(w io.Writer, cmds map[string]command) {
	fmt.Fprint(w, `masthead — a publication platform in one binary

usage: masthead COMMAND [flags]

Commands:
`)
	names := make([]string, 0, len(cmds))
	width := 0
	for n := range cmds {
		names = append(names, n)
		width = max(width, len(n))
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, cmds[n].summary())
	}
	fmt.Fprint(w, `
Every flag can also be set with an environment variable: --base-url is
MASTHEAD_BASE_URL, and MASTHEAD_BASE_URL_FILE reads the value from a file.
Flags on the command line win over the environment.

Run "masthead help COMMAND" or "masthead COMMAND -h" for a command's flags.
Quick start: masthead serve --demo
`)
}
