// Command soak runs Masthead for minutes under mixed traffic at a fixed
// rate against the demo library and reports errors, latency per kind of
// request and the server's memory over time.
//
//	go run ./bench/soak                          # 10 minutes, 50,000 articles
//	go run ./bench/soak -duration 2m -rate 100   # a shorter look
//	go run ./bench/soak -db sqlite:/tmp/lib.db   # reuse a seeded library
//	go run ./bench/soak -publish-every 5s        # publish while reading
//
// All traffic goes to 127.0.0.1; everything it starts is stopped and its
// temporary directory deleted at the end (-keep keeps it). See
// bench/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"masthead"
	"masthead/bench/internal/proc"
	mhttp "masthead/http"
	"masthead/mail/mailtest"
	"masthead/store"
)

// The kinds of request, and the share of the traffic each takes by
// default.
const (
	kindAnon   = "anonymous page"
	kindSigned = "signed-in page"
	kindSearch = "search"
	kindSignup = "signup"
)

var kinds = []string{kindAnon, kindSigned, kindSearch, kindSignup}

type options struct {
	duration time.Duration
	rate     int
	articles int
	dsn      string
	members  int
	workers  int
	mix      string
	keep     bool
	sample   time.Duration
	// publishEvery, when set, publishes an article that often during the
	// run, as a newsroom does, so the page cache is seen dropping pages.
	publishEvery time.Duration
	// publishAll records each publication as a change of the whole
	// site too, which is what every change was before content keys:
	// the figure to compare with.
	publishAll bool
	// zipf, when above 1, draws articles by popularity (a Zipf law of
	// that exponent over the library, newest first) rather than evenly.
	zipf float64
	// bin, when set, is the masthead binary to run instead of building
	// this tree's: an older commit's, for a before-and-after.
	bin string
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Minute, "how long to send traffic")
	flag.IntVar(&o.rate, "rate", 200, "requests per second, all kinds together, sent on schedule whatever the answers' speed")
	flag.IntVar(&o.articles, "articles", 50000, "demo library size when seeding")
	flag.StringVar(&o.dsn, "db", "", "an already seeded database to serve (default: seed a fresh SQLite library in the temporary directory)")
	flag.IntVar(&o.members, "members", 200, "signed-in readers (a quarter subscribers)")
	flag.IntVar(&o.workers, "workers", 256, "most requests in flight at once; a request due when all are busy counts as late")
	flag.StringVar(&o.mix, "mix", "anonymous=55,signed=25,search=15,signup=5", "shares of the kinds of request")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (binary, database, server log)")
	flag.DurationVar(&o.sample, "sample", time.Second, "how often the server's memory is sampled")
	flag.Float64Var(&o.zipf, "zipf", 0, "draw articles by popularity, a Zipf law of this exponent (above 1, e.g. 1.1) over the library newest first, as readers crowd the day's stories; 0 draws evenly")
	flag.BoolVar(&o.publishAll, "publish-drops-all", false, "with -publish-every, record each publication as a change of the whole site as well, so every cache drops everything as it did before content keys (for comparison)")
	flag.DurationVar(&o.publishEvery, "publish-every", 0, "publish a new article this often during the run (0: never), as a newsroom does while readers read")
	flag.StringVar(&o.bin, "bin", "", "run this masthead binary rather than building cmd/masthead (an older commit's, for a figure before a change); it must serve the -db given")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	shares, err := parseMix(o.mix)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "masthead-soak-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Printf("Working directory (kept): %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	bin := o.bin
	if bin == "" {
		bin = filepath.Join(dir, "masthead")
		fmt.Println("Building cmd/masthead…")
		if err := proc.Build(ctx, bin, "go run ./bench/soak"); err != nil {
			return err
		}
	}
	dsn := o.dsn
	if dsn == "" {
		dsn = "sqlite:" + filepath.Join(dir, "soak.db")
		fmt.Printf("Seeding the demo library of %d articles…\n", o.articles)
		start := time.Now()
		cmd := exec.CommandContext(ctx, bin, "demo", "--db", dsn, "--articles", strconv.Itoa(o.articles), "--seed", "1")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		fmt.Printf("Seeded in %s.\n", time.Since(start).Round(time.Second))
	}
	lib, err := prepare(ctx, dsn, o.members)
	if err != nil {
		return err
	}
	fmt.Printf("Library: %d live articles, %d search words, %d signed-in readers.\n", len(lib.slugs), len(lib.words), len(lib.cookies))

	smtp, err := mailtest.New(mailtest.Discard())
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	defer smtp.Close()
	logPath := filepath.Join(dir, "serve.log")
	srv, err := startServer(ctx, bin, logPath, "serve", "--addr", "127.0.0.1:0", "--db", dsn,
		"--log-format", "text", "--log-level", "warn", "--shutdown-grace", "5s",
		"--smtp-url", smtp.URL(), "--trusted-proxies", "127.0.0.1/32")
	if err != nil {
		return err
	}
	defer srv.Stop()

	fmt.Printf("Sending %d requests/s for %s (%s)…\n", o.rate, o.duration, o.mix)
	pubCtx, stopPublishing := context.WithCancel(ctx)
	published := make(chan int, 1)
	go func() { published <- publish(pubCtx, dsn, o.publishEvery, o.publishAll) }()
	res := load(ctx, srv, lib, shares, o)
	stopPublishing()
	res.published = <-published
	res.cache, res.cacheErr = readCacheCounts(ctx, srv.Base)
	srv.Stop()
	res.print(os.Stdout, o)
	if res.failed() {
		fmt.Printf("Server log: %s\n", logPath)
		if !o.keep {
			fmt.Println(srv.LogTail())
		}
		return errors.New("requests failed")
	}
	return nil
}

