// Command newsletter is Masthead's newsletter send benchmark: it seeds N
// members (default 100,000; all verified and opted in, a third of them
// subscribers, so both segments are rendered), composes one personalised
// issue and sends it with the production engine (package newsletter, the
// mail package's SMTP pool), driven by the issue's job on a worker of the
// queue (package jobs) as serve drives it, to a local SMTP server that
// accepts and discards. The server runs in a child process, so the figures are the
// sender's own: emails per second from the start of the send (queueing
// the deliveries included) to the last message recorded, and the
// sender's peak resident memory during the send.
//
//	go run ./bench/newsletter
//	go run ./bench/newsletter -members 20000 -concurrency 16 -dkim ed25519
//	MASTHEAD_BENCH_POSTGRES=postgres://… go run ./bench/newsletter   # also PostgreSQL
//
// It checks that every member received exactly one message.
//
// With -alerts it measures the alerts of what readers follow instead
// (docs/curator.md): every member follows a topic, every other one a
// region too, two articles in both go live, and the alerts-compose job
// (finding the followers and writing what each is told) and the send
// job it enqueues run on the queue's worker as serve runs them; the
// figure is emails per second from the start of the compose to the last
// message recorded, against the target of 3,000.
//
//	go run ./bench/newsletter -alerts
package main

import (
	"bufio"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"masthead"
	"masthead/jobs"
	"masthead/mail"
	"masthead/mail/mailtest"
	"masthead/newsletter"
	"masthead/store"
)

const sinkArg = "-sink-child"

func main() {
	if len(os.Args) > 2 && os.Args[1] == sinkArg {
		if err := sink(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "bench/newsletter sink:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench/newsletter:", err)
		}
		os.Exit(1)
	}
}

type options struct {
	members     int
	concurrency int
	rate        float64
	batch       int
	perConn     int
	dkim        string
	cpuProfile  string
	alerts      bool
}

