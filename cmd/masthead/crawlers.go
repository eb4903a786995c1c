package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"masthead"
)

// runCrawlers loads the address ranges an AI crawler's operator
// publishes, from a file the operator fetched (docs/readers.md, "AI
// crawlers"): the site never fetches them while serving. Every instance
// picks them up within a second.
func runCrawlers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, fs := dbFlags("crawlers", stderr)
	sub := ""
	if len(args) > 0 && (args[0] == "load" || args[0] == "list") {
		sub, args = args[0], args[1:]
	} else if len(args) == 0 || (args[0] != "-h" && args[0] != "--help" && args[0] != "-help") {
		usage(fs)
		return errors.New(`crawlers: want "crawlers load FAMILY FILE" or "crawlers list"`)
	}
	db, err := cfg.open(ctx, fs, args, stderr, func() error {
		switch {
		case sub == "load" && fs.NArg() != 2:
			return errors.New("crawlers load: want FAMILY FILE")
		case sub == "list" && fs.NArg() != 0:
			return errors.New("crawlers list: takes no arguments")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if sub == "list" {
		ranges, err := db.CrawlerRanges(ctx)
		if err != nil {
			return err
		}
		for _, c := range masthead.AICrawlers {
			verify := fmt.Sprintf("%d ranges", len(ranges[c.Family]))
			if c.Match == "" {
				verify = "robots.txt only"
			}
			fmt.Fprintf(stdout, "%-20s %-20s %-14s %s\n", c.Family, c.Agent, c.Operator, verify)
		}
		return nil
	}
	family, path := fs.Arg(0), fs.Arg(1)
	c, ok := masthead.AICrawlerFamily(family)
	if !ok {
		var names []string
		for _, c := range masthead.AICrawlers {
			names = append(names, c.Family)
		}
		return fmt.Errorf("crawlers load: no family %q (want one of %s)", family, strings.Join(names, ", "))
	}
	if c.Match == "" {
		return fmt.Errorf("crawlers load: %s is a robots.txt token only; its crawler visits as its search engine's", c.Agent)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("crawlers load: %w", err)
	}
	prefixes, err := masthead.ParseCrawlerRanges(data)
	if err != nil {
		return fmt.Errorf("crawlers load %s: %w", path, err)
	}
	before, err := db.ReplaceCrawlerRanges(ctx, family, prefixes)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Loaded %d address ranges of %s (%s), in place of %d; every instance uses them within a second.\n",
		len(prefixes), c.Agent, c.Operator, before)
	return nil
}