// parseMix reads "anonymous=55,signed=25,…" into cumulative weights.
func parseMix(s string) (map[string]int, error) {
	names := map[string]string{"anonymous": kindAnon, "signed": kindSigned, "search": kindSearch, "signup": kindSignup}
	out := map[string]int{}
	for part := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 || names[k] == "" {
			return nil, fmt.Errorf("-mix %q: want name=share,… with names anonymous, signed, search, signup", s)
		}
		out[names[k]] = n
	}
	return out, nil
}

// library is what the traffic draws from.
type library struct {
	slugs   []string
	words   []string
	cookies []string
}

// prepare lists the live articles and words of their titles, and makes
// the signed-in readers through the store before the server opens the
// database: verified members with sessions, a quarter of them
// subscribers.
func prepare(ctx context.Context, dsn string, members int) (*library, error) {
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	now := time.Now()
	// The store lists at most 10,000 at a time.
	var as []*masthead.Article
	for {
		page, total, err := db.Articles(ctx, masthead.ArticleFilter{Live: true, Now: now, Offset: len(as), Limit: 10000, Bare: true})
		if err != nil {
			return nil, fmt.Errorf("list articles: %w", err)
		}
		as = append(as, page...)
		if len(page) == 0 || len(as) >= total {
			break
		}
	}
	lib := &library{}
	seen := map[string]bool{}
	for _, a := range as {
		lib.slugs = append(lib.slugs, a.Slug)
		for w := range strings.FieldsSeq(strings.ToLower(a.Title)) {
			w = strings.Trim(w, ".,:;!?'\"()—-")
			if len(w) >= 5 && !seen[w] && len(lib.words) < 2000 {
				seen[w] = true
				lib.words = append(lib.words, w)
			}
		}
	}
	if len(lib.slugs) == 0 || len(lib.words) == 0 {
		return nil, errors.New("the database holds no live articles: seed it with masthead demo")
	}
	run := strconv.FormatInt(now.Unix(), 36)
	for i := range members {
		email := fmt.Sprintf("soak-%s-%d@example.com", run, i)
		if _, err := db.EnsureMember(ctx, email, masthead.RoleNone); err != nil {
			return nil, err
		}
		_, hash := masthead.NewToken()
		if err := db.CreateSignInToken(ctx, email, hash, now.Add(time.Hour)); err != nil {
			return nil, err
		}
		m, err := db.ConsumeSignInToken(ctx, hash)
		if err != nil {
			return nil, err
		}
		if i%4 == 0 {
			e := masthead.Entitlement{MemberID: m.ID, Source: masthead.EntitlementDemo, StartsAt: now.Add(-time.Hour), Note: "bench/soak"}
			if _, err := db.GrantEntitlement(ctx, e); err != nil {
				return nil, err
			}
		}
		token, hash := masthead.NewToken()
		if err := db.CreateSession(ctx, m.ID, hash, now.Add(48*time.Hour)); err != nil {
			return nil, err
		}
		lib.cookies = append(lib.cookies, mhttp.SessionCookie+"="+token)
	}
	return lib, nil
}

