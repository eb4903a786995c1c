package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"masthead"
	"masthead/demo"
	"masthead/importer"
	"masthead/jobs"
	"masthead/mail"
	"masthead/newsletter"
	"masthead/store"
)

// newsletterSettings are the settings of the newsletter sender, shared by
// serve and `masthead newsletter send`.
type newsletterSettings struct {
	SMTPURL      string
	Concurrency  int
	Rate         float64
	Mailto       string
	DKIMKeyFile  string
	DKIMSelector string
	Off          bool
}

func (n *newsletterSettings) newsletterFlags(fs *flag.FlagSet) {
	fs.StringVar(&n.SMTPURL, "newsletter-smtp-url", "", "SMTP server for newsletters (default: --smtp-url); newsletters always use a connection pool of their own, so sign-in emails never wait behind a send")
	fs.IntVar(&n.Concurrency, "newsletter-concurrency", 8, "newsletter messages in flight (SMTP connections)")
	fs.Float64Var(&n.Rate, "newsletter-rate", 0, "newsletter messages per second at most (0: no limit); halves while the server throttles")
	fs.StringVar(&n.Mailto, "newsletter-unsubscribe-mailto", "", "mailbox of List-Unsubscribe's mailto form (default unsubscribe@ the sender's domain)")
	fs.StringVar(&n.DKIMKeyFile, "newsletter-dkim-key-file", "", "PEM private key (RSA or Ed25519) to sign newsletters with DKIM for the sender's domain")
	fs.StringVar(&n.DKIMSelector, "newsletter-dkim-selector", "masthead", "DKIM selector (the key is published at SELECTOR._domainkey.DOMAIN)")
	fs.BoolVar(&n.Off, "newsletter-off", false, "neither compose nor send newsletters on this instance")
}

func (n *newsletterSettings) validate() error {
	if n.SMTPURL != "" {
		if _, err := mail.ParseURL(n.SMTPURL); err != nil {
			return fmt.Errorf("--newsletter-smtp-url: %w", err)
		}
	}
	if n.Concurrency < 1 || n.Concurrency > 256 {
		return errors.New("--newsletter-concurrency must be between 1 and 256")
	}
	if n.Rate < 0 {
		return errors.New("--newsletter-rate must not be negative")
	}
	return nil
}

// openNewsletterTransport opens the newsletter's own SMTP pool, or nil
// when no server is configured (issues are then composed, not sent).
func openNewsletterTransport(cfg *Config, smtpURL string, log *slog.Logger) (*mail.SMTP, error) {
	n := &cfg.Newsletter
	u := n.SMTPURL
	if u == "" {
		u = smtpURL
	}
	if u == "" {
		return nil, nil
	}
	opts := []mail.Option{mail.WithMaxConns(n.Concurrency), mail.WithLogger(log)}
	if n.DKIMKeyFile != "" {
		pem, err := os.ReadFile(n.DKIMKeyFile)
		if err != nil {
			return nil, fmt.Errorf("--newsletter-dkim-key-file: %w", err)
		}
		key, err := mail.ParseDKIMKey(pem)
		if err != nil {
			return nil, fmt.Errorf("--newsletter-dkim-key-file: %w", err)
		}
		from, err := mail.ParseFrom(newsletterFrom(cfg))
		if err != nil {
			return nil, err
		}
		opts = append(opts, mail.WithDKIM(domainOf(from.Address), n.DKIMSelector, key))
	}
	m, err := mail.Open(u, newsletterFrom(cfg), opts...)
	if err != nil {
		return nil, fmt.Errorf("newsletter SMTP: %w", err)
	}
	return m, nil
}

func domainOf(addr string) string {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == '@' {
			return addr[i+1:]
		}
	}
	return addr
}

// newsletterFrom is the site's sender, which newsletters without their own
// address use.
func newsletterFrom(cfg *Config) string {
	if cfg.Mail.MailFrom != "" {
		return cfg.Mail.MailFrom
	}
	return mail.DefaultFrom(cfg.SiteName, cfg.BaseURL)
}

