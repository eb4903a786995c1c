package bounce

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"masthead"
)

// Config configures the webhook handlers. An endpoint whose settings are
// missing answers 404, so nothing can suppress addresses through an
// endpoint the operator did not set up.
type Config struct {
	// SNS verifies SES notifications. The SES endpoint is on when
	// SNS.Topics is not empty.
	SNS SNSOptions
	// PostmarkUser and PostmarkPassword are the basic-auth credentials
	// set on the Postmark webhook; the Postmark endpoint is on when they
	// are set.
	PostmarkUser, PostmarkPassword string
	// PostmarkNoAuth turns the Postmark endpoint on without
	// credentials, for a site that restricts it some other way. Anyone
	// who can reach the endpoint can then suppress an address.
	PostmarkNoAuth bool
	// GenericSecret is the HMAC-SHA256 key of the generic form; the
	// generic endpoint is on when it is set.
	GenericSecret []byte
	// MaxAge bounds the age of SNS and generic notifications that carry
	// a time. Default DefaultMaxAge; negative turns the check off.
	MaxAge time.Duration
	// Logger receives one line per refused notification and per event.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Observe, when set, is called with every event applied, for
	// metrics.
	Observe func(Event)
}

// MaxBody bounds a notification body. SNS messages are at most 256 KB
// before JSON escaping.
const MaxBody = 1 << 20

// Handler serves the three webhook endpoints.
type Handler struct {
	cfg  Config
	sink Suppressor
	sns  *SNSVerifier
	log  *slog.Logger
	now  func() time.Time

	counts [numCounters]atomic.Int64
}

// Counters in Handler.counts.
const (
	cHard = iota
	cSoft
	cComplaint
	cRefused
	numCounters
)

// Counts are the events a Handler has taken in since it started, and the
// notifications it refused.
type Counts struct {
	HardBounces, SoftBounces, Complaints, Refused int64
}

// New returns the handlers, applying events to sink.
func New(cfg Config, sink Suppressor) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.SNS.MaxAge == 0 {
		cfg.SNS.MaxAge = cfg.MaxAge
	}
	if cfg.SNS.Now == nil {
		cfg.SNS.Now = cfg.Now
	}
	h := &Handler{cfg: cfg, sink: sink, log: cfg.Logger, now: cfg.Now}
	if len(cfg.SNS.Topics) > 0 {
		h.sns = NewSNSVerifier(cfg.SNS)
	}
	return h
}

// Counts returns the handler's counters.
func (h *Handler) Counts() Counts {
	return Counts{
		HardBounces: h.counts[cHard].Load(),
		SoftBounces: h.counts[cSoft].Load(),
		Complaints:  h.counts[cComplaint].Load(),
		Refused:     h.counts[cRefused].Load(),
	}
}

// SES serves Amazon SES notifications delivered by SNS (raw message
// delivery off), including the subscription handshake.
func (h *Handler) SES() http.Handler {
	return h.serve("ses", h.sns != nil, func(r *http.Request, body []byte) ([]Event, error) {
		m, err := ParseSNSMessage(body)
		if err != nil {
			return nil, err
		}
		if err := h.sns.Verify(r.Context(), m); err != nil {
			return nil, err
		}
		switch m.Type {
		case SNSSubscriptionConfirmation:
			if err := h.sns.Confirm(r.Context(), m); err != nil {
				return nil, err
			}
			h.log.Info("bounce: SNS subscription confirmed", "topic", m.TopicArn)
			return nil, nil
		case SNSUnsubscribeConfirmation:
			h.log.Warn("bounce: SNS subscription ended", "topic", m.TopicArn)
			return nil, nil
		}
		at, _ := m.Time()
		return ParseSESNotification(m.MessageID, m.Message, at)
	})
}

