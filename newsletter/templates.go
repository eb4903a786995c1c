package newsletter

import (
	htmltemplate "html/template"
	texttemplate "text/template"
)

// defaultHTML is the built-in HTML template: one 600-pixel table, inline
// styles only and no CSS a mail client might drop, readable with images
// off. A newsletter's own template replaces it and sees the same
// TemplateData.
var defaultHTML = htmltemplate.Must(htmltemplate.New("newsletter").Parse(defaultHTMLSource))

// DefaultTemplate is the built-in template's source, a starting point for
// a newsletter's own.
const DefaultTemplate = defaultHTMLSource

const defaultHTMLSource = `<!DOCTYPE html>
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
<h1 style="margin:6px 0 0 0;font-size:28px;line-height:1.2;color:#111111;font-weight:normal;">{{.Newsletter.Name}}</h1>
<p style="margin:4px 0 0 0;font-size:14px;color:#666666;">{{.Date}}</p>
</td></tr>
<tr><td style="padding:16px 32px 0 32px;font-family:Georgia,'Times New Roman',serif;font-size:17px;line-height:1.5;color:#222222;">
<p style="margin:0 0 12px 0;">{{.Greeting}}</p>
{{- range .EditorsNote}}
<p style="margin:0 0 12px 0;">{{.}}</p>
{{- end}}
</td></tr>
{{- if .Articles}}
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
{{- end}}
{{- if .Radar}}
<tr><td style="padding:16px 32px 0 32px;font-family:Georgia,'Times New Roman',serif;font-size:17px;line-height:1.5;color:#222222;">
<h2 style="margin:0 0 8px 0;font-size:18px;color:#8a1c1c;font-weight:normal;">What&rsquo;s on our radar</h2>
{{- range .Radar}}
<p style="margin:0 0 12px 0;">{{.}}</p>
{{- end}}
</td></tr>
{{- end}}
{{- if not .Subscriber}}
<tr><td style="padding:16px 32px 0 32px;font-family:Georgia,'Times New Roman',serif;">
<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>
<td style="background:#8a1c1c;padding:10px 18px;"><a href="{{.SubscribeURL}}" style="color:#ffffff;text-decoration:none;font-size:15px;">Subscribe for full access</a></td>
</tr></table>
</td></tr>
{{- end}}
<tr><td style="padding:24px 32px 24px 32px;font-family:Arial,Helvetica,sans-serif;font-size:12px;line-height:1.5;color:#777777;">
<p style="margin:0;">You receive {{.Newsletter.Name}} at {{.Email}}.
<a href="{{.PreferencesURL}}" style="color:#777777;">Choose your newsletters</a> &middot;
<a href="{{.UnsubscribeURL}}" style="color:#777777;">Unsubscribe</a> &middot;
<a href="{{.ArchiveURL}}" style="color:#777777;">Read past issues</a></p>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`

// textTmpl is the plain-text part, the same for every newsletter.
var textTmpl = texttemplate.Must(texttemplate.New("text").Parse(`{{.Newsletter.Name}} — {{.Site.Name}}
{{.Date}}

{{.Greeting}}
{{range .EditorsNote}}
{{.}}
{{end}}
{{- range .Articles}}
----------------------------------------
{{.Kind}}{{if .Note}} · {{.Note}}{{end}}
{{.Title}}
{{- if .Dek}}
{{.Dek}}{{end}}
{{- if .Authors}}
By {{.Authors}}{{end}}
{{.URL}}
{{end}}
{{- if .Radar}}
----------------------------------------
WHAT'S ON OUR RADAR
{{range .Radar}}
{{.}}
{{end}}{{end}}
{{- if not .Subscriber}}
Subscribe for full access: {{.SubscribeURL}}
{{end}}
----------------------------------------
You receive {{.Newsletter.Name}} at {{.Email}}.
Choose your newsletters: {{.PreferencesURL}}
Unsubscribe: {{.UnsubscribeURL}}
Past issues: {{.ArchiveURL}}
`))