// publish creates a published article every interval until ctx ends,
// through the store as the staff area would, each in one of the
// library's topics, and returns how many it published. A failure is
// printed and ends the publishing, not the run.
func publish(ctx context.Context, dsn string, every time.Duration, all bool) int {
	if every <= 0 {
		return 0
	}
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak: publish:", err)
		return 0
	}
	defer db.Close()
	topics, err := db.Topics(ctx)
	if err != nil || len(topics) == 0 {
		fmt.Fprintln(os.Stderr, "soak: publish: no topics:", err)
		return 0
	}
	columns, err := db.Columns(ctx)
	if err != nil || (all && len(columns) == 0) {
		fmt.Fprintln(os.Stderr, "soak: publish: no columns:", err)
		return 0
	}
	run := strconv.FormatInt(time.Now().Unix(), 36)
	t := time.NewTicker(every)
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return n
		case <-t.C:
		}
		topic := topics[n%len(topics)].Slug
		_, err := db.CreateArticle(ctx, masthead.ArticleInput{
			Slug: fmt.Sprintf("soak-%s-%d", run, n), Title: fmt.Sprintf("Soak dispatch %d", n), Dek: "Published during the soak.",
			BodyMarkdown: "A paragraph written while readers read.\n\nAnother one.", TopicSlugs: []string{topic},
			Kind: masthead.KindDaily, Access: masthead.AccessFree, Status: masthead.StatusPublished, PublishedAt: time.Now(),
		})
		if err == nil && all {
			// Saved as it is: a taxonomy write, recorded as touching
			// every page.
			_, err = db.UpsertColumn(ctx, columns[0])
		}
		if err != nil {
			if ctx.Err() == nil {
				fmt.Fprintln(os.Stderr, "soak: publish:", err)
			}
			return n
		}
	}
}

// cacheCounts are the page cache's counters read from /metrics.
type cacheCounts struct{ hits, renders, dropped float64 }

// readCacheCounts reads the page cache's counters from the server's
// /metrics (served without a token here).
func readCacheCounts(ctx context.Context, base string) (cacheCounts, error) {
	var c cacheCounts
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return c, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return c, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return c, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		name, v, ok := strings.Cut(line, " ")
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if !ok || err != nil {
			continue
		}
		switch name {
		case "masthead_page_cache_hits_total":
			c.hits = f
		case "masthead_page_cache_renders_total":
			c.renders = f
		case "masthead_page_cache_dropped_total":
			c.dropped = f
		}
	}
	return c, nil
}

// job is one request due at a time.
type job struct {
	kind string
	due  time.Time
}

