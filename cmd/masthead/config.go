package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"masthead/markdown"
)

// Config is every setting of the binary, read once from flags and then
// from MASTHEAD_* environment variables (and MASTHEAD_*_FILE for a value
// kept in a file), validated, and passed down.
type Config struct {
	DB            string
	Addr          string
	BaseURL       string
	SiteName      string
	Tagline       string
	Timezone      string
	Location      *time.Location
	LogFormat     string
	LogLevel      string
	SecureCookies bool
	PageCacheMB   int
	ShutdownGrace time.Duration
	// ScheduleEvery is read and ignored (--schedule-every is deprecated:
	// jobs publish scheduled articles and send webhooks).
	ScheduleEvery time.Duration
	LeaderLease   time.Duration
	// TeaserWords is the teaser's budget (markdown.Options). serve cuts
	// with it; another command cuts with it only when it is given (flag
	// or environment), and otherwise with the budget the stored teasers
	// have (keepTeaserWords).
	TeaserWords int
	// keepTeaserWords: this command keeps the stored teasers' budget
	// (Config.open sets it).
	keepTeaserWords bool
	// serve: limits on clients (docs/scaling.md)
	MaxConnections    int
	ReadHeaderTimeout time.Duration
	// serve: the Go heap's soft limit (serve.go)
	MemoryLimitMB int

	// baseURLDerived is set when no --base-url was given and the URL
	// comes from the listen address.
	baseURLDerived bool

	// serve --demo
	Demo         bool
	DemoArticles int
	DemoSeed     int64

	// serve: reader sign-in and gift links (accounts.go)
	Accounts accountSettings
	// serve: the meter, trusted proxies and ads (readers.go)
	Readers readerSettings
	// serve: outgoing email (mail.go)
	Mail mailSettings
	// serve: drain delay and metrics (health.go)
	Ops opsSettings
	// serve: bounce and complaint webhooks (bounces.go)
	Bounces bounceSettings
	// serve: Stripe and the entitlement rules (billing.go)
	Billing billingSettings
	// serve: the newsletter sender (newsletter.go)
	Newsletter newsletterSettings
	// serve: outgoing webhooks (webhooks.go)
	Webhooks webhookSettings
	// serve: the durable queue's workers (jobs.go)
	Jobs jobSettings
	// serve, media fetch: uploaded images (media.go)
	Media mediaSettings
	// every command: the CDN purged on changes; serve: what pages tell
	// it (cdn.go)
	CDN cdnSettings
}

// defaultDB is the database of a command given no --db.
const defaultDB = "sqlite:masthead.db"

// commonFlags registers the settings every command that opens the
// database shares.
func (c *Config) commonFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DB, "db", defaultDB, "database: sqlite:PATH or a postgres:// URL")
	fs.StringVar(&c.Timezone, "timezone", "UTC", "the publication's time zone (IANA name), for dates, the archive and schedules")
	fs.StringVar(&c.LogFormat, "log-format", "auto", "log format: text, json, or auto (text on a terminal, JSON otherwise)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&c.BaseURL, "base-url", "", "public URL of the site, used in links, feeds and emails (default http://ADDR)")
	c.CDN.cdnProviderFlag(fs)
	fs.IntVar(&c.TeaserWords, "teaser-words", markdown.DefaultTeaserWords, "words an article's teaser may hold at most, before the wall (it also holds at most a third of the article); a command given it cuts every stored teaser again when it differs from theirs, one given none keeps theirs")
}

// serveFlags registers the settings of the web server.
func (c *Config) serveFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&c.SiteName, "site-name", "The Masthead Review", "the publication's name")
	fs.StringVar(&c.Tagline, "tagline", "News and analysis for readers who want to understand", "one line under the name, also the site's description")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", false, "mark cookies Secure even over plain HTTP (behind a TLS-terminating proxy)")
	fs.IntVar(&c.PageCacheMB, "page-cache-mb", 32, "memory for the anonymous page cache in MB; 0 turns it off")
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", 20*time.Second, "how long a stopping server lets requests in flight finish")
	fs.DurationVar(&c.ScheduleEvery, "schedule-every", 5*time.Second, "deprecated and ignored: scheduled articles are published, and webhooks sent, by jobs of the queue at their time; kept so that existing units still start")
	fs.DurationVar(&c.LeaderLease, "leader-lease", 15*time.Second, "lifetime of the lease that makes one instance run the periodic work; another instance takes over this long after the holder dies")
	fs.IntVar(&c.MaxConnections, "max-connections", 10000, "connections served at once; more wait to be accepted (0: no limit)")
	fs.IntVar(&c.MemoryLimitMB, "memory-limit-mb", 150, "soft limit of the Go heap in MB: the collector works harder near it rather than let the heap double (0: none; GOMEMLIMIT, when set, wins)")
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", 10*time.Second, "how long a client may take to send its request headers")
	fs.BoolVar(&c.Demo, "demo", false, "fill an empty database with a demo publication and print an admin sign-in link")
	fs.IntVar(&c.DemoArticles, "demo-articles", 2000, "articles to generate with --demo")
	fs.Int64Var(&c.DemoSeed, "demo-seed", 1, "random seed for --demo")
	c.Accounts.accountFlags(fs)
	c.Readers.readerFlags(fs)
	c.Mail.mailFlags(fs)
	c.Ops.opsFlags(fs)
	c.Bounces.bounceFlags(fs)
	c.Billing.billingFlags(fs)
	c.Newsletter.newsletterFlags(fs)
	c.Webhooks.webhookFlags(fs)
	c.Jobs.jobFlags(fs)
	c.Media.mediaFlags(fs)
	c.CDN.cdnFlags(fs)
}