func run(ctx context.Context, args []string, w io.Writer) error {
	var o options
	fs := flag.NewFlagSet("bench/newsletter", flag.ContinueOnError)
	fs.IntVar(&o.members, "members", 100000, "members to seed and send to")
	fs.IntVar(&o.concurrency, "concurrency", 16, "messages in flight (SMTP connections)")
	fs.Float64Var(&o.rate, "rate", 0, "messages per second cap (0: none)")
	fs.IntVar(&o.batch, "batch", 1000, "deliveries fetched per query")
	fs.IntVar(&o.perConn, "per-conn", 1000, "messages per SMTP connection before it is replaced")
	fs.StringVar(&o.dkim, "dkim", "none", "DKIM signing: none, ed25519 or rsa (2048-bit)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write the sender's CPU profile of the send to this file")
	fs.BoolVar(&o.alerts, "alerts", false, "measure the alerts of a followed topic instead of a newsletter issue")
	only := fs.String("engine", "", "run one engine only: sqlite or postgres (default: SQLite, and PostgreSQL when MASTHEAD_BENCH_POSTGRES is set)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	engines := []string{"sqlite"}
	if os.Getenv("MASTHEAD_BENCH_POSTGRES") != "" {
		engines = append(engines, "postgres")
	}
	switch *only {
	case "":
	case "sqlite", "postgres":
		engines = []string{*only}
		if *only == "postgres" && os.Getenv("MASTHEAD_BENCH_POSTGRES") == "" {
			return errors.New("-engine postgres needs MASTHEAD_BENCH_POSTGRES")
		}
	default:
		return fmt.Errorf("-engine %q: want sqlite or postgres", *only)
	}
	what := "Newsletter send"
	if o.alerts {
		what = "Alerts of a followed topic"
	}
	fmt.Fprintf(w, what+": %d members, concurrency %d, DKIM %s, GOMAXPROCS %d\n",
		o.members, o.concurrency, o.dkim, runtime.GOMAXPROCS(0))
	for _, engine := range engines {
		if err := bench(ctx, engine, o, w); err != nil {
			return fmt.Errorf("%s: %w", engine, err)
		}
	}
	return nil
}

func bench(ctx context.Context, engine string, o options, w io.Writer) error {
	dir, err := os.MkdirTemp("", "masthead-bench-newsletter-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dsn := "sqlite:" + filepath.Join(dir, "bench.db")
	if engine == "postgres" {
		dsn, err = freshSchema(ctx, os.Getenv("MASTHEAD_BENCH_POSTGRES"))
		if err != nil {
			return err
		}
		defer dropSchema(os.Getenv("MASTHEAD_BENCH_POSTGRES"), dsn)
	}
	// Alerts: a slot of a millisecond, so the compose job is due at once.
	db, err := store.Open(ctx, dsn, store.Options{AlertInterval: time.Millisecond})
	if err != nil {
		return err
	}
	defer db.Close()

	// Seed.
	start := time.Now()
	past := start.Add(-30 * 24 * time.Hour)
	ms := make([]store.BulkMember, o.members)
	for i := range ms {
		ms[i] = store.BulkMember{Email: addr(i), Name: fmt.Sprintf("Reader %d", i), Verified: true, Created: past,
			Newsletters: map[string]bool{masthead.NewsletterFree: true}}
		if i%3 == 0 {
			ms[i].EntitledFrom = past
		}
	}
	if _, err := db.InsertMembers(ctx, ms, "benchmark"); err != nil {
		return err
	}
	ms = nil
	fmt.Fprintf(w, "\n[%s] seeded %d members in %s\n", engine, o.members, time.Since(start).Round(time.Millisecond))

	if o.alerts {
		if err := seedAlerts(ctx, db, o.members); err != nil {
			return err
		}
		fmt.Fprintf(w, "[%s] %d followers of the topic, %d of the region too, after %s\n", engine, o.members, (o.members+1)/2,
			time.Since(start).Round(time.Millisecond))
	}
	n, err := db.Newsletter(ctx, masthead.NewsletterFree)
	if err != nil {
		return err
	}
	now := time.Now()
	var arts []masthead.IssueArticle
	for i := range 12 {
		kind := masthead.KindDaily
		if i%4 == 0 {
			kind = masthead.KindInDepth
		}
		arts = append(arts, masthead.IssueArticle{ArticleID: int64(i + 1), Slug: fmt.Sprintf("article-%d", i),
			Title: fmt.Sprintf("A headline of reasonable length, number %d", i), Dek: strings.Repeat("A dek that explains why this matters. ", 3),
			Authors: []string{"Ana Silva", "Tom Berg"}, Kind: kind, Access: masthead.AccessMetered, PublishedAt: now.Add(-time.Duration(i) * time.Hour)})
	}
	var is *masthead.Issue
	if !o.alerts {
		is, err = db.CreateIssue(ctx, &masthead.Issue{NewsletterID: n.ID, Subject: "The week in review", Status: masthead.IssueScheduled,
			SendAt: now, WindowStart: now.Add(-7 * 24 * time.Hour), WindowEnd: now, Articles: arts,
			EditorsNote: strings.Repeat("A paragraph from the editor about the week. ", 8) + "\n\n" + strings.Repeat("Another thought. ", 10),
			Radar:       strings.Repeat("Something we are watching next week. ", 6)})
		if err != nil {
			return err
		}
	}

	// The SMTP sink, in its own process.
	sinkCmd, smtpURL, sinkOut, err := startSink(o.members)
	if err != nil {
		return err
	}
	defer sinkCmd.Process.Kill()

	mopts := []mail.Option{mail.WithMaxConns(o.concurrency), mail.WithMessagesPerConn(o.perConn)}
	switch o.dkim {
	case "none":
	case "ed25519":
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		mopts = append(mopts, mail.WithDKIM("bench.example", "nl", k))
	case "rsa":
		k, _ := rsa.GenerateKey(rand.Reader, 2048)
		mopts = append(mopts, mail.WithDKIM("bench.example", "nl", crypto.Signer(k)))
	default:
		return fmt.Errorf("-dkim %q: want none, ed25519 or rsa", o.dkim)
	}
	m, err := mail.Open(smtpURL, "The Review <news@bench.example>", mopts...)
	if err != nil {
		return err
	}
	defer m.Close()
	site := newsletter.Site{Name: "The Review", BaseURL: "https://bench.example", From: "The Review <news@bench.example>",
		Location: time.UTC, Secret: []byte("bench-secret-bench-secret-bench!")}
	e := newsletter.New(db, m, site, newsletter.Config{Concurrency: o.concurrency, Rate: o.rate, Batch: o.batch})

	// Measure the send alone: forget the seeding's memory first.
	runtime.GC()
	debug.FreeOSMemory()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM
	_, baseHWM, _ := readMemory()

	done := make(chan struct{})
	var peak int64
	go func() {
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		last, lastAt := 0, time.Now()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if is == nil {
					continue // the alert issue is not composed yet
				}
				c, err := db.IssueCounts(context.Background(), is.ID)
				if err != nil {
					continue
				}
				rss, _, _ := readMemory()
				peak = max(peak, rss)
				fmt.Fprintf(w, "  %6d sent  %6.0f/s  RSS %s\n", c.Sent, float64(c.Sent-last)/time.Since(lastAt).Seconds(), mb(rss))
				last, lastAt = c.Sent, time.Now()
			}
		}
	}()
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
	}
	cpu0 := cpuTime(syscall.RUSAGE_SELF)
	sendStart := time.Now()
	// The send runs as production runs it: the issue's newsletter-send
	// job, written when the issue was scheduled, claimed and run by a
	// worker of the queue.
	pool := jobs.New(db, jobs.Config{Workers: 1})
	pool.Handle(masthead.JobNewsletterSend, e.RunSend)
	pool.Handle(masthead.JobAlerts, e.RunAlerts)
	_, err = pool.RunDue(ctx)
	elapsed := time.Since(sendStart)
	if err == nil && o.alerts {
		is, err = alertIssue(ctx, db)
	}
	finished := false
	if err == nil {
		var sent *masthead.Issue
		if sent, err = db.Issue(ctx, is.ID); err == nil {
			finished = sent.Status == masthead.IssueSent
		}
	}
	senderCPU := cpuTime(syscall.RUSAGE_SELF) - cpu0
	if o.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	close(done)
	if err != nil {
		return err
	}
	if !finished {
		js, _ := db.Jobs(ctx, masthead.JobFilter{})
		for _, j := range js {
			if j.Kind == masthead.JobNewsletterSend && j.LastError != "" {
				return errors.New("the send did not finish: " + j.LastError)
			}
		}
		return errors.New("the send did not finish")
	}
	_, hwm, _ := readMemory()
	c, err := db.IssueCounts(ctx, is.ID)
	if err != nil {
		return err
	}
	m.Close()
	sink0 := cpuTime(syscall.RUSAGE_CHILDREN)
	got, err := sinkResult(sinkCmd, sinkOut)
	if err != nil {
		return err
	}
	sinkCPU := cpuTime(syscall.RUSAGE_CHILDREN) - sink0
	rate := float64(c.Sent) / elapsed.Seconds()
	fmt.Fprintf(w, "[%s] sent %d of %d in %s: %.0f emails/s (target 3,000)  %s\n", engine, c.Sent, c.Total,
		elapsed.Round(time.Millisecond), rate, verdict(rate >= 3000))
	fmt.Fprintf(w, "[%s] sender peak RSS during the send: %s (before: %s)\n", engine, mb(max(hwm, peak)), mb(baseHWM))
	fmt.Fprintf(w, "[%s] SMTP server: %s\n", engine, got)
	per := senderCPU / time.Duration(max(c.Sent, 1))
	sinkPer := sinkCPU / time.Duration(max(c.Sent, 1))
	fmt.Fprintf(w, "[%s] CPU per email: sender %s, SMTP server %s; %d cores at this cost: %.0f emails/s with the server on the same machine, %.0f/s for the sender alone\n",
		engine, per.Round(time.Microsecond), sinkPer.Round(time.Microsecond), runtime.NumCPU(),
		float64(runtime.NumCPU())/(per+sinkPer).Seconds(), float64(runtime.NumCPU())/per.Seconds())
	if c.Sent != o.members || !strings.Contains(got, fmt.Sprintf("%d recipients got exactly one", o.members)) {
		return fmt.Errorf("not every member got exactly one message: %+v; %s", c, got)
	}
	return nil
}

