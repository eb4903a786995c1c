package reading

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"masthead"
)

// Reader sign-in: an emailed one-time link, or a password for those who
// set one. Both end in a server-side session whose token only the reader
// holds (the transport keeps it in a cookie).
//
// Asking for a link writes the same job whatever the address: known or
// not, the lookup, the token and the email happen in the worker, so
// neither the answer nor its time tells who has an account.

// Session is a session just started: the token to hand the reader (only
// its hash is stored), when it ends, and its member.
type Session struct {
	Token   string
	Expires time.Time
	Member  *masthead.Member
}

// signInAddressKey is the rate-limit key of the emails sent to one
// mailbox, whichever spelling of its address asked. Registration and the
// sign-in form share it, so the two together cannot flood one inbox.
func signInAddressKey(email string) string { return "signin:address:" + masthead.MailboxKey(email) }

// signInEmailJob is the job that emails a sign-in link to email's mailbox.
func signInEmailJob(email, next, purpose string, now time.Time) (masthead.Job, error) {
	j, err := masthead.NewJob(masthead.JobSignInEmail, masthead.SignInEmail{Email: email, Next: next, Purpose: purpose})
	j.RunAt = now
	return j, err
}

// signInJobWithinLimit returns the sign-in email job for email's
// mailbox, or no job when the mailbox had its emails this window.
func (s *Service) signInJobWithinLimit(ctx context.Context, email, next, purpose string, now time.Time) ([]masthead.Job, error) {
	if !s.withinLimit(ctx, signInAddressKey(email), s.acct.SignInPerAddress, now) {
		return nil, nil
	}
	j, err := signInEmailJob(email, next, purpose, now)
	if err != nil {
		return nil, err
	}
	return []masthead.Job{j}, nil
}

// RequestSignInLink queues a sign-in link to the member of email's
// mailbox, returning to next. Over the mailbox's limit nothing is queued
// and the answer is the same.
func (s *Service) RequestSignInLink(ctx context.Context, email, next string, now time.Time) error {
	email, err := masthead.NormalizeEmail(email)
	if err != nil {
		return err
	}
	jobs, err := s.signInJobWithinLimit(ctx, email, next, masthead.PurposeSignIn, now)
	if err != nil || len(jobs) == 0 {
		return err
	}
	if s.deps.Jobs == nil {
		s.log.ErrorContext(ctx, "sign-in: no job queue to send the link through")
		return nil
	}
	if err := s.deps.Jobs.EnqueueJob(ctx, jobs[0]); err != nil {
		return err
	}
	s.jobAdded()
	return nil
}

// PasswordSignIn is a password sign-in: the address and password typed,
// and the hash of the session the reader's browser had, if any, which
// the new one replaces.
type PasswordSignIn struct {
	Email      string
	Password   string
	OldSession []byte
	Now        time.Time
}

// SignInWithPassword checks a password and starts a session. Attempts
// are counted per mailbox whether the password is right or not, so
// guessing one account's password from many networks, or under many
// spellings of its address, is bounded too (a *LimitError); the limit
// applies to any address, known or not. A wrong password or an unknown
// address is EUNAUTHORIZED; no free hashing slot is ErrBusy.
func (s *Service) SignInWithPassword(ctx context.Context, in PasswordSignIn) (*Session, error) {
	email, err := masthead.NormalizeEmail(in.Email)
	if err != nil {
		return nil, err
	}
	if !s.withinLimit(ctx, "signin:password:"+masthead.MailboxKey(email), s.acct.PasswordPerAddress, in.Now) {
		return nil, &LimitError{Message: "Too many password attempts for this address. Use a sign-in link by email instead, or try again in an hour."}
	}
	if s.deps.Accounts == nil || s.deps.Members == nil {
		return nil, masthead.Errorf(masthead.EUNAUTHORIZED, "Password sign-in is not available. Use a sign-in link by email.")
	}
	release, ok := s.hashSlot(ctx)
	if !ok {
		return nil, ErrBusy
	}
	m, err := s.deps.Accounts.Authenticate(ctx, email, in.Password)
	release()
	if err != nil {
		return nil, err
	}
	// A password sign-in opens institutional access as a link does; a
	// failure costs the reader nothing more than the access, and is
	// logged.
	if s.deps.Institutions != nil {
		if err := s.deps.Institutions.GrantInstitutionByDomain(ctx, m.ID); err != nil {
			s.log.ErrorContext(ctx, "reader facts: institution grant", "err", err)
		}
	}
	return s.startSession(ctx, m, in.OldSession, in.Now)
}

