package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"masthead"
)

// Newsletters, issues, suppressions and members' choices. The send queue
// (deliveries, leases) is in deliveries.go.

var _ masthead.NewsletterService = (*DB)(nil)

const newsletterCols = `id, slug, name, description, audience, schedule, from_name, from_address, reply_to,
	default_on, template, draft_lead_s, cutoff_s, enabled, created_at, updated_at`

func scanNewsletter(r rowScanner) (*masthead.Newsletter, error) {
	var n masthead.Newsletter
	var sched string
	var lead, cutoff, created, updated int64
	if err := r.Scan(&n.ID, &n.Slug, &n.Name, &n.Description, &n.Audience, &sched, &n.FromName, &n.FromAddress,
		&n.ReplyTo, &n.DefaultOn, &n.Template, &lead, &cutoff, &n.Enabled, &created, &updated); err != nil {
		return nil, err
	}
	sc, err := masthead.ParseSchedule(sched)
	if err != nil {
		return nil, fmt.Errorf("newsletter %s: stored schedule: %w", n.Slug, err)
	}
	n.Schedule = sc
	n.DraftLead = time.Duration(lead) * time.Second
	n.Cutoff = time.Duration(cutoff) * time.Second
	n.CreatedAt = time.UnixMicro(created).UTC()
	n.UpdatedAt = time.UnixMicro(updated).UTC()
	return &n, nil
}

// Newsletters lists every newsletter by name. The alerts of what readers
// follow (follows.go) are issues of a newsletter of their own, which is
// no newsletter a reader chooses or staff compose: it is left out, and
// found by slug or id alone.
func (db *DB) Newsletters(ctx context.Context) ([]*masthead.Newsletter, error) {
	rows, err := db.r.query(ctx, `SELECT `+newsletterCols+` FROM newsletters WHERE slug <> 'alerts' ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("store: newsletters: %w", err)
	}
	defer rows.Close()
	var out []*masthead.Newsletter
	for rows.Next() {
		n, err := scanNewsletter(rows)
		if err != nil {
			return nil, fmt.Errorf("store: newsletters: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: newsletters: %w", err)
	}
	return out, nil
}

// Newsletter finds a newsletter by slug.
func (db *DB) Newsletter(ctx context.Context, slug string) (*masthead.Newsletter, error) {
	n, err := scanNewsletter(db.r.row(ctx, `SELECT `+newsletterCols+` FROM newsletters WHERE slug = ?`, slug))
	if err != nil {
		return nil, fmt.Errorf("store: newsletter %q: %w", slug, translate(err))
	}
	return n, nil
}

// NewsletterByID finds a newsletter by id.
func (db *DB) NewsletterByID(ctx context.Context, id int64) (*masthead.Newsletter, error) {
	n, err := scanNewsletter(db.r.row(ctx, `SELECT `+newsletterCols+` FROM newsletters WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("store: newsletter %d: %w", id, translate(err))
	}
	return n, nil
}