// seedAlerts makes every member follow a topic, with an instant alert,
// every other one a region too, and puts two articles in both live: each
// follower's one email tells of both, through one or two follows.
func seedAlerts(ctx context.Context, db *store.DB, members int) error {
	draft := masthead.ArticleInput{Slug: "seed", Title: "Seed", BodyMarkdown: "Names the topic.", AuthorSlugs: []string{"ana-silva"},
		TopicSlugs: []string{"energy"}, RegionSlugs: []string{"europe"}, Kind: masthead.KindDaily, Status: masthead.StatusDraft}
	if _, err := db.CreateArticle(ctx, draft); err != nil {
		return err
	}
	var all, half []string
	for i := range members {
		all = append(all, addr(i))
		if i%2 == 0 {
			half = append(half, addr(i))
		}
	}
	now := time.Now()
	if err := db.FollowAll(ctx, all, masthead.FollowTopic, "energy", masthead.AlertInstant, now); err != nil {
		return err
	}
	if err := db.FollowAll(ctx, half, masthead.FollowRegion, "europe", masthead.AlertInstant, now); err != nil {
		return err
	}
	// Both in one write, so they go live in one slot.
	var ins []masthead.ArticleInput
	for i := range 2 {
		in := draft
		in.Slug, in.Title, in.Status = fmt.Sprintf("news-%d", i), fmt.Sprintf("A headline of reasonable length, number %d", i), masthead.StatusPublished
		in.Dek = strings.Repeat("A dek that explains why this matters. ", 3)
		ins = append(ins, in)
	}
	if _, err := db.UpsertArticles(ctx, ins); err != nil {
		return err
	}
	time.Sleep(2 * time.Millisecond) // the slot's end, when its job is due
	return nil
}

