package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"masthead/store"
)

// runVersion prints what this binary is: the module version and source
// revision the Go toolchain stamped into it, and the newest database
// schema it carries (the version `migrate` brings a database to).
func runVersion(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	schema, err := store.KnownSchemaVersion()
	if err != nil {
		return err
	}
	bi, _ := debug.ReadBuildInfo()
	fmt.Fprint(stdout, versionText(bi, schema))
	return nil
}

// versionText describes the binary from its build information, which
// may be nil. A build outside a git checkout (or with -buildvcs=false)
// has no revision.
func versionText(bi *debug.BuildInfo, schema int) string {
	version, revision := "(unknown)", "unknown (built without version control information)"
	goVersion := runtime.Version()
	if bi != nil {
		goVersion = bi.GoVersion
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		var rev, at, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if rev != "" {
			revision = rev
			if at != "" {
				revision += " (" + at + ")"
			}
			if modified == "true" {
				revision += ", with uncommitted changes"
			}
		}
	}
	return fmt.Sprintf("masthead %s\n  revision  %s\n  go        %s %s/%s\n  schema    %d\n",
		version, revision, goVersion, runtime.GOOS, runtime.GOARCH, schema)
}