// UpdateNewsletter saves an editor's changes to the newsletter with n.ID.
// The template is saved as given: check it with newsletter.ValidateTemplate
// first.
func (db *DB) UpdateNewsletter(ctx context.Context, n *masthead.Newsletter) (*masthead.Newsletter, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	now := db.clock.Now()
	err := db.write(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE newsletters SET name = ?, description = ?, audience = ?, schedule = ?,
			from_name = ?, from_address = ?, reply_to = ?, default_on = ?, template = ?, draft_lead_s = ?,
			cutoff_s = ?, enabled = ?, updated_at = ? WHERE id = ?`,
			n.Name, n.Description, string(n.Audience), n.Schedule.String(), n.FromName, n.FromAddress, n.ReplyTo,
			n.DefaultOn, n.Template, int64(n.DraftLead/time.Second), int64(n.Cutoff/time.Second), n.Enabled,
			micros(now), n.ID)
		if err != nil {
			return translate(err)
		}
		return oneRow(res, "newsletter", n.ID)
	})
	if err != nil {
		return nil, fmt.Errorf("store: update newsletter %d: %w", n.ID, err)
	}
	return db.NewsletterByID(ctx, n.ID)
}

const issueCols = `i.id, i.newsletter_id, n.slug, i.subject, i.editors_note, i.radar, i.articles, i.window_start,
	i.window_end, i.status, i.status_note, i.send_at, i.send_empty, i.started_at, i.finished_at, i.created_at, i.updated_at,
	i.n_total, i.n_queued, i.n_sent, i.n_failed, i.n_bounced, i.n_suppressed, i.n_unsubscribed`

const issueFrom = ` FROM newsletter_issues i JOIN newsletters n ON n.id = i.newsletter_id`

func scanIssue(r rowScanner) (*masthead.Issue, error) {
	var is masthead.Issue
	var arts string
	var ws, we, created, updated int64
	var sendAt, started, finished sql.NullInt64
	if err := r.Scan(&is.ID, &is.NewsletterID, &is.NewsletterSlug, &is.Subject, &is.EditorsNote, &is.Radar, &arts,
		&ws, &we, &is.Status, &is.StatusNote, &sendAt, &is.Force, &started, &finished, &created, &updated,
		&is.Counts.Total, &is.Counts.Queued, &is.Counts.Sent, &is.Counts.Failed, &is.Counts.Bounced,
		&is.Counts.Suppressed, &is.Counts.Unsubscribed); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(arts), &is.Articles); err != nil {
		return nil, fmt.Errorf("issue %d: articles: %w", is.ID, err)
	}
	is.WindowStart, is.WindowEnd = time.UnixMicro(ws).UTC(), time.UnixMicro(we).UTC()
	is.SendAt, is.StartedAt, is.FinishedAt = fromMicros(sendAt), fromMicros(started), fromMicros(finished)
	is.CreatedAt, is.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return &is, nil
}

// Issues lists issues with their counts, newest send time first.
func (db *DB) Issues(ctx context.Context, f masthead.IssueFilter) ([]*masthead.Issue, error) {
	var where []string
	var args []any
	if f.NewsletterID != nil {
		where = append(where, "i.newsletter_id = ?")
		args = append(args, *f.NewsletterID)
	}
	if len(f.Status) > 0 {
		ph := make([]string, len(f.Status))
		for i, s := range f.Status {
			ph[i] = "?"
			args = append(args, string(s))
		}
		where = append(where, "i.status IN ("+strings.Join(ph, ", ")+")")
	}
	q := `SELECT ` + issueCols + issueFrom
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	q += ` ORDER BY COALESCE(i.send_at, i.window_end) DESC, i.id DESC LIMIT ? OFFSET ?`
	args = append(args, limit, max(f.Offset, 0))
	rows, err := db.r.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: issues: %w", err)
	}
	var out []*masthead.Issue
	for rows.Next() {
		is, err := scanIssue(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: issues: %w", err)
		}
		out = append(out, is)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: issues: %w", err)
	}
	return out, nil
}

// Issue finds one issue with its counts.
func (db *DB) Issue(ctx context.Context, id int64) (*masthead.Issue, error) {
	return db.issue(ctx, db.r, id)
}

func (db *DB) issue(ctx context.Context, r reader, id int64) (*masthead.Issue, error) {
	is, err := scanIssue(r.row(ctx, `SELECT `+issueCols+issueFrom+` WHERE i.id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("store: issue %d: %w", id, translate(err))
	}
	return is, nil
}

