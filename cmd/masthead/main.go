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
	doc  string
	args string
}

// help documents each command. It is data only, so usage can read it
// without referring to the run functions.
var help = map[string]helpText{
	"serve":   {doc: "Serve the publication over HTTP: reader pages, feeds, sitemaps and the staff area at /admin."},
	"demo":    {doc: "Fill the database with a generated demo publication (deterministic for a seed)."},
	"import":  {args: " DIR", doc: "Import Markdown files with YAML front matter (Hugo, Jekyll or Masthead fields) from DIR,\nor a Ghost or WordPress export file. Nothing on the site is overwritten: a slug the site has is\nimported under a new one (listed at the end) unless --update replaces what has it. A file that cannot be read is reported with its path and line\nand the rest still imports; the exit status is 1 when any file failed.\nA FILE written by `masthead export` is imported whole into an empty database, in one\ntransaction: all of it or, when it cannot be read, nothing (docs/export.md)."},
	"user":    {args: " add --role ROLE [--byline SLUG] EMAIL | remove EMAIL", doc: "Manage staff: `user add --role admin|editor|author EMAIL` creates or promotes a member\nand prints a one-time sign-in link; `user remove EMAIL` takes the role away, ends the member's\nsessions and revokes their Admin API tokens (never the last admin)."},
	"migrate": {doc: "Apply database migrations and report the schema version (serve does this at start too)."},
	"billing": {args: " sync", doc: "Re-read every subscription from Stripe and repair local state: each one's status and the\nentitlement it grants (needs --stripe-secret-key)."},
	"export":  {args: " FILE", doc: "Write the whole publication (every table but the search index) to FILE as one JSON document\n(docs/export.md); `masthead import FILE` reads it back on either engine. - writes to standard output."},
	"backup":  {args: " FILE", doc: "Copy a live SQLite database to FILE, consistent while serve keeps running, and check the copy\n(PRAGMA integrity_check). On PostgreSQL, use pg_dump."},
	"health":  {doc: "Ask a running server whether it is ready (exit status 0) or not (1): for container health checks."},
	"reindex": {doc: "Rebuild the search index from the articles, with a progress bar (writes keep it current;\nrun this once after upgrading a database that already had articles)."},
}

func commands() map[string]command {
	return map[string]command{
		"serve":   {runServe, help["serve"]},
		"demo":    {runDemo, help["demo"]},
		"import":  {runImport, help["import"]},
		"user":    {runUser, help["user"]},
		"migrate": {runMigrate, help["migrate"]},
		"reindex": {runReindex, help["reindex"]},
		"export":  {runExport, help["export"]},
		"backup":  {runBackup, help["backup"]},
		"health":  {runHealth, help["health"]},
		"billing": {runBilling, help["billing"]},

		"newsletter": {runNewsletter, newsletterHelp},
	}
}

// Main runs the command line in args and returns when the command ends.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if c, ok := cmds[args[1]]; ok {
				return c.run(ctx, []string{"-h"}, stdout, stdout)
			}
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
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, strings.SplitN(cmds[n].doc, "\n", 2)[0])
	}
	fmt.Fprint(w, `
Every flag can also be set with an environment variable: --base-url is
MASTHEAD_BASE_URL, and MASTHEAD_BASE_URL_FILE reads the value from a file.
Flags on the command line win over the environment.

Run "masthead help COMMAND" or "masthead COMMAND -h" for a command's flags.
Quick start: masthead serve --demo
`)
}
