package mail

import (
	"bytes"
	htmltemplate "html/template"
	"strconv"
	"strings"
	texttemplate "text/template"

	"masthead"
)

// The gift email is short and has no variants, so its two parts are
// written here rather than in files.
var (
	giftText = texttemplate.Must(texttemplate.New("gift.txt").Parse(`Someone has given you {{.Months}} of All-Access to {{.Site}}: every article, the full searchable library, the Daily and Weekly Review emails, and no ads.

Redeem your gift here (it works once; your months start when you redeem it):

{{.Link}}

If you did not expect this email, you can ignore it.

{{.Site}} — {{.BaseURL}}
`))
	giftHTML = htmltemplate.Must(htmltemplate.New("gift.html").Parse(`<!doctype html>
<html><body style="font-family: Georgia, serif; max-width: 36em">
<p>Someone has given you <strong>{{.Months}}</strong> of All-Access to {{.Site}}: every article, the full searchable library, the Daily and Weekly Review emails, and no ads.</p>
<p><a href="{{.Link}}">Redeem your gift</a> — it works once; your months start when you redeem it.</p>
<p style="color: #666">If you did not expect this email, you can ignore it.</p>
<p style="color: #666">{{.Site}} — <a href="{{.BaseURL}}">{{.BaseURL}}</a></p>
</body></html>
`))
)

type giftView struct {
	Site, BaseURL, Link, Months string
}

// Gift is the email carrying a gift subscription's redeem link to its
// recipient.
func Gift(site SiteInfo, to, link string, months int) masthead.Email {
	v := giftView{Site: site.Name, BaseURL: strings.TrimRight(site.BaseURL, "/"), Link: link,
		Months: strconv.Itoa(months) + " months"}
	if months == 1 {
		v.Months = "1 month"
	}
	var text, html bytes.Buffer
	// Execution errors are impossible with this fixed view type.
	if err := giftText.Execute(&text, v); err != nil {
		panic("mail: gift.txt: " + err.Error())
	}
	if err := giftHTML.Execute(&html, v); err != nil {
		panic("mail: gift.html: " + err.Error())
	}
	return masthead.Email{
		To:       to,
		Subject:  "A gift for you: " + v.Months + " of " + site.Name,
		Text:     text.String(),
		HTML:     html.String(),
		Headers:  map[string]string{"Auto-Submitted": "auto-generated"},
		Category: "gift",
	}
}
