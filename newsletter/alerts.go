package newsletter

import (
	"context"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"sync"
	texttemplate "text/template"
	"time"

	"masthead"
)

// Alerts (docs/curator.md) are issues of the alerts newsletter, sent by
// this engine like any other: one delivery per reader, the durable
// checkpoint, retries, suppression and one-click unsubscription. What
// differs is that each reader is told only of the articles of what they
// follow, through which follows: the delivery carries it (Matches), and
// the message is rendered once per segment and match, then spliced per
// reader like a newsletter's. Readers following the same things share a
// rendering, so a hundred thousand readers of one topic cost one.

// AlertItem is a follow an alert email tells of, with the link that stops
// its alerts (the reader's unsubscribe link naming the follow).
type AlertItem struct {
	Kind, Name string
	StopURL    string
	param      string
}

// AlertComposer composes the alert issue of a slot (store.DB).
type AlertComposer interface {
	ComposeAlerts(ctx context.Context, mode masthead.AlertMode, until, now time.Time) (int64, error)
}

// RunAlerts runs an alerts-compose job: it composes the slot's alert
// issue, whose send job the store enqueues with it, so the send is the
// newsletter-send job's like any issue's. Composing a slot again (a
// retried job) finds its articles told and adds nothing.
func (e *Engine) RunAlerts(ctx context.Context, j masthead.Job) error {
	var p masthead.AlertsPayload
	if err := j.Decode(&p); err != nil {
		return err
	}
	st, ok := e.store.(AlertComposer)
	if !ok {
		return masthead.Errorf(masthead.EINVALID, "this store does not keep alerts")
	}
	id, err := st.ComposeAlerts(ctx, p.Mode, p.Until, e.cfg.Clock.Now())
	if err != nil {
		return fmt.Errorf("newsletter: compose %s alerts: %w", p.Mode, err)
	}
	if id > 0 {
		e.log.Info("newsletter: alerts composed", "mode", p.Mode, "issue", id)
	}
	return nil
}

// alertRenders keeps an alert issue's renderings by segment (segIndex)
// and match, so a hundred thousand deliveries of a few distinct matches
// cost a few renderings, and each delivery one lookup under a read lock
// of the match its row carries, with nothing allocated.
type alertRenders struct {
	mu sync.RWMutex
	m  [2]map[string]*Rendered
}

// renderedFor returns the rendering d's message is spliced from: the
// segment's for a newsletter, the segment's and match's for an alert.
func (s *send) renderedFor(d masthead.Delivery) (*Rendered, error) {
	if d.Matches == "" || s.n.Slug != masthead.NewsletterAlerts {
		return s.rendered[segIndex(d.Segment)], nil
	}
	seg := segIndex(d.Segment)
	s.alerts.mu.RLock()
	r := s.alerts.m[seg][d.Matches]
	s.alerts.mu.RUnlock()
	if r != nil {
		return r, nil
	}
	s.alerts.mu.Lock()
	defer s.alerts.mu.Unlock()
	if r := s.alerts.m[seg][d.Matches]; r != nil {
		return r, nil
	}
	var m masthead.AlertMatch
	if err := json.Unmarshal([]byte(d.Matches), &m); err != nil {
		return nil, masthead.Errorf(masthead.EINVALID, "alert of member %d: %v", d.MemberID, err)
	}
	r, err := RenderAlert(s.n, s.issue, m, d.Segment, s.site)
	if err != nil {
		return nil, err
	}
	if s.alerts.m[seg] == nil {
		s.alerts.m[seg] = map[string]*Rendered{}
	}
	s.alerts.m[seg][d.Matches] = r
	return r, nil
}

