package newsletter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mathrand "math/rand/v2"
	"net/mail"
	"os"
	"strings"
	"sync"
	"time"

	"masthead"
)

// Store is what composing and sending need from the database
// (*store.DB).
type Store interface {
	Newsletters(ctx context.Context) ([]*masthead.Newsletter, error)
	NewsletterByID(ctx context.Context, id int64) (*masthead.Newsletter, error)
	Issue(ctx context.Context, id int64) (*masthead.Issue, error)
	CreateIssue(ctx context.Context, is *masthead.Issue) (*masthead.Issue, error)
	IssueForWindow(ctx context.Context, newsletterID int64, start time.Time) (*masthead.Issue, error)
	SetIssueStatus(ctx context.Context, id int64, c masthead.IssueStatusChange) (*masthead.Issue, error)
	Articles(ctx context.Context, f masthead.ArticleFilter) ([]*masthead.Article, int, error)

	DueIssues(ctx context.Context, now time.Time) ([]*masthead.Issue, error)
	ClaimIssue(ctx context.Context, issueID int64, owner string, until, now time.Time, domain string) (*masthead.IssueLease, error)
	RenewIssueLease(ctx context.Context, issueID int64, owner string, until time.Time) (masthead.IssueStatus, error)
	ReleaseIssueLease(ctx context.Context, issueID int64, owner string) error
	QueuedDeliveries(ctx context.Context, issueID, afterID int64, now time.Time, limit int) ([]masthead.Delivery, error)
	NextAttempt(ctx context.Context, issueID int64) (time.Time, int, error)
	RecordDeliveries(ctx context.Context, issueID int64, sent []int64, sentAt time.Time, outs []masthead.DeliveryOutcome) error
	FinishIssue(ctx context.Context, issueID int64, owner string, now time.Time) (bool, error)
}

// Transport delivers one prepared message (mail.SMTP's SendRaw). Its
// errors follow the masthead.Mailer contract — EUNAVAILABLE temporary,
// EINVALID permanent — and may have an SMTPStatus method telling the
// stage and reply code.
type Transport interface {
	SendRaw(ctx context.Context, from, to string, msg []byte) error
}

// smtpStatus is what a transport error may tell beyond its class.
type smtpStatus interface {
	SMTPStatus() (stage string, code int)
}

// Config tunes the engine. Zero values mean the defaults.
type Config struct {
	// Instance names this process in issue leases (default host, pid
	// and a random suffix).
	Instance string
	// Concurrency is the number of messages in flight, and so the SMTP
	// connections (default 8). It also bounds the duplicates a crash
	// can cause: a message is recorded as sent before its worker takes
	// another.
	Concurrency int
	// Rate caps messages per second (0: no cap); it halves while the
	// server throttles.
	Rate float64
	// Batch is how many queued deliveries one query fetches (default
	// 500).
	Batch int
	// LeaseTTL is how long an issue's lease lasts unrenewed; another
	// instance resumes a send that long after its sender died (default
	// 30 s; renewed every third of it).
	LeaseTTL time.Duration
	// Poll bounds a send's wait for a retry that is soon due (default
	// 5 s); a send waiting longer returns and its job waits instead.
	Poll time.Duration
	// MaxAttempts is how often a temporarily failing recipient is tried
	// before the delivery fails (default 8); RetryBase is the first
	// wait, doubled each time up to an hour (default 1 minute).
	MaxAttempts int
	RetryBase   time.Duration
	// ServerBackoffMax caps the wait while the SMTP server is
	// unreachable (default 1 minute); the wait starts at a second.
	ServerBackoffMax time.Duration
	Clock            masthead.Clock
	Log              *slog.Logger
}

