package mail

import (
	"bytes"
	"embed"
	htmltemplate "html/template"
	"net/url"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"masthead"
)

// SiteInfo is what the templates say about the publication.
type SiteInfo struct {
	Name    string
	BaseURL string // absolute, without a trailing slash
}

// Purposes of a sign-in email (masthead.SignInEmail.Purpose): the wording
// differs, the link works alike.
const (
	// PurposeRegistration welcomes a reader who just gave their address
	// and asks them to confirm it.
	PurposeRegistration = masthead.PurposeRegistration
	// PurposeSignIn is a returning reader's sign-in link.
	PurposeSignIn = masthead.PurposeSignIn
)

//go:embed templates/signin.txt templates/signin.html
var templateFS embed.FS

// The templates are embedded and parsed once; a parse error is a
// programming error and stops the program at start, not a reader's
// request. Both are immutable after parsing and safe to execute
// concurrently.
var (
	signinText = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/signin.txt"))
	signinHTML = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/signin.html"))
)

type signinView struct {
	Site, BaseURL, Host string
	Subject             string
	Link                string
	Expires             string
	Registration        bool
}

// SignIn is the email carrying a one-time sign-in link: for a new reader
// (PurposeRegistration) it asks them to confirm their address, for a
// returning one (PurposeSignIn, or any other value) it simply signs them
// in. It says when the link expires and that an unexpected email can be
// ignored. Both parts are always present.
func SignIn(site SiteInfo, to, link string, expires time.Duration, purpose string) masthead.Email {
	v := signinView{
		Site:         site.Name,
		BaseURL:      strings.TrimRight(site.BaseURL, "/"),
		Link:         link,
		Expires:      HumanDuration(expires),
		Registration: purpose == PurposeRegistration,
	}
	if u, err := url.Parse(v.BaseURL); err == nil {
		v.Host = u.Host
	}
	if v.Registration {
		v.Subject = "Confirm your email address for " + site.Name
	} else {
		v.Subject = "Your sign-in link for " + site.Name
	}
	var text, html bytes.Buffer
	// Execution errors are impossible with this fixed view type; a
	// test renders every purpose.
	if err := signinText.Execute(&text, v); err != nil {
		panic("mail: signin.txt: " + err.Error())
	}
	if err := signinHTML.Execute(&html, v); err != nil {
		panic("mail: signin.html: " + err.Error())
	}
	return masthead.Email{
		To:      to,
		Subject: v.Subject,
		Text:    text.String(),
		HTML:    html.String(),
		// RFC 3834: an automatic message; autoresponders must not
		// answer it.
		Headers:  map[string]string{"Auto-Submitted": "auto-generated"},
		Category: "signin",
	}
}

// HumanDuration writes a link lifetime the way a reader would say it:
// "20 minutes", "1 hour", "1 hour 30 minutes", "2 days".
func HumanDuration(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.FormatInt(n, 10) + " " + one + "s"
	}
	switch {
	case d < time.Minute:
		return unit(max(int64(d/time.Second), 1), "second")
	case d < time.Hour:
		return unit(int64(d/time.Minute), "minute")
	case d < 48*time.Hour:
		h, m := int64(d/time.Hour), int64(d%time.Hour/time.Minute)
		if m == 0 {
			return unit(h, "hour")
		}
		return unit(h, "hour") + " " + unit(m, "minute")
	default:
		days, h := int64(d/(24*time.Hour)), int64(d%(24*time.Hour)/time.Hour)
		if h == 0 {
			return unit(days, "day")
		}
		return unit(days, "day") + " " + unit(h, "hour")
	}
}
