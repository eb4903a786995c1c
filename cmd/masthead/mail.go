package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"masthead"
	"masthead/mail"
)

// mailSettings are the serve settings of outgoing email.
type mailSettings struct {
	SMTPURL  string
	MailFrom string
}

// mailFlags registers the email settings of serve.
func (m *mailSettings) mailFlags(fs *flag.FlagSet) {
	fs.StringVar(&m.SMTPURL, "smtp-url", "", "SMTP server for outgoing email: smtp://user:pass@host:port (STARTTLS when offered; ?tls=required|none) or smtps://… (implicit TLS); keep it in MASTHEAD_SMTP_URL_FILE. Unset with --demo: emails go to the outbox at /_dev/mail")
	fs.StringVar(&m.MailFrom, "mail-from", "", `sender of outgoing email, "Name <address>" (default "SITE-NAME <no-reply@HOST of --base-url>")`)
}

// validate checks the settings without connecting anywhere. The URL's
// password never appears in an error.
func (m *mailSettings) validate() error {
	if m.SMTPURL != "" {
		if _, err := mail.ParseURL(m.SMTPURL); err != nil {
			return fmt.Errorf("--smtp-url: %w", err)
		}
	}
	if m.MailFrom != "" {
		if _, err := mail.ParseFrom(m.MailFrom); err != nil {
			return fmt.Errorf("--mail-from: %w", err)
		}
	}
	return nil
}

// mailer is the chosen Mailer and what the site needs to know about it.
type mailer struct {
	masthead.Mailer
	// mode is where email goes, as the staff banner, /readyz and the
	// reader's pages tell it.
	mode masthead.EmailMode
	// outbox keeps every email and serves /_dev/mail; nil unless demo
	// mode without SMTP, when newsletters go there too.
	outbox *mail.Outbox
	close  func()
}

// devMail is the handler of /_dev/mail, or nil: a nil *mail.Outbox must
// stay a nil interface, or the site would mount the route.
func (m *mailer) devMail() http.Handler {
	if m.outbox == nil {
		return nil
	}
	return m.outbox
}

// namedSender is the sender made from the site's name when the operator
// set none (--mail-from), which the site renames as the settings do;
// empty when the operator chose one.
func namedSender(cfg *Config) string {
	if cfg.Mail.MailFrom != "" {
		return ""
	}
	return mail.DefaultFrom(cfg.SiteName, cfg.BaseURL)
}

// openMailer chooses the Mailer: SMTP when a URL is set; else, in demo
// mode, the development outbox; else one that refuses with a message
// saying what to set. It never blocks on the network: an SMTP server
// that is down at start is reported in the log and retried by each send.
func openMailer(ctx context.Context, cfg *Config, log *slog.Logger) (*mailer, error) {
	from := cfg.Mail.MailFrom
	if from == "" {
		from = mail.DefaultFrom(cfg.SiteName, cfg.BaseURL)
	}
	switch {
	case cfg.Mail.SMTPURL != "":
		m, err := mail.Open(cfg.Mail.SMTPURL, from, mail.WithLogger(log))
		if err != nil {
			return nil, fmt.Errorf("--smtp-url: %w", err)
		}
		log.Info("email: sending through SMTP", "server", m.Settings().Redacted(), "from", m.From().String())
		// A wrong password or a firewall should show in the log at
		// start, not at the first reader's sign-in.
		go func() {
			pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if err := m.Ping(pctx); err != nil {
				log.Warn("email: the SMTP server cannot be used yet", "server", m.Settings().Redacted(), "err", err)
			}
		}()
		return &mailer{Mailer: m, mode: masthead.EmailSMTP, close: func() { m.Close() }}, nil
	case cfg.Demo:
		o := mail.NewOutbox(200, log)
		log.Info("email: no SMTP server set; emails are kept in the development outbox", "outbox", cfg.BaseURL+mail.OutboxPath)
		return &mailer{Mailer: o, mode: masthead.EmailOutbox, outbox: o, close: func() {}}, nil
	default:
		log.Warn("email: no SMTP server set (--smtp-url, MASTHEAD_SMTP_URL); sign-in links, gifts and newsletters cannot be sent")
		return &mailer{Mailer: mail.Unconfigured{}, mode: masthead.EmailNone, close: func() {}}, nil
	}
}