// envName maps a flag name to its environment variable.
func envName(flagName string) string {
	return "MASTHEAD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse reads flags and arguments (parseFlags), then validates.
func (c *Config) parse(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return c.validate()
}

// given reports whether the flag name was set on the command line or in
// its environment variable.
func given(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	_, env := os.LookupEnv(envName(name))
	_, file := os.LookupEnv(envName(name) + "_FILE")
	return set || env || file
}

// parseFlags reads a command's flags, then fills every flag not given on
// the command line from its environment variable (MASTHEAD_*, or
// MASTHEAD_*_FILE for a value kept in a file). Every command parses
// through it.
//
// Flags come before arguments: the flag package stops at the first
// argument and leaves the rest unread, so "serve extra --addr X" would
// serve on the default address. A flag after an argument is refused
// (unless a "--" ended the flags), and so is any argument to a command
// whose usage names none; a command that takes arguments checks their
// number itself.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.Usage = func() { usage(fs) }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkArgs(fs, args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		name := envName(f.Name)
		v, ok := os.LookupEnv(name)
		if p, okFile := os.LookupEnv(name + "_FILE"); !ok && okFile {
			b, err := os.ReadFile(p)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s_FILE: %w", name, err))
				return
			}
			v, ok = strings.TrimSpace(string(b)), true
		}
		if ok {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", name, v, err))
			}
		}
	})
	return errors.Join(errs...)
}

// checkArgs refuses what fs.Parse left unread by mistake: arguments to a
// command that takes none, and flags after an argument. args is what was
// parsed; a "--" just before the arguments ends the flags on purpose.
func checkArgs(fs *flag.FlagSet, args []string) error {
	rest := fs.Args()
	if len(rest) == 0 {
		return nil
	}
	h := help[fs.Name()]
	var problems []string
	if h.args == "" {
		problems = append(problems, fmt.Sprintf("unexpected argument %q: %s takes no arguments", rest[0], fs.Name()))
	}
	if read := len(args) - len(rest); read == 0 || args[read-1] != "--" {
		for i, a := range rest {
			if i > 0 && len(a) > 1 && a[0] == '-' {
				problems = append(problems, fmt.Sprintf("%s after the argument %q was not read: flags go before arguments", a, rest[0]))
				break
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s (usage: masthead %s%s)", fs.Name(), strings.Join(problems, "; "), fs.Name(), h.synopsis())
}

func (c *Config) validate() error {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return fmt.Errorf("--timezone %q: not a known time zone", c.Timezone)
	}
	c.Location = loc
	if !strings.HasPrefix(c.DB, "sqlite:") && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		return fmt.Errorf("--db %q: want sqlite:PATH or a postgres:// URL", c.DB)
	}
	if c.BaseURL == "" {
		host := c.Addr
		if host == "" {
			host = "localhost:8080"
		}
		if strings.HasPrefix(host, ":") {
			host = "localhost" + host
		}
		c.BaseURL = "http://" + host
		c.baseURLDerived = true
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--base-url %q: want an absolute http(s) URL", c.BaseURL)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	switch c.LogFormat {
	case "auto", "text", "json":
	default:
		return fmt.Errorf("--log-format %q: want text, json or auto", c.LogFormat)
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	if c.TeaserWords < minTeaserWords || c.TeaserWords > maxTeaserWords {
		return fmt.Errorf("--teaser-words %d: want %d to %d", c.TeaserWords, minTeaserWords, maxTeaserWords)
	}
	if c.PageCacheMB < 0 || c.DemoArticles < 0 {
		return errors.New("--page-cache-mb and --demo-articles must not be negative")
	}
	if err := c.Mail.validate(); err != nil {
		return err
	}
	if err := c.Bounces.validate(); err != nil {
		return err
	}
	if err := c.Billing.validate(); err != nil {
		return err
	}
	if err := c.Webhooks.validate(); err != nil {
		return err
	}
	// Only serve registers --cdn-max-age, whose default is not zero.
	if err := c.CDN.validate(c.CDN.MaxAge != 0); err != nil {
		return err
	}
	if c.Media.MaxMB != 0 || c.Media.MaxMegapixel != 0 {
		// Commands without the media flags leave both zero.
		if err := c.Media.validate(); err != nil {
			return err
		}
	}
	if c.Newsletter.Concurrency != 0 {
		if err := c.Newsletter.validate(); err != nil {
			return err
		}
	}
	return nil
}

// The teaser's budget is bounded: below, a teaser says nothing; above,
// it is most of an analysis piece.
const (
	minTeaserWords = 20
	maxTeaserWords = 1000
)

// renderer is the Markdown renderer with the configured teaser budget.
func (c *Config) renderer() *markdown.Renderer {
	return markdown.NewWith(markdown.Options{TeaserWords: c.TeaserWords})
}

// logger builds the process logger: text on a terminal, JSON otherwise.
func (c *Config) logger(w io.Writer) *slog.Logger {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	format := c.LogFormat
	if format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// usage prints a command's flags with their environment variables.
func usage(fs *flag.FlagSet) {
	w := fs.Output()
	h := help[fs.Name()]
	fmt.Fprintf(w, "usage: masthead %s%s\n\n", fs.Name(), h.synopsis())
	if h.doc != "" {
		fmt.Fprintf(w, "%s\n\n", h.doc)
	}
	fs.VisitAll(func(f *flag.Flag) {
		def := ""
		if f.DefValue != "" && f.DefValue != "false" {
			def = fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "  --%s\n        %s%s\n        env %s\n", f.Name, f.Usage, def, envName(f.Name))
	})
}
