package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"masthead"
)

// Outgoing webhooks (docs/webhooks.md). An event is recorded in the
// transaction of the change that caused it, with one delivery per
// subscribed endpoint and a webhook-delivery job for each, so a change is
// never committed without its deliveries nor a delivery sent for a change
// that was rolled back. The queue's workers run the jobs (package
// webhooks sends), and each attempt is recorded in the delivery's log.

// recordWebhookEvent writes an event of type typ with data (marshalled to
// a JSON object) and a delivery to every active endpoint subscribed to
// it. With no such endpoint nothing is written, so an import of 50,000
// articles costs one indexed look-up each.
func (t *tx) recordWebhookEvent(ctx context.Context, typ masthead.WebhookEventType, data any, now time.Time) error {
	rows, err := t.query(ctx, `SELECT id FROM webhook_endpoints WHERE active = 1 AND events LIKE ?`, "%,"+string(typ)+",%")
	if err != nil {
		return fmt.Errorf("store: webhook endpoints for %s: %w", typ, err)
	}
	var endpoints []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("store: webhook endpoints for %s: %w", typ, err)
		}
		endpoints = append(endpoints, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: webhook endpoints for %s: %w", typ, err)
	}
	if len(endpoints) == 0 {
		return nil
	}
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("store: webhook event %s: %w", typ, err)
	}
	var eventID int64
	if err := t.row(ctx, `INSERT INTO webhook_events (type, data, created_at) VALUES (?, ?, ?) RETURNING id`,
		string(typ), string(b), micros(now)).Scan(&eventID); err != nil {
		return fmt.Errorf("store: record webhook event %s: %w", typ, err)
	}
	for _, ep := range endpoints {
		var id int64
		if err := t.row(ctx, `INSERT INTO webhook_deliveries (event_id, endpoint_id, next_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, eventID, ep, micros(now), micros(now), micros(now)).Scan(&id); err != nil {
			return fmt.Errorf("store: record webhook delivery: %w", err)
		}
		if err := t.enqueue(ctx, masthead.WebhookDeliveryJob(id), now); err != nil {
			return err
		}
	}
	return nil
}

// webhookArticle is the data of the article events: what a receiver needs
// to find the article, never its body.
type webhookArticle struct {
	ID          int64      `json:"id"`
	Slug        string     `json:"slug"`
	Path        string     `json:"path"`
	Title       string     `json:"title"`
	Dek         string     `json:"dek"`
	Status      string     `json:"status"`
	Access      string     `json:"access"`
	Kind        string     `json:"kind"`
	PublishedAt *time.Time `json:"published_at"`
}

func articleEventData(id int64, in masthead.ArticleInput) webhookArticle {
	a := webhookArticle{ID: id, Slug: in.Slug, Path: "/articles/" + in.Slug, Title: in.Title, Dek: in.Dek,
		Status: string(in.Status), Access: string(in.Access), Kind: string(in.Kind)}
	if !in.PublishedAt.IsZero() {
		p := in.PublishedAt.UTC()
		a.PublishedAt = &p
	}
	return a
}

// recordArticleEvent records article.published when an article becomes
// published (old is its status before the write, "" for a new one) and
// article.updated when a published article is saved again.
func (t *tx) recordArticleEvent(ctx context.Context, id int64, old masthead.Status, in masthead.ArticleInput, now time.Time) error {
	switch {
	case in.Status != masthead.StatusPublished:
		return nil
	case old == masthead.StatusPublished:
		return t.recordWebhookEvent(ctx, masthead.EventArticleUpdated, articleEventData(id, in), now)
	default:
		// Followers are told of what goes live now, not of an
		// import's back catalogue (follows.go).
		if in.By.Via != masthead.ChangeViaImport && !in.PublishedAt.After(now) {
			if err := t.queueAlerts(ctx, id, now); err != nil {
				return err
			}
		}
		return t.recordWebhookEvent(ctx, masthead.EventArticlePublished, articleEventData(id, in), now)
	}
}

// articleEventsHeard reports whether recordArticleEvent may record
// anything: an endpoint is active, or some follow alerts its reader. A
// batch of new articles asks once rather than three times an article.
func (t *tx) articleEventsHeard(ctx context.Context) (bool, error) {
	var n int
	err := t.row(ctx, `SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM webhook_endpoints WHERE active = 1 LIMIT 1) e)
		+ (SELECT COUNT(*) FROM (SELECT 1 FROM follows WHERE alert IN (?, ?) LIMIT 1) f)`,
		string(masthead.AlertInstant), string(masthead.AlertDaily)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: article events: %w", err)
	}
	return n > 0, nil
}

// recordPromotedArticle records article.published for scheduled article
// id, whose time has come, as PublishScheduled is about to publish it.
func (t *tx) recordPromotedArticle(ctx context.Context, id int64, now time.Time) error {
	var (
		a   webhookArticle
		pub sql.NullInt64
	)
	err := t.row(ctx, `SELECT id, slug, title, dek, access, kind, published_at FROM articles WHERE id = ?`, id).
		Scan(&a.ID, &a.Slug, &a.Title, &a.Dek, &a.Access, &a.Kind, &pub)
	if err != nil {
		return fmt.Errorf("store: promoted article %d: %w", id, err)
	}
	a.Path = "/articles/" + a.Slug
	a.Status = string(masthead.StatusPublished)
	if err := t.queueAlerts(ctx, id, now); err != nil {
		return err
	}
	if p := fromMicros(pub); !p.IsZero() {
		a.PublishedAt = &p
	}
	return t.recordWebhookEvent(ctx, masthead.EventArticlePublished, a, now)
}

// recordMemberCreated records member.created for a new member.
func (t *tx) recordMemberCreated(ctx context.Context, m *masthead.Member, now time.Time) error {
	return t.recordWebhookEvent(ctx, masthead.EventMemberCreated, struct {
		ID        int64     `json:"id"`
		Email     string    `json:"email"`
		CreatedAt time.Time `json:"created_at"`
	}{m.ID, m.Email, m.CreatedAt}, now)
}

// recordSubscriptionChanged records subscription.changed with the state
// just stored and the access it grants (accessUntil zero: none).
func (t *tx) recordSubscriptionChanged(ctx context.Context, s masthead.Subscription, memberID int64, accessUntil time.Time, now time.Time) error {
	type data struct {
		ID                string     `json:"id"`
		MemberID          int64      `json:"member_id"`
		CustomerID        string     `json:"customer_id"`
		PriceID           string     `json:"price_id"`
		Status            string     `json:"status"`
		CancelAtPeriodEnd bool       `json:"cancel_at_period_end"`
		PeriodEnd         *time.Time `json:"current_period_end"`
		AccessUntil       *time.Time `json:"access_until"`
	}
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		t = t.UTC()
		return &t
	}
	return t.recordWebhookEvent(ctx, masthead.EventSubscriptionChanged, data{ID: s.ID, MemberID: memberID,
		CustomerID: s.CustomerID, PriceID: s.PriceID, Status: string(s.Status), CancelAtPeriodEnd: s.CancelAtPeriodEnd,
		PeriodEnd: opt(s.PeriodEnd), AccessUntil: opt(accessUntil)}, now)
}

// eventsColumn stores event types as ",a,b," for recordWebhookEvent's LIKE.
func eventsColumn(types []masthead.WebhookEventType) string {
	var b strings.Builder
	b.WriteByte(',')
	for _, t := range types {
		b.WriteString(string(t))
		b.WriteByte(',')
	}
	return b.String()
}

func parseEventsColumn(s string) []masthead.WebhookEventType {
	var out []masthead.WebhookEventType
	for _, f := range strings.Split(s, ",") {
		if f != "" {
			out = append(out, masthead.WebhookEventType(f))
		}
	}
	return out
}

const webhookEndpointCols = `e.id, e.url, e.description, e.events, e.secret, e.active, e.created_at`

func scanWebhookEndpoint(sc rowScanner, extra ...any) (*masthead.WebhookEndpoint, error) {
	var (
		e       masthead.WebhookEndpoint
		events  string
		active  int
		created int64
	)
	dest := append([]any{&e.ID, &e.URL, &e.Description, &events, &e.Secret, &active, &created}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	e.Events = parseEventsColumn(events)
	e.Active = active != 0
	e.CreatedAt = time.UnixMicro(created).UTC()
	return &e, nil
}

// CreateWebhookEndpoint registers an endpoint that signs with secret.
func (db *DB) CreateWebhookEndpoint(ctx context.Context, in masthead.WebhookEndpointInput, secret string) (*masthead.WebhookEndpoint, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if secret == "" {
		return nil, masthead.Errorf(masthead.EINVALID, "A webhook endpoint needs a secret.")
	}
	now := db.clock.Now()
	e := &masthead.WebhookEndpoint{URL: in.URL, Description: in.Description, Events: in.Events, Secret: secret,
		Active: true, CreatedAt: time.UnixMicro(micros(now)).UTC()}
	err := db.write(ctx, func(t *tx) error {
		err := t.row(ctx, `INSERT INTO webhook_endpoints (url, description, events, secret, active, created_at)
			VALUES (?, ?, ?, ?, 1, ?) RETURNING id`,
			in.URL, in.Description, eventsColumn(in.Events), secret, micros(now)).Scan(&e.ID)
		if err != nil {
			return fmt.Errorf("store: create webhook endpoint: %w", translate(err))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// WebhookEndpoints lists the endpoints, oldest first, with their
// deliveries counted by status.
func (db *DB) WebhookEndpoints(ctx context.Context) ([]*masthead.WebhookEndpoint, error) {
	rows, err := db.r.query(ctx, `SELECT `+webhookEndpointCols+`,
			(SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'pending'),
			(SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'delivered'),
			(SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'failed')
		FROM webhook_endpoints e ORDER BY e.id`)
	if err != nil {
		return nil, fmt.Errorf("store: webhook endpoints: %w", err)
	}
	defer rows.Close()
	var out []*masthead.WebhookEndpoint
	for rows.Next() {
		var p, d, f int
		e, err := scanWebhookEndpoint(rows, &p, &d, &f)
		if err != nil {
			return nil, fmt.Errorf("store: webhook endpoints: %w", err)
		}
		e.Pending, e.Delivered, e.Failed = p, d, f
		out = append(out, e)
	}
	return out, rows.Err()
}

// WebhookEndpoint finds an endpoint by id.
func (db *DB) WebhookEndpoint(ctx context.Context, id int64) (*masthead.WebhookEndpoint, error) {
	e, err := scanWebhookEndpoint(db.r.row(ctx, `SELECT `+webhookEndpointCols+` FROM webhook_endpoints e WHERE e.id = ?`, id))
	if err != nil {
		return nil, notFound(err, "webhook endpoint", fmt.Sprint(id))
	}
	return e, nil
}

// SetWebhookEndpointActive turns an endpoint on or off. An endpoint that
// is off gets no new deliveries; those already pending are still sent.
func (db *DB) SetWebhookEndpointActive(ctx context.Context, id int64, active bool) error {
	return db.write(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE webhook_endpoints SET active = ? WHERE id = ?`, boolInt(active), id)
		if err != nil {
			return fmt.Errorf("store: webhook endpoint %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return masthead.Errorf(masthead.ENOTFOUND, "webhook endpoint %d not found", id)
		}
		return nil
	})
}