// newNonce is the random part of an issue's Message-IDs.
func newNonce() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// CreateIssue stores a new issue, status draft unless set. A second issue
// of the same newsletter for the same window start is ECONFLICT, which is
// what lets every instance run the composer.
func (db *DB) CreateIssue(ctx context.Context, is *masthead.Issue) (*masthead.Issue, error) {
	if err := is.Validate(); err != nil {
		return nil, err
	}
	if is.Status == "" {
		is.Status = masthead.IssueDraft
	}
	if is.Articles == nil {
		is.Articles = []masthead.IssueArticle{}
	}
	arts, err := json.Marshal(is.Articles)
	if err != nil {
		return nil, fmt.Errorf("store: create issue: %w", err)
	}
	now := db.clock.Now()
	var id int64
	err = db.write(ctx, func(t *tx) error {
		err := translate(t.row(ctx, `INSERT INTO newsletter_issues (newsletter_id, subject, editors_note, radar, articles,
			window_start, window_end, status, status_note, send_at, send_empty, nonce, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			is.NewsletterID, is.Subject, is.EditorsNote, is.Radar, string(arts), micros(is.WindowStart), micros(is.WindowEnd),
			string(is.Status), is.StatusNote, nullMicros(is.SendAt), is.Force, newNonce(), micros(now), micros(now)).Scan(&id))
		if err != nil || is.Status != masthead.IssueScheduled {
			return err
		}
		return t.queueIssueSend(ctx, id, is.SendAt, now)
	})
	if err != nil {
		return nil, fmt.Errorf("store: create issue of newsletter %d: %w", is.NewsletterID, err)
	}
	return db.Issue(ctx, id)
}

// UpdateIssue changes an editable issue's content.
func (db *DB) UpdateIssue(ctx context.Context, id int64, u masthead.IssueUpdate, now time.Time) (*masthead.Issue, error) {
	err := db.write(ctx, func(t *tx) error {
		is, err := db.issue(ctx, t, id)
		if err != nil {
			return err
		}
		if !is.Status.Editable() {
			return masthead.Errorf(masthead.ECONFLICT, "This issue is %s and can no longer be edited.", is.Status)
		}
		if u.Subject != nil {
			is.Subject = strings.TrimSpace(*u.Subject)
		}
		if u.EditorsNote != nil {
			is.EditorsNote = *u.EditorsNote
		}
		if u.Radar != nil {
			is.Radar = *u.Radar
		}
		if u.Articles != nil {
			is.Articles = *u.Articles
			if is.Articles == nil {
				is.Articles = []masthead.IssueArticle{}
			}
		}
		if u.SendAt != nil {
			is.SendAt = *u.SendAt
		}
		if err := is.Validate(); err != nil {
			return err
		}
		arts, err := json.Marshal(is.Articles)
		if err != nil {
			return err
		}
		_, err = t.exec(ctx, `UPDATE newsletter_issues SET subject = ?, editors_note = ?, radar = ?, articles = ?,
			send_at = ?, updated_at = ? WHERE id = ?`,
			is.Subject, is.EditorsNote, is.Radar, string(arts), nullMicros(is.SendAt), micros(now), id)
		if err != nil || u.SendAt == nil || is.Status != masthead.IssueScheduled {
			return translate(err)
		}
		return t.queueIssueSend(ctx, id, is.SendAt, now)
	})
	if err != nil {
		return nil, fmt.Errorf("store: update issue %d: %w", id, err)
	}
	return db.Issue(ctx, id)
}

// SetIssueStatus moves an issue to c.To when masthead.CanTransition
// allows it. Scheduling sets send_at (now when c.SendAt is zero) and
// needs c.Force for an issue without articles. Moving to sending from
// paused resumes; from scheduled, it is what the sender does through
// StartIssue, which also queues the deliveries — here it is refused.
func (db *DB) SetIssueStatus(ctx context.Context, id int64, c masthead.IssueStatusChange) (*masthead.Issue, error) {
	if c.Now.IsZero() {
		c.Now = db.clock.Now()
	}
	err := db.write(ctx, func(t *tx) error {
		is, err := db.issue(ctx, t, id)
		if err != nil {
			return err
		}
		if !masthead.CanTransition(is.Status, c.To) || (c.To == masthead.IssueSending && is.Status != masthead.IssuePaused) {
			return masthead.Errorf(masthead.ECONFLICT, "An issue that is %s cannot become %s.", is.Status, c.To)
		}
		sendAt, force, finished := nullMicros(is.SendAt), is.Force, sql.NullInt64{}
		switch c.To {
		case masthead.IssueScheduled:
			if len(is.Articles) == 0 && !c.Force {
				return &masthead.Error{Code: masthead.EINVALID, Message: "Nothing was published for this issue. Confirm to send it anyway.",
					Fields: map[string]string{"force": "Confirm to send an issue with no articles."}}
			}
			at := c.SendAt
			if at.IsZero() {
				at = c.Now
			}
			sendAt, force = nullMicros(at), force || c.Force
		case masthead.IssueCancelled, masthead.IssueSkipped, masthead.IssueSent:
			finished = nullMicros(c.Now)
		}
		_, err = t.exec(ctx, `UPDATE newsletter_issues SET status = ?, status_note = ?, send_at = ?, send_empty = ?,
			finished_at = COALESCE(finished_at, ?), updated_at = ? WHERE id = ?`,
			string(c.To), c.Note, sendAt, force, finished, micros(c.Now), id)
		if err != nil {
			return translate(err)
		}
		switch c.To {
		case masthead.IssueScheduled:
			return t.queueIssueSend(ctx, id, time.UnixMicro(sendAt.Int64), c.Now)
		case masthead.IssueSending: // resumed
			return t.queueIssueSend(ctx, id, c.Now, c.Now)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: issue %d to %s: %w", id, c.To, err)
	}
	return db.Issue(ctx, id)
}

// queueIssueSend makes sure issue id has a newsletter-send job due at
// at: a pending one moves there, else one is written. A job running now
// is left to finish what it is doing; the next minute's check
// (EnsureIssueSendJobs) gives the issue another if it still needs one.
func (t *tx) queueIssueSend(ctx context.Context, id int64, at, now time.Time) error {
	j := masthead.IssueSendJob(id, at)
	res, err := t.exec(ctx, `UPDATE jobs SET run_at = ?, updated_at = ? WHERE kind = ? AND dedupe_key = ? AND state = 'pending'`,
		micros(at), micros(now), j.Kind, j.Key)
	if err != nil {
		return fmt.Errorf("store: issue %d's send job: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	return t.enqueue(ctx, j, now)
}

// EnsureIssueSendJobs gives a newsletter-send job to every issue due to
// be sent (DueIssues: scheduled and due, or sending with no live lease)
// that has none pending, running or failed, and reports how many it
// added: a database upgraded from the engine's own loop, or an issue
// resumed while its last job was still ending. A failed job is left for
// staff to retry at /admin/jobs.
func (db *DB) EnsureIssueSendJobs(ctx context.Context, now time.Time) (int, error) {
	due, err := db.DueIssues(ctx, now)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	n := 0
	err = db.write(ctx, func(t *tx) error {
		n = 0
		for _, is := range due {
			j := masthead.IssueSendJob(is.ID, now)
			var exists int
			if err := t.row(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = ? AND dedupe_key = ? AND state IN ('pending', 'running', 'failed')`,
				j.Kind, j.Key).Scan(&exists); err != nil {
				return fmt.Errorf("store: issue %d's send job: %w", is.ID, err)
			}
			if exists > 0 {
				continue
			}
			added, err := t.insertJob(ctx, j, now)
			if err != nil {
				return err
			}
			if added {
				n++
			}
		}
		return nil
	})
	return n, err
}

