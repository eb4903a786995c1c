package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"masthead"
)

// The send queue. An issue being sent holds a lease (owner, until) that
// its sender renews; its deliveries are the queue: the sender fetches
// queued rows in member order and marks them once the SMTP server has
// accepted them, so a crash loses only the marks of messages in flight.

// recipientsSQL queues one delivery per recipient of an issue in one
// statement. Recipients are verified members, not deleted, not
// suppressed, whose newest consent for the newsletter is yes (or who
// never chose and the newsletter is on by default); a subscribers-only
// newsletter also needs an entitlement active now. The segment is decided
// here, once, by the same entitlement test.
const recipientsSQL = `INSERT INTO newsletter_deliveries (issue_id, member_id, email, segment, status, message_id)
SELECT ?, m.id, m.email,
	CASE WHEN EXISTS (SELECT 1 FROM entitlements e WHERE e.member_id = m.id AND e.starts_at <= ?
		AND (e.ends_at IS NULL OR e.ends_at > ?)) THEN 'subscriber' ELSE 'registered' END,
	'queued', ? || CAST(m.id AS TEXT) || ?
FROM members m
WHERE m.verified_at IS NOT NULL AND m.deleted_at IS NULL
	AND NOT EXISTS (SELECT 1 FROM newsletter_suppressions s WHERE s.email = m.email)
	AND COALESCE((SELECT c.consented FROM newsletter_consents c WHERE c.member_id = m.id AND c.newsletter = ?
		ORDER BY c.at DESC, c.id DESC LIMIT 1), ?)
	AND (? OR EXISTS (SELECT 1 FROM entitlements e WHERE e.member_id = m.id AND e.starts_at <= ?
		AND (e.ends_at IS NULL OR e.ends_at > ?)))
ON CONFLICT (issue_id, member_id) DO NOTHING`

// MessageID is the Message-ID (without brackets) of an issue's message to
// a member: the same on every attempt, so a copy resent after a crash can
// be recognised as the same message.
func MessageID(issueID, memberID int64, nonce, domain string) string {
	return "n" + strconv.FormatInt(issueID, 10) + "." + strconv.FormatInt(memberID, 10) + "." + nonce + "@" + domain
}

// DueIssues lists the issues a sender should look at now: scheduled ones
// whose send time has come, and sending ones whose lease has expired
// (their sender stopped or died).
func (db *DB) DueIssues(ctx context.Context, now time.Time) ([]*masthead.Issue, error) {
	rows, err := db.r.query(ctx, `SELECT `+issueCols+issueFrom+`
		WHERE (i.status = 'scheduled' AND i.send_at <= ?) OR (i.status = 'sending' AND i.lease_until < ?)
		ORDER BY i.send_at, i.id`, micros(now), micros(now))
	if err != nil {
		return nil, fmt.Errorf("store: due issues: %w", err)
	}
	defer rows.Close()
	var out []*masthead.Issue
	for rows.Next() {
		is, err := scanIssue(rows)
		if err != nil {
			return nil, fmt.Errorf("store: due issues: %w", err)
		}
		out = append(out, is)
	}
	return out, rows.Err()
}

