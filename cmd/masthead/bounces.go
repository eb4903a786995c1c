package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"masthead/bounce"
)

// bounceSettings are the serve settings of the bounce and complaint
// webhooks (docs/bounces.md). Each endpoint stays off (404) until its
// settings are given.
type bounceSettings struct {
	SESTopics        string
	PostmarkUser     string
	PostmarkPassword string
	PostmarkNoAuth   bool
	Secret           string
	MaxAge           time.Duration
}

// bounceFlags registers the webhook settings of serve.
func (s *bounceSettings) bounceFlags(fs *flag.FlagSet) {
	fs.StringVar(&s.SESTopics, "ses-topics", "", "comma-separated ARNs of the SNS topics SES publishes bounces and complaints to; turns on POST /webhooks/ses")
	fs.StringVar(&s.PostmarkUser, "postmark-webhook-user", "", "basic-auth user name set on the Postmark bounce and spam-complaint webhooks; with the password, turns on POST /webhooks/postmark")
	fs.StringVar(&s.PostmarkPassword, "postmark-webhook-password", "", "basic-auth password of the Postmark webhooks (keep it in MASTHEAD_POSTMARK_WEBHOOK_PASSWORD_FILE)")
	fs.BoolVar(&s.PostmarkNoAuth, "postmark-webhook-no-auth", false, "turn on POST /webhooks/postmark without credentials (anyone reaching it could suppress an address)")
	fs.StringVar(&s.Secret, "bounce-secret", "", "HMAC-SHA256 key of the generic JSON form at POST /webhooks/bounce, at least 16 characters; turns it on (keep it in MASTHEAD_BOUNCE_SECRET_FILE)")
	fs.DurationVar(&s.MaxAge, "bounce-max-age", bounce.DefaultMaxAge, "refuse SNS and generic notifications older than this (replays)")
}

// topics splits the topic list.
func (s *bounceSettings) topics() []string {
	var out []string
	for part := range strings.SplitSeq(s.SESTopics, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// validate checks the settings without contacting anyone.
func (s *bounceSettings) validate() error {
	var errs []error
	for _, t := range s.topics() {
		if !strings.HasPrefix(t, "arn:aws:sns:") && !strings.HasPrefix(t, "arn:aws-cn:sns:") {
			errs = append(errs, fmt.Errorf("--ses-topics: %q is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)", t))
		}
	}
	if (s.PostmarkUser == "") != (s.PostmarkPassword == "") {
		errs = append(errs, errors.New("--postmark-webhook-user and --postmark-webhook-password go together"))
	}
	if s.Secret != "" && len(s.Secret) < 16 {
		errs = append(errs, errors.New("--bounce-secret: use at least 16 characters"))
	}
	if s.MaxAge < 0 {
		errs = append(errs, errors.New("--bounce-max-age must not be negative"))
	}
	return errors.Join(errs...)
}

// handler builds the webhooks, suppressing through store.
func (s *bounceSettings) handler(store bounce.SuppressionStore, log *slog.Logger) *bounce.Handler {
	h := bounce.New(bounce.Config{
		SNS:              bounce.SNSOptions{Topics: s.topics()},
		PostmarkUser:     s.PostmarkUser,
		PostmarkPassword: s.PostmarkPassword,
		PostmarkNoAuth:   s.PostmarkNoAuth,
		GenericSecret:    []byte(s.Secret),
		MaxAge:           s.MaxAge,
		Logger:           log,
	}, bounce.Sink(store))
	if s.PostmarkNoAuth && s.PostmarkUser == "" {
		log.Warn("bounces: /webhooks/postmark takes notifications without credentials")
	}
	return h
}