// IssueCounts returns an issue's delivery counts, which the statements
// that change deliveries keep on the issue's row: reading them costs one
// row whatever the number of recipients.
func (db *DB) IssueCounts(ctx context.Context, id int64) (masthead.DeliveryCounts, error) {
	var c masthead.DeliveryCounts
	err := db.r.row(ctx, `SELECT n_total, n_queued, n_sent, n_failed, n_bounced, n_suppressed, n_unsubscribed
		FROM newsletter_issues WHERE id = ?`, id).Scan(&c.Total, &c.Queued, &c.Sent, &c.Failed, &c.Bounced, &c.Suppressed, &c.Unsubscribed)
	if err != nil {
		return c, fmt.Errorf("store: counts of issue %d: %w", id, translate(err))
	}
	return c, nil
}

const deliveryCols = `d.issue_id, d.member_id, d.email, COALESCE(m.name, ''), d.segment, d.status, d.attempts, d.last_error,
	d.message_id, d.next_attempt_at, d.sent_at, d.unsubscribed_at`

func scanDelivery(r rowScanner) (masthead.Delivery, error) {
	var d masthead.Delivery
	var next int64
	var sent, unsub sql.NullInt64
	err := r.Scan(&d.IssueID, &d.MemberID, &d.Email, &d.Name, &d.Segment, &d.Status, &d.Attempts, &d.LastError,
		&d.MessageID, &next, &sent, &unsub)
	if next > 0 {
		d.NextAttemptAt = time.UnixMicro(next).UTC()
	}
	d.SentAt, d.UnsubscribedAt = fromMicros(sent), fromMicros(unsub)
	return d, err
}