// ClaimIssue takes the lease of an issue for owner until until. A
// scheduled issue starts: its deliveries are queued (one INSERT … SELECT)
// and it becomes sending, in the same transaction. A sending issue is
// taken over when its lease has expired or is already owner's. Anything
// else — another live lease, a paused, cancelled or sent issue — is
// ECONFLICT. domain is the Message-ID domain.
func (db *DB) ClaimIssue(ctx context.Context, issueID int64, owner string, until, now time.Time, domain string) (*masthead.IssueLease, error) {
	l := &masthead.IssueLease{Owner: owner, Until: until}
	err := db.write(ctx, func(t *tx) error {
		var status, leaseOwner, nonce, audience, slug string
		var leaseUntil int64
		var defaultOn bool
		err := t.row(ctx, `SELECT i.status, i.lease_owner, i.lease_until, i.nonce, n.audience, n.slug, n.default_on
			FROM newsletter_issues i JOIN newsletters n ON n.id = i.newsletter_id WHERE i.id = ?`+db.d.forUpdate, issueID).
			Scan(&status, &leaseOwner, &leaseUntil, &nonce, &audience, &slug, &defaultOn)
		if err != nil {
			return translate(err)
		}
		l.Nonce = nonce
		switch masthead.IssueStatus(status) {
		case masthead.IssueScheduled:
			ts := micros(now)
			var res sql.Result
			var err error
			if slug == masthead.NewsletterAlerts {
				// An alert issue goes to the members it tells
				// (follows.go), each with what it tells them.
				res, err = t.exec(ctx, alertRecipientsSQL, issueID, ts, ts,
					"n"+strconv.FormatInt(issueID, 10)+".", "."+nonce+"@"+domain, issueID)
				if err == nil {
					_, err = t.exec(ctx, `DELETE FROM alert_matches WHERE issue_id = ?`, issueID)
				}
			} else {
				res, err = t.exec(ctx, recipientsSQL, issueID, ts, ts,
					"n"+strconv.FormatInt(issueID, 10)+".", "."+nonce+"@"+domain,
					slug, defaultOn, audience == string(masthead.AudienceRegistered), ts, ts)
			}
			if err != nil {
				return fmt.Errorf("queue deliveries: %w", translate(err))
			}
			n, _ := res.RowsAffected()
			l.Queued = int(n)
			if q := analyzeQueue[db.d]; q != "" {
				if _, err := t.exec(ctx, q); err != nil {
					return fmt.Errorf("analyze deliveries: %w", translate(err))
				}
			}
			_, err = t.exec(ctx, `UPDATE newsletter_issues SET status = 'sending', started_at = COALESCE(started_at, ?),
				lease_owner = ?, lease_until = ?, updated_at = ?, n_total = n_total + ?, n_queued = n_queued + ?
				WHERE id = ?`, ts, owner, micros(until), ts, n, n, issueID)
			return translate(err)
		case masthead.IssueSending:
			if leaseOwner != owner && leaseUntil >= micros(now) {
				return masthead.Errorf(masthead.ECONFLICT, "Issue %d is being sent by %s.", issueID, leaseOwner)
			}
			_, err := t.exec(ctx, `UPDATE newsletter_issues SET lease_owner = ?, lease_until = ? WHERE id = ?`,
				owner, micros(until), issueID)
			return translate(err)
		}
		return masthead.Errorf(masthead.ECONFLICT, "Issue %d is %s, not ready to send.", issueID, status)
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim issue %d: %w", issueID, err)
	}
	if l.Issue, err = db.issue(ctx, db.w, issueID); err != nil {
		return nil, err
	}
	return l, nil
}

// RenewIssueLease extends owner's lease and returns the issue's status, so
// the sender notices a pause or a cancellation. A lease another instance
// took over is ECONFLICT: the sender must stop.
func (db *DB) RenewIssueLease(ctx context.Context, issueID int64, owner string, until time.Time) (masthead.IssueStatus, error) {
	var status string
	err := db.write(ctx, func(t *tx) error {
		if err := t.row(ctx, `UPDATE newsletter_issues SET lease_until = ? WHERE id = ? AND lease_owner = ? RETURNING status`,
			micros(until), issueID, owner).Scan(&status); err != nil {
			if err == sql.ErrNoRows {
				return masthead.Errorf(masthead.ECONFLICT, "The lease on issue %d was lost.", issueID)
			}
			return translate(err)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("store: renew lease on issue %d: %w", issueID, err)
	}
	return masthead.IssueStatus(status), nil
}

// ReleaseIssueLease gives up owner's lease at once, so another instance may
// resume the issue without waiting for it to expire.
func (db *DB) ReleaseIssueLease(ctx context.Context, issueID int64, owner string) error {
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `UPDATE newsletter_issues SET lease_owner = '', lease_until = 0 WHERE id = ? AND lease_owner = ?`,
			issueID, owner)
		if err != nil {
			return fmt.Errorf("store: release lease on issue %d: %w", issueID, translate(err))
		}
		return nil
	})
}