// SignInWithLink spends an emailed sign-in token: single use, bound to the
// address it was sent to, which it marks verified; a session follows.
// Unknown, spent and expired tokens are all EUNAUTHORIZED.
func (s *Service) SignInWithLink(ctx context.Context, token string, oldSession []byte, now time.Time) (*Session, error) {
	if s.deps.Members == nil || token == "" || len(token) > 200 {
		return nil, masthead.Errorf(masthead.EUNAUTHORIZED, "This sign-in link is not valid.")
	}
	m, err := s.deps.Members.ConsumeSignInToken(ctx, masthead.HashToken(token))
	switch masthead.ErrorCode(err) {
	case "":
	case masthead.EUNAUTHORIZED, masthead.ENOTFOUND:
		return nil, masthead.Errorf(masthead.EUNAUTHORIZED, "This sign-in link is not valid.")
	default:
		return nil, fmt.Errorf("reading: sign in: %w", err)
	}
	return s.startSession(ctx, m, oldSession, now)
}

// startSession signs m in: a new session. A session the browser already
// had is ended, so a sign-in never leaves a stale one behind.
func (s *Service) startSession(ctx context.Context, m *masthead.Member, old []byte, now time.Time) (*Session, error) {
	if len(old) > 0 {
		if err := s.deps.Members.DeleteSession(ctx, old); err != nil {
			return nil, fmt.Errorf("reading: end previous session: %w", err)
		}
	}
	token, hash := masthead.NewToken()
	expires := now.Add(s.acct.SessionTTL)
	if err := s.deps.Members.CreateSession(ctx, m.ID, hash, expires); err != nil {
		return nil, fmt.Errorf("reading: sign in member %d: %w", m.ID, err)
	}
	return &Session{Token: token, Expires: expires, Member: m}, nil
}

// SetPassword sets or changes m's password. The current one is not asked
// for: the session was opened by a link sent to the address, which
// proves as much. Each change costs a hash, so it is bounded per member
// like password attempts per address (a *LimitError), and by the
// hashing slots (ErrBusy). A password refused is EINVALID.
func (s *Service) SetPassword(ctx context.Context, m *masthead.Member, password, confirm string, now time.Time) error {
	if s.deps.Accounts == nil {
		return errNotFound
	}
	if password != confirm {
		return masthead.Errorf(masthead.EINVALID, "The two passwords differ. Type the same one twice.")
	}
	if !s.withinLimit(ctx, "password:set:member:"+strconv.FormatInt(m.ID, 10), s.acct.PasswordPerAddress, now) {
		return &LimitError{Message: "Too many password changes just now. Please try again in an hour."}
	}
	release, ok := s.hashSlot(ctx)
	if !ok {
		return ErrBusy
	}
	defer release()
	return s.deps.Accounts.SetPassword(ctx, m.ID, password)
}

// Password hashing is bounded. An Argon2id hash takes 19 MiB and tens of
// milliseconds of one core; every password sign-in costs one, right or
// wrong, and so does setting a password. Unbounded, a burst of a few
// hundred password sign-ins holds gigabytes at once. Each attempt takes
// a slot (AccountConfig.PasswordHashes) for its hash, waits for one at
// most PasswordHashWait, and is otherwise refused: the memory of hashing
// stays under slots × 19 MiB whatever arrives.

// hashSlot waits for a hashing slot, at most PasswordHashWait, and
// returns the function that frees it; false when none came free in time
// or ctx ended.
func (s *Service) hashSlot(ctx context.Context) (release func(), ok bool) {
	select {
	case s.hashing <- struct{}{}:
		return func() { <-s.hashing }, true
	default:
	}
	t := time.NewTimer(s.acct.PasswordHashWait)
	defer t.Stop()
	select {
	case s.hashing <- struct{}{}:
		return func() { <-s.hashing }, true
	case <-t.C:
	case <-ctx.Done():
	}
	return nil, false
}