// Deliveries pages through an issue's send log by member id.
func (db *DB) Deliveries(ctx context.Context, issueID int64, f masthead.DeliveryFilter) ([]masthead.Delivery, error) {
	q := `SELECT ` + deliveryCols + ` FROM newsletter_deliveries d LEFT JOIN members m ON m.id = d.member_id
		WHERE d.issue_id = ? AND d.member_id > ?`
	args := []any{issueID, f.AfterMemberID}
	if f.Status != nil {
		q += ` AND d.status = ?`
		args = append(args, string(*f.Status))
	}
	if f.Email != "" {
		q += ` AND d.email LIKE ? ESCAPE '\'`
		args = append(args, "%"+escapeLike(strings.ToLower(f.Email))+"%")
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q += ` ORDER BY d.member_id LIMIT ?`
	args = append(args, limit)
	rows, err := db.r.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: deliveries of issue %d: %w", issueID, err)
	}
	defer rows.Close()
	var out []masthead.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("store: deliveries of issue %d: %w", issueID, err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Suppress adds an address to the suppression list; an address already
// there keeps its first reason. A bounce or a complaint also marks the
// delivery it is about as bounced: the one with messageID when given and
// found, else the newest sent delivery to the address.
func (db *DB) Suppress(ctx context.Context, s masthead.Suppression, messageID string) error {
	email := strings.ToLower(strings.TrimSpace(s.Email))
	if email == "" || !strings.Contains(email, "@") {
		return masthead.Errorf(masthead.EINVALID, "Enter a valid email address.")
	}
	if !s.Reason.Valid() {
		return masthead.Errorf(masthead.EINVALID, "Unknown suppression reason %q.", s.Reason)
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = db.clock.Now()
	}
	err := db.write(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `INSERT INTO newsletter_suppressions (email, reason, detail, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (email) DO NOTHING`, email, string(s.Reason), clipText(s.Detail, 1000), micros(s.CreatedAt)); err != nil {
			return translate(err)
		}
		if s.Reason != masthead.SuppressBounce && s.Reason != masthead.SuppressComplaint {
			return nil
		}
		detail := clipText(string(s.Reason)+": "+s.Detail, 1000)
		var issue, member int64
		var found bool
		if i, m, ok := parseMessageID(messageID); ok {
			err := t.row(ctx, `SELECT issue_id, member_id FROM newsletter_deliveries
				WHERE issue_id = ? AND member_id = ? AND email = ? AND status = 'sent'`, i, m, email).Scan(&issue, &member)
			if err != nil && err != sql.ErrNoRows {
				return translate(err)
			}
			found = err == nil
		}
		if !found {
			err := t.row(ctx, `SELECT issue_id, member_id FROM newsletter_deliveries WHERE email = ? AND status = 'sent'
				ORDER BY sent_at DESC LIMIT 1`, email).Scan(&issue, &member)
			if err == sql.ErrNoRows {
				return nil
			}
			if err != nil {
				return translate(err)
			}
		}
		if _, err := t.exec(ctx, `UPDATE newsletter_deliveries SET status = 'bounced', last_error = ?
			WHERE issue_id = ? AND member_id = ?`, detail, issue, member); err != nil {
			return translate(err)
		}
		_, err := t.exec(ctx, `UPDATE newsletter_issues SET n_sent = n_sent - 1, n_bounced = n_bounced + 1 WHERE id = ?`, issue)
		return translate(err)
	})
	if err != nil {
		return fmt.Errorf("store: suppress %s: %w", email, err)
	}
	return nil
}

// truncate cuts s to at most n bytes on a rune boundary.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !runeStartByte(s[n]) {
		n--
	}
	return s[:n]
}

func runeStartByte(b byte) bool { return b&0xC0 != 0x80 }

// parseMessageID reads the issue and member from a Message-ID the sender
// made ("n<issue>.<member>.<nonce>@domain", brackets optional).
func parseMessageID(id string) (issue, member int64, ok bool) {
	id = strings.Trim(strings.TrimSpace(id), "<>")
	local, _, found := strings.Cut(id, "@")
	if !found || !strings.HasPrefix(local, "n") {
		return 0, 0, false
	}
	parts := strings.Split(local[1:], ".")
	if len(parts) != 3 {
		return 0, 0, false
	}
	issue, err1 := strconv.ParseInt(parts[0], 10, 64)
	member, err2 := strconv.ParseInt(parts[1], 10, 64)
	return issue, member, err1 == nil && err2 == nil
}