// newsletterSite is the site every newsletter renders with: the engine's
// issues, and the staff area's previews and test sends, so a preview's
// links and unsubscribe key are the ones members get.
func newsletterSite(ctx context.Context, cfg *Config, db *store.DB) (newsletter.Site, error) {
	secret, err := db.NewsletterSecret(ctx)
	if err != nil {
		return newsletter.Site{}, fmt.Errorf("newsletter secret: %w", err)
	}
	return newsletter.Site{Name: cfg.SiteName, BaseURL: cfg.BaseURL, From: newsletterFrom(cfg),
		Mailto: cfg.Newsletter.Mailto, Location: cfg.Location, Secret: secret, NamedFrom: cfg.Mail.MailFrom == ""}, nil
}

// newsletterEngine builds the engine for a command or the server, with
// the site of newsletterSite.
func newsletterEngine(cfg *Config, db *store.DB, site newsletter.Site, tr newsletter.Transport, log *slog.Logger) *newsletter.Engine {
	return newsletter.New(db, tr, site, newsletter.Config{
		Concurrency: cfg.Newsletter.Concurrency, Rate: cfg.Newsletter.Rate, Log: log})
}

// startNewsletters builds the newsletter engine of serve and returns it
// (the desk's "Compose now" uses it, and the queue's newsletter jobs run
// it: handleNewsletters), whether it can send, and the function that
// closes its SMTP pool once the workers have stopped. Newsletters go
// through their own SMTP pool; in demo mode without one they go to the
// development outbox, beside every other email. site is serve's one
// newsletterSite, which the staff area's previews share.
func startNewsletters(cfg *Config, db *store.DB, site newsletter.Site, outbox *mail.Outbox, log *slog.Logger) (e *newsletter.Engine, sends bool, stop func(), err error) {
	var m *mail.SMTP
	if !cfg.Newsletter.Off {
		if m, err = openNewsletterTransport(cfg, cfg.Mail.SMTPURL, log); err != nil {
			return nil, false, nil, err
		}
	}
	var tr newsletter.Transport
	switch {
	case m != nil:
		tr = m
	case outbox != nil && !cfg.Newsletter.Off:
		tr = outbox
		log.Info("newsletters: no SMTP server set; issues are sent to the development outbox", "outbox", cfg.BaseURL+mail.OutboxPath)
	case !cfg.Newsletter.Off:
		log.Warn("newsletters: no SMTP server set (--smtp-url, MASTHEAD_SMTP_URL); issues are composed but not sent")
	}
	e = newsletterEngine(cfg, db, site, tr, log)
	return e, tr != nil, func() {
		if m != nil {
			m.Close()
		}
	}, nil
}

// handleNewsletters gives the pool the newsletter jobs this instance
// runs: composing, unless --newsletter-off, and sending when it also has
// a way to send (SMTP, or the demo's outbox); an instance without one
// leaves the sends to one that has it. Call it before the pool starts.
func handleNewsletters(pool *jobs.Pool, cfg *Config, e *newsletter.Engine, sends bool) {
	if cfg.Newsletter.Off {
		return
	}
	pool.Handle(masthead.JobNewsletterCompose, e.RunCompose)
	// Alerts of what readers follow (docs/curator.md): composed as
	// issues of the alerts newsletter, sent as any issue.
	pool.Handle(masthead.JobAlerts, e.RunAlerts)
	if sends {
		pool.Handle(masthead.JobNewsletterSend, e.RunSend)
	}
}

// scheduleNewsletters enqueues the compose job of every newsletter slot
// now due to be composed, once per slot, and a send job for any due issue
// without one (an upgraded database). Only the leader calls it, every
// minute; it wakes this instance's pool when it added a job.
func scheduleNewsletters(ctx context.Context, db *store.DB, e *newsletter.Engine, pool *jobs.Pool, clock masthead.Clock, log *slog.Logger) {
	now := clock.Now()
	nls, err := db.Newsletters(ctx)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("newsletters: schedule", "err", err)
		}
		return
	}
	added := 0
	for _, n := range nls {
		for _, j := range e.ComposeJobs(n, now) {
			ok, err := db.EnqueueJobOnce(ctx, j)
			if err != nil {
				if ctx.Err() == nil {
					log.Error("newsletters: schedule compose", "newsletter", n.Slug, "slot", j.Key, "err", err)
				}
				continue
			}
			if ok {
				added++
			}
		}
	}
	n, err := db.EnsureIssueSendJobs(ctx, now)
	if err != nil && ctx.Err() == nil {
		log.Error("newsletters: due issues' send jobs", "err", err)
	}
	if added+n > 0 {
		pool.Notify()
	}
}