// load sends requests on a fixed schedule (an open loop: a slow answer
// delays no later request) and measures each from the moment it was due,
// so a stalled server shows in the latency rather than hiding in a lower
// rate.
func load(ctx context.Context, srv *proc.Server, lib *library, shares map[string]int, o options) *results {
	res := newResults()
	res.start = time.Now()
	client := &http.Client{
		Timeout:       30 * time.Second,
		Transport:     &http.Transport{MaxIdleConnsPerHost: o.workers, MaxIdleConns: o.workers, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	jobs := make(chan job, o.workers)
	var wg sync.WaitGroup
	for w := range o.workers {
		rng := rand.New(rand.NewPCG(uint64(w), 7))
		pick := func() string { return lib.slugs[rng.IntN(len(lib.slugs))] }
		if o.zipf > 1 {
			z := rand.NewZipf(rng, o.zipf, 1, uint64(len(lib.slugs)-1))
			pick = func() string { return lib.slugs[z.Uint64()] }
		}
		wg.Go(func() {
			for j := range jobs {
				status, err := send(ctx, client, srv.Base, j.kind, lib, rng, pick)
				res.record(j.kind, j.due.Sub(res.start), time.Since(j.due), status, err)
			}
		})
	}

	// Memory, sampled through the run.
	memDone := make(chan struct{})
	go func() {
		defer close(memDone)
		t := time.NewTicker(o.sample)
		defer t.Stop()
		start := time.Now()
		for {
			if rss, _, err := proc.ReadMemory(srv.Pid()); err == nil {
				res.rss = append(res.rss, rssSample{time.Since(start), rss})
			}
			select {
			case <-ctx.Done():
				return
			case <-srv.Done():
				return
			case <-t.C:
				if time.Since(start) > o.duration {
					return
				}
			}
		}
	}()

	total := 0
	for _, n := range shares {
		total += n
	}
	pick := rand.New(rand.NewPCG(1, 2))
	interval := time.Second / time.Duration(o.rate)
	start := res.start
	progress := time.Now()
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * interval)
		if due.Sub(start) >= o.duration || ctx.Err() != nil {
			break
		}
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		n := pick.IntN(total)
		kind := kindAnon
		for _, k := range kinds {
			if n < shares[k] {
				kind = k
				break
			}
			n -= shares[k]
		}
		select {
		case jobs <- job{kind, due}:
		default:
			res.late(kind)
		}
		if time.Since(progress) >= 30*time.Second {
			progress = time.Now()
			fmt.Printf("  %s: %d requests sent\n", time.Since(start).Round(time.Second), i+1)
		}
	}
	close(jobs)
	wg.Wait()
	res.elapsed = time.Since(start)
	<-memDone
	return res
}

// send makes one request of kind and returns its status.
func send(ctx context.Context, c *http.Client, base, kind string, lib *library, rng *rand.Rand, pick func() string) (int, error) {
	var req *http.Request
	var err error
	slug := pick()
	switch kind {
	case kindAnon:
		path := "/articles/" + slug
		switch rng.IntN(10) {
		case 0:
			path = "/"
		case 1:
			path = "/archive"
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	case kindSigned:
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, base+"/articles/"+slug, nil)
		if err == nil {
			req.Header.Set("Cookie", lib.cookies[rng.IntN(len(lib.cookies))])
		}
	case kindSearch:
		q := lib.words[rng.IntN(len(lib.words))]
		if rng.IntN(2) == 0 {
			q += " " + lib.words[rng.IntN(len(lib.words))]
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, base+"/search?q="+url.QueryEscape(q), nil)
	case kindSignup:
		form := url.Values{
			"email":   {fmt.Sprintf("signup-%d-%d@example.com", time.Now().UnixNano(), rng.Uint32())},
			"article": {slug},
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, base+"/register", strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			// Each signup from its own address, as behind a load
			// balancer the site trusts; one address is limited to a
			// few dozen an hour.
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", rng.IntN(256), rng.IntN(256), 1+rng.IntN(254)))
		}
	}
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return resp.StatusCode, err
	}
	return resp.StatusCode, nil
}

// results gathers what happened, by kind.
type results struct {
	mu      sync.Mutex
	lat     map[string][]time.Duration
	errs    map[string]int
	lates   map[string]int
	first   map[string]string // the first error of each kind
	rss     []rssSample
	start   time.Time
	elapsed time.Duration
	// byPeriod holds every latency by when the request was due, for the
	// latency over time.
	byPeriod []timedLatency
	// published counts the articles published during the run
	// (-publish-every); cache is the page cache's counters at its end.
	published int
	cache     cacheCounts
	cacheErr  error
}

type timedLatency struct{ at, lat time.Duration }

type rssSample struct {
	at  time.Duration
	rss int64
}

func newResults() *results {
	return &results{lat: map[string][]time.Duration{}, errs: map[string]int{}, lates: map[string]int{}, first: map[string]string{}}
}

// record counts a request: an error is a failure to get an answer or an
// answer of 400 or more (a signup answers with a redirect).
func (r *results) record(kind string, at, d time.Duration, status int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lat[kind] = append(r.lat[kind], d)
	r.byPeriod = append(r.byPeriod, timedLatency{at, d})
	if err != nil || status >= 400 {
		r.errs[kind]++
		if r.first[kind] == "" {
			r.first[kind] = fmt.Sprintf("status %d, %v", status, err)
		}
	}
}

func (r *results) late(kind string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lates[kind]++
}