// Suppressions searches the list, newest first.
func (db *DB) Suppressions(ctx context.Context, f masthead.SuppressionFilter) ([]masthead.Suppression, error) {
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := db.r.query(ctx, `SELECT email, reason, detail, created_at FROM newsletter_suppressions
		WHERE email LIKE ? ESCAPE '\' ORDER BY created_at DESC, email LIMIT ? OFFSET ?`,
		"%"+escapeLike(strings.ToLower(strings.TrimSpace(f.Query)))+"%", limit, max(f.Offset, 0))
	if err != nil {
		return nil, fmt.Errorf("store: suppressions: %w", err)
	}
	defer rows.Close()
	var out []masthead.Suppression
	for rows.Next() {
		var s masthead.Suppression
		var at int64
		if err := rows.Scan(&s.Email, &s.Reason, &s.Detail, &at); err != nil {
			return nil, fmt.Errorf("store: suppressions: %w", err)
		}
		s.CreatedAt = time.UnixMicro(at).UTC()
		out = append(out, s)
	}
	return out, rows.Err()
}

// LiftSuppression removes an address from the list.
func (db *DB) LiftSuppression(ctx context.Context, email string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	return db.write(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `DELETE FROM newsletter_suppressions WHERE email = ?`, email)
		if err != nil {
			return fmt.Errorf("store: lift suppression of %s: %w", email, translate(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return masthead.Errorf(masthead.ENOTFOUND, "%s is not on the suppression list.", email)
		}
		return nil
	})
}

// Suppressed reports whether an address is on the list.
func (db *DB) Suppressed(ctx context.Context, email string) (bool, error) {
	var n int
	err := db.r.row(ctx, `SELECT COUNT(*) FROM newsletter_suppressions WHERE email = ?`,
		strings.ToLower(strings.TrimSpace(email))).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: suppressed %s: %w", email, err)
	}
	return n > 0, nil
}

// NewsletterChoices lists every enabled newsletter with the member's
// current choice: the newest consent, or the newsletter's default.
func (db *DB) NewsletterChoices(ctx context.Context, memberID int64, now time.Time) ([]masthead.NewsletterChoice, error) {
	all, err := db.Newsletters(ctx)
	if err != nil {
		return nil, err
	}
	consents, err := db.Consents(ctx, memberID)
	if err != nil {
		return nil, err
	}
	entitled, err := db.Entitled(ctx, memberID, now)
	if err != nil {
		return nil, err
	}
	var out []masthead.NewsletterChoice
	for _, n := range all {
		if !n.Enabled {
			continue
		}
		c := masthead.NewsletterChoice{Newsletter: n, Subscribed: n.DefaultOn,
			Eligible: n.Audience == masthead.AudienceRegistered || entitled}
		for _, k := range consents { // newest first
			if k.Newsletter == n.Slug {
				c.Subscribed, c.Since = k.Consented, k.At
				break
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// SetNewsletterChoice records a member's choice as a consent.
func (db *DB) SetNewsletterChoice(ctx context.Context, memberID int64, slug string, on bool, wording string, now time.Time) error {
	if _, err := db.Newsletter(ctx, slug); err != nil {
		return err
	}
	return db.RecordConsent(ctx, masthead.NewsletterConsent{
		MemberID: memberID, Newsletter: slug, Consented: on, Wording: wording, At: now})
}

// NewsletterSecret returns the key of unsubscribe links, making it on
// first use. Every instance reads the same key.
func (db *DB) NewsletterSecret(ctx context.Context) ([]byte, error) {
	var key []byte
	err := db.write(ctx, func(t *tx) error {
		fresh := make([]byte, 32)
		rand.Read(fresh)
		if _, err := t.exec(ctx, `INSERT INTO newsletter_secret (id, secret) VALUES (1, ?) ON CONFLICT (id) DO NOTHING`, fresh); err != nil {
			return translate(err)
		}
		return t.row(ctx, `SELECT secret FROM newsletter_secret WHERE id = 1`).Scan(&key)
	})
	if err != nil {
		return nil, fmt.Errorf("store: newsletter secret: %w", err)
	}
	return key, nil
}

// IssueForWindow finds a newsletter's issue for the window starting at
// start; ENOTFOUND when there is none yet.
func (db *DB) IssueForWindow(ctx context.Context, newsletterID int64, start time.Time) (*masthead.Issue, error) {
	is, err := scanIssue(db.r.row(ctx, `SELECT `+issueCols+issueFrom+` WHERE i.newsletter_id = ? AND i.window_start = ?`,
		newsletterID, micros(start)))
	if err != nil {
		return nil, fmt.Errorf("store: issue of newsletter %d at %s: %w", newsletterID, start, translate(err))
	}
	return is, nil
}