func runNewsletter(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, fs := dbFlags("newsletter", stderr)
	cfg.Mail.mailFlags(fs)
	cfg.Newsletter.newsletterFlags(fs)
	fs.StringVar(&cfg.SiteName, "site-name", "The Masthead Review", "the publication's name")
	force := fs.Bool("force", false, "send even when nothing was published in the issue's window")
	limit := fs.Int("limit", 20, "status: issues to list")
	sub := ""
	if len(args) > 0 && (args[0] == "send" || args[0] == "status") {
		sub, args = args[0], args[1:]
	} else if len(args) == 0 || (args[0] != "-h" && args[0] != "--help" && args[0] != "-help") {
		usage(fs)
		return errors.New(`newsletter: want "newsletter send NAME" or "newsletter status"`)
	}
	// The name may come before the flags: "newsletter send daily --force".
	name := ""
	if sub == "send" && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	db, err := cfg.open(ctx, fs, args, stderr, func() error {
		switch {
		case sub == "status" && fs.NArg() > 0:
			return fmt.Errorf("newsletter status: unexpected argument %q: it takes none", fs.Arg(0))
		case sub == "send" && name == "" && fs.NArg() == 1:
			name = fs.Arg(0)
		case sub == "send" && fs.NArg() > 0:
			return fmt.Errorf("newsletter send: unexpected argument %q: name one newsletter", fs.Arg(0))
		}
		if sub == "send" && name == "" {
			return errors.New("newsletter send: name one newsletter (daily, weekly, free, …)")
		}
		if err := cfg.Mail.validate(); err != nil {
			return err
		}
		return cfg.Newsletter.validate()
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if sub == "status" {
		return newsletterStatus(ctx, db, *limit, cfg.Location, stdout)
	}
	return newsletterSend(ctx, cfg, db, name, *force, stdout, stderr)
}

func newsletterStatus(ctx context.Context, db *store.DB, limit int, loc *time.Location, w io.Writer) error {
	nls, err := db.Newsletters(ctx)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, n := range nls {
		names[n.ID] = n.Slug
	}
	issues, err := db.Issues(ctx, masthead.IssueFilter{Limit: limit})
	if err != nil {
		return err
	}
	if len(issues) == 0 {
		fmt.Fprintln(w, "No issues yet.")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "ISSUE\tNEWSLETTER\tSTATUS\tSEND AT\tRECIPIENTS\tQUEUED\tSENT\tFAILED\tBOUNCED\tUNSUBSCRIBED\t")
	for _, is := range issues {
		at := "-"
		if !is.SendAt.IsZero() {
			at = is.SendAt.In(loc).Format("2006-01-02 15:04")
		}
		c := is.Counts
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t\n", is.ID, names[is.NewsletterID], is.Status, at,
			c.Total, c.Queued, c.Sent, c.Failed, c.Bounced, c.Unsubscribed)
	}
	return tw.Flush()
}

// newsletterByName finds a newsletter by its short name; an unknown name
// is an error that lists the known ones.
func newsletterByName(ctx context.Context, db *store.DB, slug string) (*masthead.Newsletter, error) {
	n, err := db.Newsletter(ctx, slug)
	if masthead.ErrorCode(err) != masthead.ENOTFOUND {
		return n, err
	}
	nls, err := db.Newsletters(ctx)
	if err != nil {
		return nil, err
	}
	var known []string
	for _, n := range nls {
		known = append(known, n.Slug)
	}
	return nil, fmt.Errorf("newsletter send: no newsletter is called %q; the newsletters are %s", slug, strings.Join(known, ", "))
}

// newsletterSend sends the issue of the newsletter's current window now.
//
// The engine's rule is one issue per newsletter and window (a window runs
// from one scheduled send time to the next) and one delivery per issue and
// recipient. So the command sends the newsletter's pending issue, or
// composes the current window's; the scheduler later finds that window's
// issue and composes no other, so the scheduled send at the end of the
// window sends nothing more. Run again in the same window, the command
// finds the issue sent and sends nothing; a send that stopped half-way
// resumes with the deliveries still queued.
func newsletterSend(ctx context.Context, cfg *Config, db *store.DB, slug string, force bool, stdout, stderr io.Writer) error {
	log := cfg.logger(stderr)
	n, err := newsletterByName(ctx, db, slug)
	if err != nil {
		return err
	}
	m, err := openNewsletterTransport(cfg, cfg.Mail.SMTPURL, log)
	if err != nil {
		return err
	}
	if m == nil {
		return errors.New("newsletter send: no SMTP server: set --smtp-url or --newsletter-smtp-url (MASTHEAD_SMTP_URL)")
	}
	defer m.Close()
	if err := m.Ping(ctx); err != nil {
		return smtpUnusable(m, err)
	}
	site, err := newsletterSite(ctx, cfg, db)
	if err != nil {
		return err
	}
	e := newsletterEngine(cfg, db, site, m, log)
	is, err := pendingIssue(ctx, db, n)
	if err != nil {
		return err
	}
	now := time.Now()
	if is == nil {
		is, err = e.Compose(ctx, n, now, now)
		if masthead.ErrorCode(err) == masthead.ECONFLICT {
			// This window's issue exists already: sent, skipped or
			// cancelled, since it is not pending.
			is, err = db.IssueForWindow(ctx, n.ID, newsletter.Window(n, now, cfg.Location))
		} else if err == nil {
			fmt.Fprintf(stdout, "Composed issue %d of %s: %q, %d articles.\n", is.ID, n.Name, is.Subject, len(is.Articles))
		}
		if err != nil {
			return err
		}
	}
	id, window, end := is.ID, "", time.Time{}
	if !is.WindowStart.IsZero() {
		// The scheduled send that ends the issue's window.
		end = n.Schedule.Next(is.WindowStart, cfg.Location)
		window = issueWindow(is.WindowStart, end, cfg.Location)
	}
	switch is.Status {
	case masthead.IssueSent:
		c := is.Counts
		fmt.Fprintf(stdout, "Issue %d of %s%s was sent at %s to %d recipients (%d sent, %d failed): nothing is sent again, as each recipient gets an issue once.\n",
			id, n.Name, window, is.FinishedAt.In(cfg.Location).Format("Mon 2 Jan 15:04 MST"), c.Total, c.Sent, c.Failed)
		if end.After(now) {
			fmt.Fprintf(stdout, "The next issue's window opens at %s.\n", end.In(cfg.Location).Format("Mon 2 Jan 15:04 MST"))
		}
		return nil
	case masthead.IssueCancelled:
		return fmt.Errorf("newsletter send: issue %d of %s%s was cancelled; nothing was sent", id, n.Name, window)
	case masthead.IssueDraft, masthead.IssueSkipped:
		// A draft or a skipped issue goes out once scheduled; a
		// scheduled one is claimed as it is, whatever its send time.
		is, err = db.SetIssueStatus(ctx, id, masthead.IssueStatusChange{To: masthead.IssueScheduled, Force: force || is.Force, Now: now})
		if masthead.ErrorCode(err) == masthead.EINVALID {
			return fmt.Errorf("newsletter send: nothing was published for issue %d of %s%s; add --force to send it anyway", id, n.Name, window)
		}
	case masthead.IssuePaused:
		is, err = db.SetIssueStatus(ctx, id, masthead.IssueStatusChange{To: masthead.IssueSending, Now: now})
	}
	if err != nil {
		return err
	}

	done := make(chan struct{})
	var bar *importer.Progress
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			c, err := db.IssueCounts(context.Background(), is.ID)
			if err == nil && c.Total > 0 {
				if bar == nil {
					bar = importer.NewProgress(stderr, c.Total, "sending")
				}
				bar.Update(c.Done(), c.Total)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	finished, err := e.SendIssue(ctx, is.ID, true)
	close(done)
	c, cerr := db.IssueCounts(context.Background(), is.ID)
	if bar != nil && cerr == nil {
		bar.Update(c.Done(), c.Total)
		bar.Finish()
	}
	if errors.Is(err, newsletter.ErrStopped) {
		fmt.Fprintf(stdout, "Stopped: %d sent, %d still queued. Run the command again to resume.\n", c.Sent, c.Queued)
		return nil
	}
	if masthead.ErrorCode(err) == masthead.ECONFLICT {
		// Another process holds the send (a running serve).
		return fmt.Errorf("newsletter send: %s", masthead.ErrorMessage(err))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Issue %d of %s%s: %d recipients, %d sent, %d failed, %d suppressed.\n", is.ID, n.Name, window, c.Total, c.Sent, c.Failed, c.Suppressed)
	if end.After(now) {
		fmt.Fprintf(stdout, "It is this window's issue: the scheduled send at %s sends no other.\n", end.In(cfg.Location).Format("Mon 2 Jan 15:04 MST"))
	}
	if !finished {
		fmt.Fprintf(stdout, "%d deliveries wait for a retry after a temporary failure; a running `masthead serve` finishes them.\n", c.Queued)
	}
	return nil
}

// issueWindow describes the window an issue stands for, from its start
// to the scheduled send time that ends it: " (window Fri 4 Dec 06:00 –
// Mon 7 Dec 06:00 UTC)". An issue made by hand has none.
func issueWindow(start, end time.Time, loc *time.Location) string {
	return fmt.Sprintf(" (window %s – %s)", start.In(loc).Format("Mon 2 Jan 15:04"), end.In(loc).Format("Mon 2 Jan 15:04 MST"))
}

// smtpUnusable says why the SMTP server cannot be used, cause first: its
// refusal with its reply code, or why it cannot be reached.
func smtpUnusable(m *mail.SMTP, err error) error {
	where := m.Settings().Redacted()
	var se *mail.SendError
	var errno syscall.Errno
	var dns *net.DNSError
	var why string
	switch {
	case errors.As(err, &se) && se.Code != 0:
		why = fmt.Sprintf("the SMTP server at %s refused: %d %s", where, se.Code, se.Reply)
	case errors.As(err, &errno):
		why = fmt.Sprintf("cannot reach the SMTP server at %s: %s", where, errno.Error())
	case errors.As(err, &dns):
		why = fmt.Sprintf("cannot reach the SMTP server at %s: %s", where, dns.Err)
	case se != nil:
		why = fmt.Sprintf("cannot use the SMTP server at %s: %v", where, se.Err)
	default:
		why = fmt.Sprintf("cannot use the SMTP server at %s: %v", where, err)
	}
	return &causeError{msg: "newsletter send: " + why, err: err}
}

// pendingIssue is the newsletter's newest issue not yet sent, if any.
func pendingIssue(ctx context.Context, db *store.DB, n *masthead.Newsletter) (*masthead.Issue, error) {
	issues, err := db.Issues(ctx, masthead.IssueFilter{NewsletterID: &n.ID, Limit: 1,
		Status: []masthead.IssueStatus{masthead.IssueDraft, masthead.IssueScheduled, masthead.IssueSending, masthead.IssuePaused}})
	if err != nil || len(issues) == 0 {
		return nil, err
	}
	return issues[0], nil
}

// demoMembers adds demo members for `masthead demo --members N`.
func demoMembers(ctx context.Context, db *store.DB, n int, seed int64, w io.Writer) error {
	start := time.Now()
	mix, err := demo.Members(ctx, db, n, seed, time.Now())
	if masthead.ErrorCode(err) == masthead.ECONFLICT {
		return fmt.Errorf("demo members of seed %d are already there: use another --seed", seed)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Added %d members in %s: %d unverified, %d registered readers, %d subscribers, %d lapsed.\n",
		n, time.Since(start).Round(time.Millisecond), mix.Unverified, mix.Registered, mix.Subscribers, mix.Lapsed)
	fmt.Fprintf(w, "Newsletter recipients: daily %d, weekly %d, free %d.\n",
		mix.Newsletter[masthead.NewsletterDaily], mix.Newsletter[masthead.NewsletterWeekly], mix.Newsletter[masthead.NewsletterFree])
	return nil
}