// failed reports errors. Late requests (never sent: every worker was
// busy) are printed beside them; they mean the machine could not keep the
// rate, not that the server answered wrongly.
func (r *results) failed() bool {
	for _, k := range kinds {
		if r.errs[k] > 0 {
			return true
		}
	}
	return false
}

func (r *results) print(w io.Writer, o options) {
	fmt.Fprintf(w, "\nSoak: %s at %d requests/s\n\n", r.elapsed.Round(time.Second), o.rate)
	fmt.Fprintf(w, "%-16s %9s %7s %6s %9s %9s %9s\n", "kind", "requests", "errors", "late", "p50", "p99", "max")
	all, errs, lates := 0, 0, 0
	for _, k := range kinds {
		l := r.lat[k]
		slices.Sort(l)
		all += len(l)
		errs += r.errs[k]
		lates += r.lates[k]
		fmt.Fprintf(w, "%-16s %9d %7d %6d %9s %9s %9s\n", k, len(l), r.errs[k], r.lates[k], pct(l, 50), pct(l, 99), pct(l, 100))
	}
	fmt.Fprintf(w, "%-16s %9d %7d %6d\n", "all", all, errs, lates)
	if c := r.cache; r.cacheErr == nil && c.hits+c.renders > 0 {
		fmt.Fprintf(w, "\nPage cache: %.1f%% hits (%.0f hits, %.0f renders), %.0f pages dropped by changes, %d articles published during the run\n",
			100*c.hits/(c.hits+c.renders), c.hits, c.renders, c.dropped, r.published)
	} else if r.cacheErr != nil {
		fmt.Fprintf(w, "\nPage cache: counters not read: %v\n", r.cacheErr)
	}
	for _, k := range kinds {
		if r.first[k] != "" {
			fmt.Fprintf(w, "first %s error: %s\n", k, r.first[k])
		}
	}
	step := r.step()
	fmt.Fprintf(w, "\nLatency by period, all kinds (p50 / p99 of requests due in it):\n ")
	slices.SortFunc(r.byPeriod, func(a, b timedLatency) int { return int(a.at - b.at) })
	for i := 0; i < len(r.byPeriod); {
		end := (r.byPeriod[i].at/step + 1) * step
		var l []time.Duration
		for ; i < len(r.byPeriod) && r.byPeriod[i].at < end; i++ {
			l = append(l, r.byPeriod[i].lat)
		}
		slices.Sort(l)
		fmt.Fprintf(w, " [%s %s / %s]", end.Round(time.Second), pct(l, 50), pct(l, 99))
	}
	fmt.Fprintln(w)
	if len(r.rss) == 0 {
		return
	}
	first, last, peak := r.rss[0].rss, r.rss[len(r.rss)-1].rss, int64(0)
	for _, s := range r.rss {
		peak = max(peak, s.rss)
	}
	fmt.Fprintf(w, "\nServer RSS: first %s, last %s, max %s (%d samples)\n", mb(first), mb(last), mb(peak), len(r.rss))
	// A line per minute, or per tenth of the run when it is short, so a
	// leak shows as a steady climb.
	fmt.Fprintf(w, "RSS by period (mean, max):")
	var sum, n, hi int64
	next := step
	for _, s := range r.rss {
		for s.at >= next {
			if n > 0 {
				fmt.Fprintf(w, " [%s %s %s]", next.Round(time.Second), mb(sum/n), mb(hi))
			}
			sum, n, hi, next = 0, 0, 0, next+step
		}
		sum += s.rss
		n++
		hi = max(hi, s.rss)
	}
	if n > 0 {
		fmt.Fprintf(w, " [end %s %s]", mb(sum/n), mb(hi))
	}
	fmt.Fprintln(w)
}

// step is the length of the periods the report is broken into: a minute,
// or a tenth of a run shorter than ten minutes.
func (r *results) step() time.Duration {
	if r.elapsed < 10*time.Minute {
		return max(10*time.Second, r.elapsed/10)
	}
	return time.Minute
}

func pct(l []time.Duration, p int) string {
	if len(l) == 0 {
		return "-"
	}
	i := (len(l)*p + 99) / 100
	i = min(max(i-1, 0), len(l)-1)
	return l[i].Round(10 * time.Microsecond).String()
}

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }
