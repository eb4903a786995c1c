// Package cdn asks the CDN in front of the site to drop the pages that
// show what changed: by surrogate key through Fastly's API, by cache tag
// through Cloudflare's, or by a signed webhook to anything else. Each
// content change is one cdn-purge job (masthead.CDNPurge) enqueued by the
// store in the change's transaction; Run is its handler, and a failure
// is retried by the queue (docs/cdn.md).
package cdn

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"masthead"
)

// The providers a Config may name.
const (
	Fastly     = "fastly"
	Cloudflare = "cloudflare"
	Webhook    = "webhook"
)

// The APIs' addresses; Config.API replaces them (a test's loopback
// server, a proxy).
const (
	FastlyAPI     = "https://api.fastly.com"
	CloudflareAPI = "https://api.cloudflare.com/client/v4"
)

// Batch sizes: Fastly takes up to 256 keys a request, Cloudflare 30 tags
// on every plan. A webhook gets them all at once.
const (
	fastlyBatch     = 256
	cloudflareBatch = 30
)

// Config names the CDN and how to reach its API.
type Config struct {
	// Provider is Fastly, Cloudflare or Webhook.
	Provider string
	// Service is Fastly's service ID or Cloudflare's zone ID.
	Service string
	// Token is Fastly's API token (Fastly-Key), Cloudflare's API token
	// (Authorization: Bearer) or the webhook's signing secret.
	Token string
	// API is the base address of the provider's API (FastlyAPI,
	// CloudflareAPI when empty), or the webhook's URL.
	API string
	// SoftPurge marks Fastly's purges soft: the pages go stale rather
	// than away, so stale-while-revalidate and stale-if-error still
	// serve them.
	SoftPurge bool
	// Client makes the requests; nil means one with a 30 s timeout.
	Client *http.Client
	// Clock dates the webhook's signature; nil means the system's.
	Clock masthead.Clock
}

// Purger purges keys at the configured CDN.
type Purger struct {
	cfg Config
}

// New checks cfg and returns its purger.
func New(cfg Config) (*Purger, error) {
	switch cfg.Provider {
	case Fastly:
		if cfg.API == "" {
			cfg.API = FastlyAPI
		}
	case Cloudflare:
		if cfg.API == "" {
			cfg.API = CloudflareAPI
		}
	case Webhook:
		if cfg.API == "" {
			return nil, fmt.Errorf("cdn: a webhook needs its URL")
		}
	default:
		return nil, fmt.Errorf("cdn: unknown provider %q (want %s, %s or %s)", cfg.Provider, Fastly, Cloudflare, Webhook)
	}
	if cfg.Provider != Webhook && (cfg.Service == "" || cfg.Token == "") {
		return nil, fmt.Errorf("cdn: %s needs a service or zone ID and an API token", cfg.Provider)
	}
	u, err := url.Parse(cfg.API)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("cdn: %q is not an http(s) address", cfg.API)
	}
	cfg.API = strings.TrimRight(cfg.API, "/")
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Clock == nil {
		cfg.Clock = masthead.SystemClock{}
	}
	return &Purger{cfg: cfg}, nil
}

// Run is the handler of a masthead.JobCDNPurge: it purges the job's
// keys. An error leaves the job to the queue's retries.
func (p *Purger) Run(ctx context.Context, j masthead.Job) error {
	var in masthead.CDNPurge
	if err := j.Decode(&in); err != nil {
		return err
	}
	return p.Purge(ctx, in.Version, in.Keys)
}

// Purge asks the CDN to drop the pages carrying any of keys, the keys of
// content version v.
func (p *Purger) Purge(ctx context.Context, v int64, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	switch p.cfg.Provider {
	case Fastly:
		for part := range batches(keys, fastlyBatch) {
			if err := p.fastly(ctx, part); err != nil {
				return err
			}
		}
	case Cloudflare:
		for part := range batches(keys, cloudflareBatch) {
			if err := p.cloudflare(ctx, part); err != nil {
				return err
			}
		}
	default:
		return p.webhook(ctx, v, keys)
	}
	return nil
}