// DeleteWebhookEndpoint removes an endpoint with its deliveries and their
// log.
func (db *DB) DeleteWebhookEndpoint(ctx context.Context, id int64) error {
	return db.write(ctx, func(t *tx) error {
		// Attempts and deliveries go first, explicitly: cascades are
		// not relied upon on SQLite databases opened without
		// foreign_keys by other tools.
		if _, err := t.exec(ctx, `DELETE FROM webhook_attempts WHERE delivery_id IN
			(SELECT id FROM webhook_deliveries WHERE endpoint_id = ?)`, id); err != nil {
			return fmt.Errorf("store: delete webhook endpoint %d: %w", id, err)
		}
		if _, err := t.exec(ctx, `DELETE FROM webhook_deliveries WHERE endpoint_id = ?`, id); err != nil {
			return fmt.Errorf("store: delete webhook endpoint %d: %w", id, err)
		}
		res, err := t.exec(ctx, `DELETE FROM webhook_endpoints WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("store: delete webhook endpoint %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return masthead.Errorf(masthead.ENOTFOUND, "webhook endpoint %d not found", id)
		}
		// Events no delivery refers to any more are of no use.
		_, err = t.exec(ctx, `DELETE FROM webhook_events WHERE NOT EXISTS
			(SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)`)
		return err
	})
}

const webhookDeliveryCols = `d.id, d.endpoint_id, d.event_id, ev.type, d.status, d.attempts, d.next_at,
	d.last_code, d.last_error, d.created_at, d.updated_at`

func scanWebhookDelivery(sc rowScanner) (*masthead.WebhookDelivery, error) {
	var (
		d                      masthead.WebhookDelivery
		typ, status            string
		next, created, updated int64
	)
	if err := sc.Scan(&d.ID, &d.EndpointID, &d.EventID, &typ, &status, &d.Attempts, &next,
		&d.LastCode, &d.LastError, &created, &updated); err != nil {
		return nil, err
	}
	d.EventType, d.Status = masthead.WebhookEventType(typ), masthead.WebhookStatus(status)
	d.NextAt, d.CreatedAt, d.UpdatedAt = time.UnixMicro(next).UTC(), time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return &d, nil
}

// WebhookDeliveries lists an endpoint's deliveries, newest first, with
// the total for paging.
func (db *DB) WebhookDeliveries(ctx context.Context, endpointID int64, limit, offset int) ([]*masthead.WebhookDelivery, int, error) {
	if limit <= 0 {
		limit = 50
	}
	var total int
	if err := db.r.row(ctx, `SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = ?`, endpointID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: webhook deliveries: %w", err)
	}
	rows, err := db.r.query(ctx, `SELECT `+webhookDeliveryCols+`
		FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
		WHERE d.endpoint_id = ? ORDER BY d.id DESC LIMIT ? OFFSET ?`, endpointID, limit, max(offset, 0))
	if err != nil {
		return nil, 0, fmt.Errorf("store: webhook deliveries: %w", err)
	}
	defer rows.Close()
	var out []*masthead.WebhookDelivery
	for rows.Next() {
		d, err := scanWebhookDelivery(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("store: webhook deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, total, rows.Err()
}

// WebhookDelivery finds a delivery with its attempts, oldest first, and
// the JSON data of its event.
func (db *DB) WebhookDelivery(ctx context.Context, id int64) (*masthead.WebhookDelivery, []masthead.WebhookAttempt, []byte, error) {
	d, err := scanWebhookDelivery(db.r.row(ctx, `SELECT `+webhookDeliveryCols+`
		FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id WHERE d.id = ?`, id))
	if err != nil {
		return nil, nil, nil, notFound(err, "webhook delivery", fmt.Sprint(id))
	}
	var data string
	if err := db.r.row(ctx, `SELECT data FROM webhook_events WHERE id = ?`, d.EventID).Scan(&data); err != nil {
		return nil, nil, nil, fmt.Errorf("store: webhook delivery %d: %w", id, err)
	}
	rows, err := db.r.query(ctx, `SELECT at, code, error, duration_us FROM webhook_attempts WHERE delivery_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("store: webhook attempts: %w", err)
	}
	defer rows.Close()
	var attempts []masthead.WebhookAttempt
	for rows.Next() {
		a := masthead.WebhookAttempt{DeliveryID: id}
		var at, dur int64
		if err := rows.Scan(&at, &a.Code, &a.Error, &dur); err != nil {
			return nil, nil, nil, fmt.Errorf("store: webhook attempts: %w", err)
		}
		a.At, a.Duration = time.UnixMicro(at).UTC(), time.Duration(dur)*time.Microsecond
		attempts = append(attempts, a)
	}
	return d, attempts, []byte(data), rows.Err()
}

// WebhookJob returns what sending delivery id needs: the event, the
// endpoint's address and secret, and where the delivery stands. A
// delivery that is gone (its endpoint deleted, or pruned) is not found.
func (db *DB) WebhookJob(ctx context.Context, id int64) (masthead.WebhookJob, error) {
	var (
		j           masthead.WebhookJob
		typ, status string
		data        string
		eventAt     int64
	)
	err := db.r.row(ctx, `SELECT d.id, d.endpoint_id, d.event_id, d.status, ev.type, ev.data, ev.created_at, e.url, e.secret
		FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id JOIN webhook_endpoints e ON e.id = d.endpoint_id
		WHERE d.id = ?`, id).Scan(&j.DeliveryID, &j.EndpointID, &j.EventID, &status, &typ, &data, &eventAt, &j.URL, &j.Secret)
	if err != nil {
		return j, notFound(err, "webhook delivery", fmt.Sprint(id))
	}
	j.EventType, j.Status = masthead.WebhookEventType(typ), masthead.WebhookStatus(status)
	j.Data, j.EventAt = []byte(data), time.UnixMicro(eventAt).UTC()
	return j, nil
}

// FinishWebhookAttempt records an attempt of a claimed delivery and where
// the delivery stands after it: delivered, failed for good, or pending
// again at next.
func (db *DB) FinishWebhookAttempt(ctx context.Context, a masthead.WebhookAttempt, status masthead.WebhookStatus, next time.Time) error {
	msg := a.Error
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	return db.write(ctx, func(t *tx) error {
		if _, err := t.exec(ctx, `INSERT INTO webhook_attempts (delivery_id, at, code, error, duration_us) VALUES (?, ?, ?, ?, ?)`,
			a.DeliveryID, micros(a.At), a.Code, msg, a.Duration.Microseconds()); err != nil {
			return fmt.Errorf("store: webhook attempt of delivery %d: %w", a.DeliveryID, err)
		}
		if next.IsZero() {
			next = a.At
		}
		_, err := t.exec(ctx, `UPDATE webhook_deliveries SET status = ?, tries = tries + 1, attempts = attempts + 1,
				next_at = ?, last_code = ?, last_error = ?, updated_at = ?
			WHERE id = ?`, string(status), micros(next), a.Code, msg, micros(a.At), a.DeliveryID)
		if err != nil {
			return fmt.Errorf("store: webhook delivery %d: %w", a.DeliveryID, err)
		}
		return nil
	})
}

// RedeliverWebhook queues a delivery of endpointID again, now, with a
// fresh round of retries: a new job, in place of a failed one, which is
// discarded. A delivery already pending with a job waiting is left alone.
func (db *DB) RedeliverWebhook(ctx context.Context, endpointID, deliveryID int64) error {
	now := db.clock.Now()
	return db.write(ctx, func(t *tx) error {
		var status string
		err := t.row(ctx, `SELECT status FROM webhook_deliveries WHERE id = ? AND endpoint_id = ?`, deliveryID, endpointID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return masthead.Errorf(masthead.ENOTFOUND, "There is no such delivery.")
		}
		if err != nil {
			return fmt.Errorf("store: redeliver webhook %d: %w", deliveryID, err)
		}
		if status != string(masthead.WebhookPending) {
			_, err = t.exec(ctx, `UPDATE webhook_deliveries SET status = 'pending', tries = 0, next_at = ?, updated_at = ?
				WHERE id = ?`, micros(now), micros(now), deliveryID)
			if err != nil {
				return fmt.Errorf("store: redeliver webhook %d: %w", deliveryID, err)
			}
		}
		// A pending delivery keeps the job it has; one whose job failed
		// (its worker died on the last attempt) gets a new one.
		j := masthead.WebhookDeliveryJob(deliveryID)
		if _, err := t.exec(ctx, `UPDATE jobs SET state = 'discarded', payload = '{}', updated_at = ?
			WHERE kind = ? AND dedupe_key = ? AND state = 'failed'`, micros(now), j.Kind, j.Key); err != nil {
			return fmt.Errorf("store: redeliver webhook %d: %w", deliveryID, err)
		}
		return t.enqueue(ctx, j, now)
	})
}

// PendingWebhookDeliveries counts deliveries waiting to be sent, for the
// metrics gauge.
func (db *DB) PendingWebhookDeliveries(ctx context.Context) (int, error) {
	var n int
	err := db.r.row(ctx, `SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'`).Scan(&n)
	return n, err
}

// PruneWebhooks deletes deliveries finished (delivered or failed) before
// before, with their attempts, and the events no delivery refers to any
// more; it returns how many deliveries went. Pending ones are kept
// whatever their age.
func (db *DB) PruneWebhooks(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := db.write(ctx, func(t *tx) error {
		const old = `SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND updated_at < ?`
		if _, err := t.exec(ctx, `DELETE FROM webhook_attempts WHERE delivery_id IN (`+old+`)`, micros(before)); err != nil {
			return fmt.Errorf("store: prune webhook attempts: %w", err)
		}
		res, err := t.exec(ctx, `DELETE FROM webhook_deliveries WHERE status <> 'pending' AND updated_at < ?`, micros(before))
		if err != nil {
			return fmt.Errorf("store: prune webhook deliveries: %w", err)
		}
		if n, _ = res.RowsAffected(); n == 0 {
			return nil
		}
		if _, err := t.exec(ctx, `DELETE FROM webhook_events WHERE NOT EXISTS
			(SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)`); err != nil {
			return fmt.Errorf("store: prune webhook events: %w", err)
		}
		return nil
	})
	return int(n), err
}