// alertIssue finds the alert issue the compose job made.
func alertIssue(ctx context.Context, db *store.DB) (*masthead.Issue, error) {
	n, err := db.Newsletter(ctx, masthead.NewsletterAlerts)
	if err != nil {
		return nil, err
	}
	list, err := db.Issues(ctx, masthead.IssueFilter{NewsletterID: &n.ID})
	if err != nil {
		return nil, err
	}
	if len(list) != 1 {
		return nil, fmt.Errorf("%d alert issues composed, want 1", len(list))
	}
	return list[0], nil
}

func verdict(ok bool) string {
	if ok {
		return "OK"
	}
	return "BELOW TARGET"
}

func addr(i int) string { return fmt.Sprintf("bench%06d@example.com", i) }

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

// startSink starts this program as the SMTP sink and reads its URL.
func startSink(members int) (*exec.Cmd, string, *bufio.Reader, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, "", nil, err
	}
	cmd := exec.Command(self, sinkArg, strconv.Itoa(members))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, "", nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", nil, err
	}
	r := bufio.NewReader(out)
	line, err := r.ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		return nil, "", nil, fmt.Errorf("SMTP sink: %w", err)
	}
	cmd.Stdin = nil
	sinkStdin[cmd] = stdin
	return cmd, strings.TrimSpace(line), r, nil
}

var sinkStdin = map[*exec.Cmd]io.WriteCloser{}

// sinkResult closes the sink's input, which makes it count and exit.
func sinkResult(cmd *exec.Cmd, out *bufio.Reader) (string, error) {
	sinkStdin[cmd].Close()
	line, err := out.ReadString('\n')
	cmd.Wait()
	if err != nil {
		return "", fmt.Errorf("SMTP sink result: %w", err)
	}
	return strings.TrimSpace(line), nil
}

// sink runs the discarding SMTP server until its input closes, then
// reports how many of the members got exactly one message.
func sink(members string) error {
	n, err := strconv.Atoi(members)
	if err != nil {
		return err
	}
	srv, err := mailtest.New(mailtest.Discard())
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Println(srv.URL())
	io.Copy(io.Discard, os.Stdin)
	exact, missing, dup := 0, 0, 0
	for i := range n {
		switch c := srv.Received(addr(i)); {
		case c == 1:
			exact++
		case c == 0:
			missing++
		default:
			dup += c - 1
		}
	}
	fmt.Printf("%d messages accepted; %d recipients got exactly one, %d none, %d duplicates\n", srv.Total(), exact, missing, dup)
	return nil
}

// cpuTime is the user and system CPU time of this process (RUSAGE_SELF)
// or of its waited-for children (RUSAGE_CHILDREN).
func cpuTime(who int) time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(who, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// readMemory reads this process's resident size and its peak (VmHWM).
func readMemory() (rss, hwm int64, err error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, val, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		f := strings.Fields(val)
		if len(f) != 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[0], 10, 64)
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	return rss, hwm, nil
}