// RenderAlert renders an alert issue for one segment and one match: the
// issue's articles the match names, and a stop link for each follow.
func RenderAlert(n *masthead.Newsletter, is *masthead.Issue, m masthead.AlertMatch, seg masthead.Segment, site Site) (*Rendered, error) {
	sub := *is
	sub.Articles = nil
	for _, i := range m.Articles {
		if i >= 0 && i < len(is.Articles) {
			sub.Articles = append(sub.Articles, is.Articles[i])
		}
	}
	data := templateData(n, &sub, seg, site)
	data.PreferencesURL = site.BaseURL + "/account#follows"
	for _, f := range m.Follows {
		data.Alerts = append(data.Alerts, AlertItem{Kind: string(f.Kind), Name: f.Name, param: string(f.Kind) + ":" + f.Slug})
	}
	return renderWith(n, &sub, seg, site, alertHTML, alertText, data)
}

var alertHTML = htmltemplate.Must(htmltemplate.New("alert").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Subject}}</title>
</head>
<body style="margin:0;padding:0;background:#f4f1ea;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f1ea;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background:#ffffff;border:1px solid #e2ddd2;">
<tr><td style="padding:24px 32px 8px 32px;font-family:Georgia,'Times New Roman',serif;">
<p style="margin:0;font-size:13px;letter-spacing:1px;text-transform:uppercase;color:#8a1c1c;">{{.Site.Name}}</p>
<h1 style="margin:6px 0 0 0;font-size:26px;line-height:1.2;color:#111111;font-weight:normal;">New in what you follow</h1>
<p style="margin:4px 0 0 0;font-size:14px;color:#666666;">{{.Date}}</p>
</td></tr>
<tr><td style="padding:16px 32px 0 32px;font-family:Georgia,'Times New Roman',serif;font-size:17px;line-height:1.5;color:#222222;">
<p style="margin:0 0 12px 0;">{{.Greeting}}</p>
</td></tr>
<tr><td style="padding:8px 32px 0 32px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
{{- range .Articles}}
<tr><td style="padding:16px 0;border-top:1px solid #e2ddd2;font-family:Georgia,'Times New Roman',serif;">
<p style="margin:0;font-size:12px;letter-spacing:1px;text-transform:uppercase;color:#8a1c1c;">{{.Kind}}{{if .Note}} &middot; <span style="color:#666666;">{{.Note}}</span>{{end}}</p>
<p style="margin:4px 0 0 0;font-size:21px;line-height:1.3;"><a href="{{.URL}}" style="color:#111111;text-decoration:none;">{{.Title}}</a></p>
{{- if .Dek}}
<p style="margin:6px 0 0 0;font-size:16px;line-height:1.45;color:#444444;">{{.Dek}}</p>
{{- end}}
{{- if .Authors}}
<p style="margin:6px 0 0 0;font-size:13px;color:#666666;">By {{.Authors}}</p>
{{- end}}
</td></tr>
{{- end}}
</table>
</td></tr>
<tr><td style="padding:24px 32px 24px 32px;font-family:Arial,Helvetica,sans-serif;font-size:12px;line-height:1.5;color:#777777;">
<p style="margin:0;">You receive these alerts at {{.Email}} because you follow
{{- range $i, $a := .Alerts}}{{if $i}},{{end}} {{$a.Name}} (<a href="{{$a.StopURL}}" style="color:#777777;">stop these alerts</a>){{end}}.</p>
<p style="margin:8px 0 0 0;"><a href="{{.PreferencesURL}}" style="color:#777777;">Choose what you follow</a> &middot;
<a href="{{.UnsubscribeURL}}" style="color:#777777;">Stop all alerts</a></p>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`))

var alertText = texttemplate.Must(texttemplate.New("alert-text").Parse(`New in what you follow — {{.Site.Name}}
{{.Date}}

{{.Greeting}}
{{range .Articles}}
----------------------------------------
{{.Kind}}{{if .Note}} · {{.Note}}{{end}}
{{.Title}}
{{- if .Dek}}
{{.Dek}}{{end}}
{{- if .Authors}}
By {{.Authors}}{{end}}
{{.URL}}
{{end}}
----------------------------------------
You receive these alerts at {{.Email}} because you follow:
{{range .Alerts}}
{{.Name}} — stop these alerts: {{.StopURL}}
{{end}}
Choose what you follow: {{.PreferencesURL}}
Stop all alerts: {{.UnsubscribeURL}}
`))
