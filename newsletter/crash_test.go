package newsletter_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"masthead"
	"masthead/mail"
	"masthead/mail/mailtest"
	"masthead/newsletter"
	"masthead/store"
	"masthead/store/storetest"
)

// The crash test runs the sender in a child process (this test binary,
// re-executed) against an SMTP server in the test process, stops the
// child midway — kill -9, or SIGTERM — starts it again, and counts what
// each recipient received.

const (
	crashRecipients  = 4000
	crashConcurrency = 8
	envCrashChild    = "MASTHEAD_NEWSLETTER_CRASH_CHILD"
)

func TestCrashKill9ResumesWithDuplicatesOnlyInFlight(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { crashTest(t, engine, syscall.SIGKILL) })
	}
}

func TestCrashSIGTERMResumesWithoutDuplicates(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { crashTest(t, engine, syscall.SIGTERM) })
	}
}

func crashTest(t *testing.T, engine string, sig syscall.Signal) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	dsn := storetest.DSN(t, engine)
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	emails := readers(t, db, crashRecipients, "crash")
	is := scheduleIssue(t, db)
	srv := mailtest.Start(t, mailtest.Discard())

	// First run: stopped once a third has gone out.
	child := startChild(t, dsn, srv.URL(), is.ID)
	for srv.Total() < crashRecipients/3 {
		if child.ProcessState != nil {
			t.Fatal("the child ended before it was stopped")
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := child.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	err = child.Wait()
	atStop := srv.Total()
	t.Logf("%s after %d messages: child exited with %v", sig, atStop, err)
	if sig == syscall.SIGTERM && err != nil {
		t.Fatalf("the child did not stop cleanly on SIGTERM: %v", err)
	}
	if atStop >= crashRecipients {
		t.Fatal("the child finished before it was stopped; the test proves nothing")
	}

	// Second run: resumes (after the dead child's lease expires) and
	// finishes.
	child = startChild(t, dsn, srv.URL(), is.ID)
	if err := child.Wait(); err != nil {
		t.Fatalf("second run: %v", err)
	}

	dups, missing := 0, 0
	for _, a := range emails {
		switch n := srv.Received(a); {
		case n == 0:
			missing++
		case n > 1:
			dups += n - 1
		}
	}
	got, err := db.Issue(context.Background(), is.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d recipients, %d messages, %d duplicates, %d missing; issue %s %+v",
		sig, crashRecipients, srv.Total(), dups, missing, got.Status, got.Counts)
	if missing > 0 {
		t.Errorf("%d recipients got nothing", missing)
	}
	bound := crashConcurrency
	if sig == syscall.SIGTERM {
		bound = 0
	}
	if dups > bound {
		t.Errorf("%d duplicates, want at most %d", dups, bound)
	}
	if got.Status != masthead.IssueSent || got.Counts.Sent != crashRecipients {
		t.Errorf("issue %s, counts %+v", got.Status, got.Counts)
	}
}

func startChild(t *testing.T, dsn, smtpURL string, issueID int64) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envCrashChild+"=1", "CRASH_DSN="+dsn, "CRASH_SMTP="+smtpURL,
		"CRASH_ISSUE="+strconv.FormatInt(issueID, 10))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// TestCrashChild is the sending process of the crash test; it does
// nothing unless started by it.
func TestCrashChild(t *testing.T) {
	if os.Getenv(envCrashChild) == "" {
		t.Skip("run by the crash test only")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	db, err := store.Open(context.Background(), os.Getenv("CRASH_DSN"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m, err := mail.Open(os.Getenv("CRASH_SMTP"), testSite.From, mail.WithMaxConns(crashConcurrency))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	id, _ := strconv.ParseInt(os.Getenv("CRASH_ISSUE"), 10, 64)
	cfg := fastConfig()
	cfg.Concurrency = crashConcurrency
	cfg.LeaseTTL = time.Second
	cfg.Rate = 2000 // slow enough for the parent to stop it midway
	e := newsletter.New(db, m, testSite, cfg)
	for {
		done, err := e.SendIssue(ctx, id, false)
		switch {
		case done:
			return
		case errors.Is(err, newsletter.ErrStopped) && ctx.Err() != nil:
			fmt.Fprintln(os.Stderr, "crash child: stopped cleanly")
			return
		case masthead.ErrorCode(err) == masthead.ECONFLICT:
			// The killed run's lease has not expired yet.
			time.Sleep(100 * time.Millisecond)
		case err != nil:
			t.Fatal(err)
		}
	}
}