// batches yields keys in runs of at most n.
func batches(keys []string, n int) func(func([]string) bool) {
	return func(yield func([]string) bool) {
		for len(keys) > 0 {
			k := min(n, len(keys))
			if !yield(keys[:k]) {
				return
			}
			keys = keys[k:]
		}
	}
}

// fastly purges by surrogate key: POST /service/{id}/purge with the keys,
// space-separated, in the Surrogate-Key header.
func (p *Purger) fastly(ctx context.Context, keys []string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.API+"/service/"+url.PathEscape(p.cfg.Service)+"/purge", nil)
	if err != nil {
		return fmt.Errorf("cdn: fastly purge: %w", err)
	}
	req.Header.Set("Fastly-Key", p.cfg.Token)
	req.Header.Set("Surrogate-Key", strings.Join(keys, " "))
	req.Header.Set("Accept", "application/json")
	if p.cfg.SoftPurge {
		req.Header.Set("Fastly-Soft-Purge", "1")
	}
	_, err = p.do(req, "fastly purge")
	return err
}

// cloudflare purges by cache tag: POST /zones/{id}/purge_cache with
// {"tags": [...]}; the answer must say success.
func (p *Purger) cloudflare(ctx context.Context, keys []string) error {
	body, _ := json.Marshal(struct {
		Tags []string `json:"tags"`
	}{keys})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.API+"/zones/"+url.PathEscape(p.cfg.Service)+"/purge_cache", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("cdn: cloudflare purge: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+p.cfg.Token)
	req.Header.Set("Content-Type", "application/json")
	out, err := p.do(req, "cloudflare purge")
	if err != nil {
		return err
	}
	var res struct {
		Success bool `json:"success"`
		Errors  []struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return fmt.Errorf("cdn: cloudflare purge: the answer is not JSON: %w", err)
	}
	if !res.Success {
		return fmt.Errorf("cdn: cloudflare purge refused: %+v", res.Errors)
	}
	return nil
}

// WebhookSignature is the header of a purge webhook's signature, in the
// scheme of the outgoing webhooks (docs/webhooks.md): "t=<unix
// seconds>,v1=<hex HMAC-SHA256 of "<unix seconds>.<body>">" keyed by the
// token.
const WebhookSignature = "X-Masthead-Signature"

// WebhookBody is what a purge webhook posts.
type WebhookBody struct {
	Version int64    `json:"version"`
	Keys    []string `json:"keys"`
}

// webhook posts the keys, signed when a token is set.
func (p *Purger) webhook(ctx context.Context, v int64, keys []string) error {
	body, _ := json.Marshal(WebhookBody{Version: v, Keys: keys})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.API, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("cdn: purge webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Masthead-Event", "cdn.purge")
	if p.cfg.Token != "" {
		ts := strconv.FormatInt(p.cfg.Clock.Now().Unix(), 10)
		m := hmac.New(sha256.New, []byte(p.cfg.Token))
		m.Write([]byte(ts + "."))
		m.Write(body)
		req.Header.Set(WebhookSignature, "t="+ts+",v1="+hex.EncodeToString(m.Sum(nil)))
	}
	_, err = p.do(req, "purge webhook")
	return err
}

// do sends req and returns the body of a 2xx answer; anything else is
// an error naming the status and the start of the answer.
func (p *Purger) do(req *http.Request, what string) ([]byte, error) {
	req.Header.Set("User-Agent", "Masthead-CDN-Purge")
	res, err := p.cfg.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cdn: %s: %w", what, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("cdn: %s: %w", what, err)
	}
	if res.StatusCode/100 != 2 {
		msg := strings.TrimSpace(string(body))
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return nil, fmt.Errorf("cdn: %s: %s: %s", what, res.Status, msg)
	}
	return body, nil
}