// QueuedDeliveries returns up to limit queued deliveries of an issue
// after member afterID, in member order, that are due at now, with each
// member's name. Fetching marks nothing.
func (db *DB) QueuedDeliveries(ctx context.Context, issueID, afterID int64, now time.Time, limit int) ([]masthead.Delivery, error) {
	rows, err := db.r.query(ctx, `SELECT d.member_id, d.email, COALESCE(m.name, ''), d.segment, d.attempts, d.message_id, d.matches
		FROM newsletter_deliveries d LEFT JOIN members m ON m.id = d.member_id
		WHERE d.issue_id = ? AND d.status = 'queued' AND d.member_id > ? AND d.next_attempt_at <= ?
		ORDER BY d.member_id LIMIT ?`, issueID, afterID, micros(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: queued deliveries of issue %d: %w", issueID, err)
	}
	defer rows.Close()
	out := make([]masthead.Delivery, 0, limit)
	for rows.Next() {
		d := masthead.Delivery{IssueID: issueID, Status: masthead.DeliveryQueued}
		if err := rows.Scan(&d.MemberID, &d.Email, &d.Name, &d.Segment, &d.Attempts, &d.MessageID, &d.Matches); err != nil {
			return nil, fmt.Errorf("store: queued deliveries of issue %d: %w", issueID, err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// NextAttempt returns the earliest retry time of an issue's queued
// deliveries and how many are queued; zero time when none is queued.
func (db *DB) NextAttempt(ctx context.Context, issueID int64) (time.Time, int, error) {
	var next sql.NullInt64
	var n int
	err := db.r.row(ctx, `SELECT MIN(next_attempt_at), COUNT(*) FROM newsletter_deliveries WHERE issue_id = ? AND status = 'queued'`,
		issueID).Scan(&next, &n)
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("store: next attempt of issue %d: %w", issueID, err)
	}
	if !next.Valid {
		return time.Time{}, 0, nil
	}
	return time.UnixMicro(next.Int64).UTC(), n, nil
}

// maxMarkBatch bounds the ids in one UPDATE … IN (…).
const maxMarkBatch = 512

// MarkSent marks deliveries the SMTP server accepted.
func (db *DB) MarkSent(ctx context.Context, issueID int64, memberIDs []int64, at time.Time) error {
	return db.RecordDeliveries(ctx, issueID, memberIDs, at, nil)
}

// MarkOutcomes records failed attempts.
func (db *DB) MarkOutcomes(ctx context.Context, issueID int64, outs []masthead.DeliveryOutcome) error {
	return db.RecordDeliveries(ctx, issueID, nil, time.Time{}, outs)
}

// RecordDeliveries records, in one transaction, the deliveries the SMTP
// server accepted (sent at sentAt) and the failed attempts. Only queued
// rows change, so recording twice is harmless. This is the send's
// checkpoint: a sender records each message once it has been accepted,
// never when it is fetched.
func (db *DB) RecordDeliveries(ctx context.Context, issueID int64, sent []int64, sentAt time.Time, outs []masthead.DeliveryOutcome) error {
	if len(sent) == 0 && len(outs) == 0 {
		return nil
	}
	err := db.write(ctx, func(t *tx) error {
		if q := relaxedCommit[db.d]; q != "" {
			if _, err := t.ExecContext(ctx, q); err != nil {
				return translate(err)
			}
		}
		for ids := sent; len(ids) > 0; {
			n := min(len(ids), maxMarkBatch)
			if err := db.markSent(ctx, t, issueID, ids[:n], sentAt); err != nil {
				return err
			}
			ids = ids[n:]
		}
		for _, o := range outs {
			if err := markOutcome(ctx, t, issueID, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: record %d sent and %d failed deliveries of issue %d: %w", len(sent), len(outs), issueID, err)
	}
	return nil
}

// analyzeQueue refreshes, per engine, the planner's statistics once a send
// has queued its deliveries: PostgreSQL would otherwise plan the send's
// updates for the table as it was before thousands of rows arrived in one
// statement, and scan it whole for every batch until autovacuum caught up.
var analyzeQueue = map[*dialect]string{postgresDialect: `ANALYZE newsletter_deliveries`}

// relaxedCommit makes, per engine, a transaction's commit return before
// its WAL record reaches the disk. The send's marks use it: the server
// still has them if the sending process dies (the case that matters: a
// kill -9 of masthead loses nothing it committed), and only a crash of the
// database server itself could lose the last fraction of a second of marks
// — whose messages would then go out again. On PostgreSQL that takes the
// disk flush off every group commit; SQLite with synchronous=NORMAL in
// WAL mode already commits so.
var relaxedCommit = map[*dialect]string{postgresDialect: `SET LOCAL synchronous_commit = off`}

// markSent marks up to maxMarkBatch deliveries sent. The IN list is
// padded to a power of two by repeating the last id (harmless in IN), so
// a handful of statement forms cover every batch and stay prepared.
func (db *DB) markSent(ctx context.Context, t *tx, issueID int64, ids []int64, at time.Time) error {
	size := 1
	for size < len(ids) {
		size *= 2
	}
	args := make([]any, 0, size+2)
	args = append(args, micros(at), issueID)
	for i := range size {
		args = append(args, ids[min(i, len(ids)-1)])
	}
	res, err := t.exec(ctx, markSentSQL(size), args...)
	if err != nil {
		return translate(err)
	}
	return addCounts(ctx, t, issueID, res, "n_sent")
}

// addCounts moves the deliveries a statement changed from queued to the
// count named by column.
func addCounts(ctx context.Context, t *tx, issueID int64, res sql.Result, column string) error {
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return err
	}
	_, err = t.exec(ctx, `UPDATE newsletter_issues SET n_queued = n_queued - ?, `+column+` = `+column+` + ? WHERE id = ?`,
		n, n, issueID)
	return translate(err)
}

// markSentForms caches the UPDATE text per IN-list size.
var markSentForms sync.Map // int → string

func markSentSQL(size int) string {
	if q, ok := markSentForms.Load(size); ok {
		return q.(string)
	}
	q := `UPDATE newsletter_deliveries SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = ''
		WHERE issue_id = ? AND status = 'queued' AND member_id IN (?` + strings.Repeat(", ?", size-1) + `)`
	markSentForms.Store(size, q)
	return q
}

func markOutcome(ctx context.Context, t *tx, issueID int64, o masthead.DeliveryOutcome) error {
	msg := clipText(o.Error, 1000)
	if o.Retry {
		_, err := t.exec(ctx, `UPDATE newsletter_deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?
			WHERE issue_id = ? AND member_id = ? AND status = 'queued'`, msg, micros(o.NextAttempt), issueID, o.MemberID)
		return translate(err)
	}
	res, err := t.exec(ctx, `UPDATE newsletter_deliveries SET attempts = attempts + 1, last_error = ?, status = ?
		WHERE issue_id = ? AND member_id = ? AND status = 'queued'`, msg, string(o.Status), issueID, o.MemberID)
	if err != nil {
		return translate(err)
	}
	column := "n_failed"
	if o.Status == masthead.DeliverySuppressed {
		column = "n_suppressed"
	}
	if err := addCounts(ctx, t, issueID, res, column); err != nil {
		return err
	}
	if s := o.Suppress; s != nil {
		if _, err := t.exec(ctx, `INSERT INTO newsletter_suppressions (email, reason, detail, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (email) DO NOTHING`, strings.ToLower(s.Email), string(s.Reason), clipText(s.Detail, 1000),
			micros(s.CreatedAt)); err != nil {
			return translate(err)
		}
	}
	return nil
}

// FinishIssue marks owner's issue sent when no delivery is queued any
// more, releasing the lease; it reports whether it did.
func (db *DB) FinishIssue(ctx context.Context, issueID int64, owner string, now time.Time) (bool, error) {
	var done bool
	err := db.write(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE newsletter_issues SET status = 'sent', finished_at = ?, lease_owner = '', lease_until = 0,
			updated_at = ? WHERE id = ? AND status = 'sending' AND lease_owner = ?
			AND NOT EXISTS (SELECT 1 FROM newsletter_deliveries WHERE issue_id = ? AND status = 'queued')`,
			micros(now), micros(now), issueID, owner, issueID)
		if err != nil {
			return translate(err)
		}
		n, _ := res.RowsAffected()
		done = n > 0
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: finish issue %d: %w", issueID, err)
	}
	return done, nil
}

// MarkUnsubscribed notes that the member unsubscribed through this
// issue's link, for the issue's counts.
func (db *DB) MarkUnsubscribed(ctx context.Context, issueID, memberID int64, now time.Time) error {
	return db.write(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE newsletter_deliveries SET unsubscribed_at = ? WHERE issue_id = ? AND member_id = ?
			AND unsubscribed_at IS NULL`, micros(now), issueID, memberID)
		if err != nil {
			return fmt.Errorf("store: mark unsubscribed %d/%d: %w", issueID, memberID, translate(err))
		}
		if n, _ := res.RowsAffected(); n > 0 {
			if _, err := t.exec(ctx, `UPDATE newsletter_issues SET n_unsubscribed = n_unsubscribed + 1 WHERE id = ?`, issueID); err != nil {
				return fmt.Errorf("store: mark unsubscribed %d/%d: %w", issueID, memberID, translate(err))
			}
		}
		return nil
	})
}