func (c *Config) defaults() {
	if c.Instance == "" {
		host, _ := os.Hostname()
		var b [3]byte
		rand.Read(b[:])
		c.Instance = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
	if c.Batch <= 0 {
		c.Batch = 500
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = 30 * time.Second
	}
	if c.Poll <= 0 {
		c.Poll = 5 * time.Second
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.RetryBase <= 0 {
		c.RetryBase = time.Minute
	}
	if c.ServerBackoffMax <= 0 {
		c.ServerBackoffMax = time.Minute
	}
	if c.Clock == nil {
		c.Clock = masthead.SystemClock{}
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// Engine composes issues and sends them; the queue's jobs drive it
// (jobs.go).
type Engine struct {
	store Store
	tr    Transport
	site  Site
	cfg   Config
	log   *slog.Logger

	// stopped ends the sends run for jobs; Stop cancels it.
	stopped context.Context
	stop    context.CancelFunc
}

// New returns an engine. With a nil transport it composes issues and
// skips those past their cut-off but sends nothing. The transport should
// be an SMTP pool of its own
// (at least Concurrency connections), not the one sign-in emails use, so
// those never wait behind a newsletter.
func New(st Store, tr Transport, site Site, cfg Config) *Engine {
	cfg.defaults()
	e := &Engine{store: st, tr: tr, site: site, cfg: cfg, log: cfg.Log}
	e.stopped, e.stop = context.WithCancel(context.Background())
	return e
}

// Instance is the name this engine holds leases under.
func (e *Engine) Instance() string { return e.cfg.Instance }

// Stop makes the sends this engine runs for jobs (RunSend) stop taking
// messages: each finishes and records those in flight and releases its
// lease, and its job is due again at once, for any instance. serve calls
// it before stopping the queue's workers, so a send does not hold the
// shutdown for the whole grace period.
func (e *Engine) Stop() { e.stop() }

// ErrStopped reports a send that stopped before the end: the engine was
// stopped, the issue was paused or cancelled, or its lease was lost.
var ErrStopped = errors.New("newsletter: send stopped")

// SendIssue claims an issue (a scheduled one starts: its deliveries are
// queued) and sends it. It returns true when the issue is finished (sent);
// with untilIdle it also returns, false, once only deliveries waiting for
// a later retry remain, leaving them to a running server. It returns
// ErrStopped when ctx ends or the issue is paused, cancelled or taken
// over; the messages in flight are finished and recorded first.
func (e *Engine) SendIssue(ctx context.Context, id int64, untilIdle bool) (finished bool, err error) {
	is, err := e.store.Issue(ctx, id)
	if err != nil {
		return false, err
	}
	n, err := e.store.NewsletterByID(ctx, is.NewsletterID)
	if err != nil {
		return false, err
	}
	site, err := e.siteNow(ctx)
	if err != nil {
		return false, err
	}
	from, err := mail.ParseAddress(n.From(site.From))
	if err != nil {
		return false, masthead.Errorf(masthead.EINVALID, "The sender of %s is not a valid address.", n.Name)
	}
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	now := e.cfg.Clock.Now()
	lease, err := e.store.ClaimIssue(ctx, id, e.cfg.Instance, now.Add(e.cfg.LeaseTTL), now, domain)
	if err != nil {
		return false, err
	}
	if lease.Queued > 0 {
		e.log.Info("newsletter: started", "issue", id, "newsletter", n.Slug, "recipients", lease.Queued)
	}
	s := &send{e: e, n: n, issue: lease.Issue, site: site, stop: make(chan struct{}), results: make(chan *result, e.cfg.Concurrency)}
	for _, seg := range []masthead.Segment{masthead.SegmentSubscriber, masthead.SegmentRegistered} {
		r, err := Render(n, lease.Issue, seg, site)
		if err != nil {
			e.pause(id, "The issue cannot be rendered: "+masthead.ErrorMessage(err))
			e.store.ReleaseIssueLease(context.WithoutCancel(ctx), id, e.cfg.Instance)
			return false, err
		}
		s.rendered[segIndex(seg)] = r
	}
	return s.run(ctx, untilIdle)
}

// SettingsSource is where staff keep the site settings; when the
// engine's Store is one too (store.DB is), each send names the
// publication as the settings in force do, on whichever instance it
// runs.
type SettingsSource interface {
	Settings(ctx context.Context) (*masthead.SiteSettings, error)
}

// siteNow is the engine's site with the settings in force.
func (e *Engine) siteNow(ctx context.Context) (Site, error) {
	src, ok := e.store.(SettingsSource)
	if !ok {
		return e.site, nil
	}
	st, err := src.Settings(ctx)
	if err != nil {
		return Site{}, fmt.Errorf("newsletter: site settings: %w", err)
	}
	return e.site.WithSettings(st), nil
}

// segIndex places a segment in send.rendered.
func segIndex(seg masthead.Segment) int {
	if seg == masthead.SegmentRegistered {
		return 1
	}
	return 0
}

// pause stops an issue with a note for the staff.
func (e *Engine) pause(id int64, note string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := e.store.SetIssueStatus(ctx, id, masthead.IssueStatusChange{To: masthead.IssuePaused, Note: note}); err != nil {
		e.log.Error("newsletter: pause", "issue", id, "err", err)
	}
	e.log.Warn("newsletter: issue paused", "issue", id, "reason", note)
}

// send is one issue being sent by this engine.
type send struct {
	e        *Engine
	n        *masthead.Newsletter
	issue    *masthead.Issue
	site     Site         // with the settings in force when the send started
	rendered [2]*Rendered // subscriber, registered
	alerts   alertRenders // an alert issue's, by segment and match (alerts.go)

	stopOnce sync.Once
	stop     chan struct{} // closed to stop taking work
	why      error

	results  chan *result
	lim      *limiter
	inflight sync.WaitGroup // handed to a worker, not yet recorded or dropped

	mu          sync.Mutex
	serverWait  time.Duration // the current wait while the server is unreachable
	serverUntil time.Time
	refusals    int // consecutive 5xx at connect or MAIL FROM
}

// result is the outcome of one message, waiting to be recorded.
type result struct {
	memberID int64
	sent     bool
	outcome  *masthead.DeliveryOutcome
	recorded chan error
}

func (s *send) halt(why error) {
	s.stopOnce.Do(func() {
		s.why = why
		close(s.stop)
	})
}

func (s *send) stopped() bool {
	select {
	case <-s.stop:
		return true
	default:
		return false
	}
}

func (s *send) run(ctx context.Context, untilIdle bool) (bool, error) {
	e, id := s.e, s.issue.ID
	s.lim = newLimiter(e.cfg.Rate)
	bg := context.WithoutCancel(ctx)

	// Stop when ctx ends; renew the lease, and stop when it is lost or
	// the issue is no longer sending (paused, cancelled).
	renewDone := make(chan struct{})
	go func() {
		defer close(renewDone)
		// A third of the lease, and often enough that a pause or a
		// cancellation takes effect within a few seconds.
		t := time.NewTicker(min(e.cfg.LeaseTTL/3, 3*time.Second))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				s.halt(ErrStopped)
				return
			case <-s.stop:
				return
			case <-t.C:
			}
			st, err := e.store.RenewIssueLease(bg, id, e.cfg.Instance, e.cfg.Clock.Now().Add(e.cfg.LeaseTTL))
			switch {
			case masthead.ErrorCode(err) == masthead.ECONFLICT:
				e.log.Warn("newsletter: lease lost; stopping", "issue", id)
				s.halt(ErrStopped)
				return
			case err != nil:
				e.log.Error("newsletter: renew lease", "issue", id, "err", err)
			case st != masthead.IssueSending:
				e.log.Info("newsletter: issue no longer sending; stopping", "issue", id, "status", st)
				s.halt(ErrStopped)
				return
			}
		}
	}()

	// The recorder writes results in group commits; each worker waits
	// for its result to be recorded before taking the next message.
	recDone := make(chan struct{})
	go func() { defer close(recDone); s.record(bg) }()

	jobs := make(chan masthead.Delivery)
	var workers sync.WaitGroup
	for range e.cfg.Concurrency {
		workers.Go(func() { s.work(bg, jobs) })
	}

	finished, err := s.produce(bg, jobs, untilIdle)
	close(jobs)
	workers.Wait()
	close(s.results)
	<-recDone
	s.halt(nil)
	<-renewDone
	if !finished {
		if rerr := e.store.ReleaseIssueLease(bg, id, e.cfg.Instance); rerr != nil {
			e.log.Error("newsletter: release lease", "issue", id, "err", rerr)
		}
	}
	if err == nil && !finished && s.why != nil {
		err = s.why
	}
	return finished, err
}

// produce feeds queued deliveries to the workers in member order. When a
// pass finds nothing more, it waits for the messages in flight to be
// recorded, then finishes the issue or waits for the next retry.
func (s *send) produce(ctx context.Context, jobs chan<- masthead.Delivery, untilIdle bool) (bool, error) {
	e, id := s.e, s.issue.ID
	var after int64
	for !s.stopped() {
		batch, err := e.store.QueuedDeliveries(ctx, id, after, e.cfg.Clock.Now(), e.cfg.Batch)
		if err != nil {
			s.halt(err)
			return false, err
		}
		for _, d := range batch {
			s.inflight.Add(1)
			select {
			case jobs <- d:
			case <-s.stop:
				s.inflight.Done()
				return false, nil
			}
			after = d.MemberID
		}
		if len(batch) == e.cfg.Batch {
			continue
		}
		// End of a pass: what was handed out must be recorded before
		// the queue is read again from the start.
		s.inflight.Wait()
		if s.stopped() {
			return false, nil
		}
		next, queued, err := e.store.NextAttempt(ctx, id)
		if err != nil {
			s.halt(err)
			return false, err
		}
		if queued == 0 {
			done, err := e.store.FinishIssue(ctx, id, e.cfg.Instance, e.cfg.Clock.Now())
			if err != nil {
				s.halt(err)
				return false, err
			}
			if done {
				e.log.Info("newsletter: sent", "issue", id, "newsletter", s.n.Slug)
			}
			return done, nil
		}
		wait := next.Sub(e.cfg.Clock.Now())
		if wait > 0 && untilIdle {
			return false, nil
		}
		after = 0
		if wait > 0 {
			t := time.NewTimer(min(wait, e.cfg.Poll))
			select {
			case <-t.C:
			case <-s.stop:
				t.Stop()
				return false, nil
			}
		}
	}
	return false, nil
}

// work sends messages until jobs closes; after a stop it takes none.
func (s *send) work(ctx context.Context, jobs <-chan masthead.Delivery) {
	buf := make([]byte, 0, 64<<10)
	for d := range jobs {
		if r := s.deliver(ctx, d, &buf); r != nil {
			r.recorded = make(chan error, 1)
			s.results <- r
			<-r.recorded
		}
		// nil: stopped before sending; the delivery stays queued.
		s.inflight.Done()
	}
}

// deliver sends one message, waiting out an unreachable server, and
// returns what to record, or nil when the send stopped first.
func (s *send) deliver(ctx context.Context, d masthead.Delivery, buf *[]byte) *result {
	e := s.e
	if s.stopped() {
		return nil
	}
	rd, err := s.renderedFor(d)
	if err != nil {
		return &result{memberID: d.MemberID, outcome: &masthead.DeliveryOutcome{MemberID: d.MemberID,
			Error: err.Error(), Status: masthead.DeliveryFailed}}
	}
	*buf = rd.AppendMessage((*buf)[:0], Recipient{MemberID: d.MemberID, Email: d.Email, Name: d.Name, Segment: d.Segment}, d.MessageID)
	for {
		if !s.waitServer() || !s.lim.wait(s.stop) {
			return nil
		}
		err := e.tr.SendRaw(ctx, rd.FromAddr, d.Email, *buf)
		if err == nil {
			s.serverOK()
			s.lim.accepted()
			return &result{memberID: d.MemberID, sent: true}
		}
		stage, code := "", 0
		var st smtpStatus
		if errors.As(err, &st) {
			stage, code = st.SMTPStatus()
		}
		now := e.cfg.Clock.Now()
		switch {
		case (stage == "connect" || stage == "mail") && code/100 == 5:
			// The server refuses us, not the recipient: wrong
			// credentials or a sender it does not accept. Nothing
			// is recorded against anyone; after a few in a row the
			// issue pauses for a person to fix the settings.
			if s.refused() >= 3 {
				e.pause(s.issue.ID, fmt.Sprintf("The SMTP server refuses to send: %v. Fix the settings, then resume.", err))
				s.halt(ErrStopped)
				return nil
			}
			s.serverDown(err)
		case code == 0 || code == 421 || stage == "connect":
			// No answer, a lost connection, or the server closing:
			// the server is in trouble. Wait and try this message
			// again; nobody's attempts are used up meanwhile.
			if code == 421 {
				s.lim.throttled()
			}
			s.serverDown(err)
		case masthead.ErrorCode(err) == masthead.EINVALID:
			// A 5xx about this recipient or message: final, and the
			// address is suppressed so no later issue tries it.
			return &result{memberID: d.MemberID, outcome: &masthead.DeliveryOutcome{
				MemberID: d.MemberID, Error: err.Error(), Status: masthead.DeliveryFailed,
				Suppress: &masthead.Suppression{Email: d.Email, Reason: masthead.SuppressFailure,
					Detail: fmt.Sprintf("%d at %s: %v", code, stage, err), CreatedAt: now},
			}}
		default:
			// A 4xx: try this recipient again later, slower if the
			// server says it is throttling.
			if code == 451 || code == 452 {
				s.lim.throttled()
			}
			attempts := d.Attempts + 1
			if attempts >= e.cfg.MaxAttempts {
				return &result{memberID: d.MemberID, outcome: &masthead.DeliveryOutcome{MemberID: d.MemberID,
					Error: fmt.Sprintf("gave up after %d attempts: %v", attempts, err), Status: masthead.DeliveryFailed}}
			}
			return &result{memberID: d.MemberID, outcome: &masthead.DeliveryOutcome{MemberID: d.MemberID,
				Error: err.Error(), Retry: true, NextAttempt: now.Add(backoff(e.cfg.RetryBase, attempts))}}
		}
	}
}

// backoff is base·2^(attempt-1), at most an hour, with ±20% jitter so
// retries spread out.
func backoff(base time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	return time.Duration(float64(d) * (0.8 + 0.4*mathrand.Float64()))
}

// serverDown notes that the server could not take a message: every
// worker waits, one second at first, doubling up to ServerBackoffMax.
func (s *send) serverDown(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if now.Before(s.serverUntil) {
		return // another worker already set the wait
	}
	if s.serverWait == 0 {
		s.serverWait = time.Second
	} else {
		s.serverWait = min(2*s.serverWait, s.e.cfg.ServerBackoffMax)
	}
	s.serverUntil = now.Add(s.serverWait)
	s.e.log.Warn("newsletter: SMTP server unavailable; waiting", "issue", s.issue.ID, "wait", s.serverWait, "err", err)
}

func (s *send) serverOK() {
	s.mu.Lock()
	s.serverWait, s.serverUntil, s.refusals = 0, time.Time{}, 0
	s.mu.Unlock()
}

func (s *send) refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusals++
	return s.refusals
}

// waitServer sleeps out a server wait; false if the send stopped.
func (s *send) waitServer() bool {
	s.mu.Lock()
	d := time.Until(s.serverUntil)
	s.mu.Unlock()
	if d <= 0 {
		return !s.stopped()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.stop:
		return false
	}
}

// record writes results as they come, all that are waiting in one
// transaction (a group commit), and then lets their workers go on. A
// database error is retried: nothing is lost, the workers just wait.
func (s *send) record(ctx context.Context) {
	e, id := s.e, s.issue.ID
	var batch []*result
	linger := time.NewTimer(0)
	<-linger.C
	for r := range s.results {
		batch = append(batch[:0], r)
		// Gather what the other workers deliver within a moment: each
		// commit has a fixed cost (on SQLite it walks the page cache),
		// so fewer, larger commits send faster. The wait is short
		// beside an SMTP transaction, and ends early once half the
		// workers are waiting.
		linger.Reset(time.Millisecond)
	drain:
		for len(batch) < 4*e.cfg.Concurrency {
			if len(batch) >= (e.cfg.Concurrency+1)/2 {
				select {
				case r, ok := <-s.results:
					if !ok {
						break drain
					}
					batch = append(batch, r)
					continue
				default:
					break drain
				}
			}
			select {
			case r, ok := <-s.results:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			case <-linger.C:
				break drain
			}
		}
		if !linger.Stop() {
			select {
			case <-linger.C:
			default:
			}
		}
		var sent []int64
		var outs []masthead.DeliveryOutcome
		for _, r := range batch {
			if r.sent {
				sent = append(sent, r.memberID)
			} else {
				outs = append(outs, *r.outcome)
			}
		}
		for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
			err := e.store.RecordDeliveries(ctx, id, sent, e.cfg.Clock.Now(), outs)
			if err == nil {
				break
			}
			e.log.Error("newsletter: record deliveries; retrying", "issue", id, "err", err)
			time.Sleep(wait)
		}
		for _, r := range batch {
			r.recorded <- nil
		}
	}
}