// Postmark serves Postmark's bounce and spam-complaint webhooks.
func (h *Handler) Postmark() http.Handler {
	on := h.cfg.PostmarkNoAuth || h.cfg.PostmarkUser != "" || h.cfg.PostmarkPassword != ""
	return h.serve("postmark", on, func(r *http.Request, body []byte) ([]Event, error) {
		if h.cfg.PostmarkUser != "" || h.cfg.PostmarkPassword != "" {
			user, pass, ok := r.BasicAuth()
			if !ok {
				return nil, ErrUnauthorized
			}
			// Compare both, always, so timing tells nothing.
			u := subtle.ConstantTimeCompare([]byte(user), []byte(h.cfg.PostmarkUser))
			p := subtle.ConstantTimeCompare([]byte(pass), []byte(h.cfg.PostmarkPassword))
			if u&p != 1 {
				return nil, forged("wrong Postmark credentials")
			}
		}
		return ParsePostmark(body, h.now())
	})
}

// Generic serves the documented generic JSON form (GenericNotification),
// signed in SignatureHeader.
func (h *Handler) Generic() http.Handler {
	return h.serve("generic", len(h.cfg.GenericSecret) > 0, func(r *http.Request, body []byte) ([]Event, error) {
		if err := VerifyGeneric(h.cfg.GenericSecret, body, r.Header.Get(SignatureHeader)); err != nil {
			return nil, err
		}
		return ParseGeneric(body, h.now(), h.cfg.MaxAge)
	})
}

// ErrUnauthorized is a request without the credentials an endpoint needs.
var ErrUnauthorized = errors.New("credentials required")

// serve reads the raw body, hands it to parse (which authenticates before
// it interprets anything) and applies the events.
func (h *Handler) serve(source string, on bool, parse func(*http.Request, []byte) ([]Event, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !on {
			writeError(w, http.StatusNotFound, masthead.ENOTFOUND, "This webhook is not configured.")
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeError(w, http.StatusMethodNotAllowed, masthead.EINVALID, "Use POST.")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
		if err != nil {
			h.refuse(r, source, http.StatusRequestEntityTooLarge, masthead.ETOOLARGE, "Notification too large.", err)
			writeError(w, http.StatusRequestEntityTooLarge, masthead.ETOOLARGE, "Notification too large.")
			return
		}
		events, err := parse(r, body)
		if err != nil {
			status, code, msg := classify(err)
			h.refuse(r, source, status, code, msg, err)
			if status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Basic realm="webhooks"`)
			}
			writeError(w, status, code, msg)
			return
		}
		if err := Apply(r.Context(), h.sink, events); err != nil {
			// The provider retries on a 5xx; suppression is idempotent.
			h.log.Error("bounce: apply events", "source", source, "err", err)
			writeError(w, http.StatusInternalServerError, masthead.EINTERNAL, "internal error")
			return
		}
		for _, e := range events {
			switch e.Kind {
			case HardBounce:
				h.counts[cHard].Add(1)
			case SoftBounce:
				h.counts[cSoft].Add(1)
			case Complaint:
				h.counts[cComplaint].Add(1)
			}
			h.log.Info("bounce: event", "source", source, "kind", string(e.Kind), "email", e.Email, "id", e.ID, "detail", e.Detail)
			if h.cfg.Observe != nil {
				h.cfg.Observe(e)
			}
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(map[string]int{"events": len(events)})
	})
}

// classify maps a parse or verification error to a status, a code and
// a message safe to show the sender.
func classify(err error) (status int, code, msg string) {
	switch {
	case errors.Is(err, ErrMalformed):
		return http.StatusBadRequest, masthead.EINVALID, err.Error()
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized, masthead.EUNAUTHORIZED, "Credentials required."
	case errors.Is(err, ErrUnsigned):
		return http.StatusForbidden, masthead.EFORBIDDEN, "Notification is not signed."
	case errors.Is(err, ErrStale):
		return http.StatusForbidden, masthead.EFORBIDDEN, "Notification is too old."
	case errors.Is(err, ErrForged):
		return http.StatusForbidden, masthead.EFORBIDDEN, "Notification signature does not verify."
	}
	// Fetching the signing certificate or confirming a subscription
	// failed: the provider should retry.
	return http.StatusServiceUnavailable, masthead.EUNAVAILABLE, "Could not verify the notification now; try again."
}

func (h *Handler) refuse(r *http.Request, source string, status int, code, msg string, err error) {
	h.counts[cRefused].Add(1)
	h.log.Warn("bounce: notification refused", "source", source, "status", status, "code", code,
		"err", err, "remote", r.RemoteAddr)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}
