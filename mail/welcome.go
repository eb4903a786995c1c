package mail

import (
	"bytes"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"masthead"
)

// The welcome email is short and has no variants, so its two parts are
// written here rather than in files, as the gift email's.
var (
	welcomeText = texttemplate.Must(texttemplate.New("welcome.txt").Parse(`Welcome to {{.Site}}. You now have All-Access ({{.Plan}}): every article, the full searchable library, the Daily and Weekly Review emails, and no ads.

Your receipt:

{{.Receipt}}

Your account, your plan and your newsletters: {{.Account}}
To read on another device, sign in there with this address: {{.Login}}

If you did not subscribe, reply to this email and we will sort it out.

{{.Site}} — {{.BaseURL}}
`))
	welcomeHTML = htmltemplate.Must(htmltemplate.New("welcome.html").Parse(`<!doctype html>
<html><body style="font-family: Georgia, serif; max-width: 36em">
<p>Welcome to {{.Site}}. You now have <strong>All-Access</strong> ({{.Plan}}): every article, the full searchable library, the Daily and Weekly Review emails, and no ads.</p>
<p><a href="{{.Receipt}}">Your receipt</a></p>
<p><a href="{{.Account}}">Your account</a>: your plan and your newsletters. To read on another device, <a href="{{.Login}}">sign in there</a> with this address.</p>
<p style="color: #666">If you did not subscribe, reply to this email and we will sort it out.</p>
<p style="color: #666">{{.Site}} — <a href="{{.BaseURL}}">{{.BaseURL}}</a></p>
</body></html>
`))
)

type welcomeView struct {
	Site, BaseURL, Plan, Receipt, Account, Login string
}

// Welcome is the email a new subscriber gets after their first payment:
// what they have, and a link to the receipt (the payment provider's page
// of it when known, else their account page, receipt).
func Welcome(site SiteInfo, to, plan, receipt string) masthead.Email {
	base := strings.TrimRight(site.BaseURL, "/")
	v := welcomeView{Site: site.Name, BaseURL: base, Plan: plan, Receipt: receipt,
		Account: base + "/account", Login: base + "/login"}
	if v.Receipt == "" {
		v.Receipt = v.Account
	}
	var text, html bytes.Buffer
	// Execution errors are impossible with this fixed view type.
	if err := welcomeText.Execute(&text, v); err != nil {
		panic("mail: welcome.txt: " + err.Error())
	}
	if err := welcomeHTML.Execute(&html, v); err != nil {
		panic("mail: welcome.html: " + err.Error())
	}
	return masthead.Email{
		To:       to,
		Subject:  "Welcome to " + site.Name + ": your All-Access subscription",
		Text:     text.String(),
		HTML:     html.String(),
		Headers:  map[string]string{"Auto-Submitted": "auto-generated"},
		Category: "welcome",
	}
}
