package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"masthead"
)

// The site settings page: the publication's name, tagline, logo, accent
// colour, footer links, social accounts, the ads' HTML, the meter and
// the teaser budget, kept in the database and read by every instance. An
// empty field is not set and the operator's flag or environment value
// applies (shown beside it); a set one wins over it. Administrators
// only: the meter and the ads are the business.

// SettingsStore keeps the site settings.
type SettingsStore interface {
	Settings(ctx context.Context) (*masthead.SiteSettings, error)
	// SaveSettings saves them and returns how many teasers a changed
	// budget cut again.
	SaveSettings(ctx context.Context, s masthead.SiteSettings, by int64) (int, error)
}

// settingsForm is the form exactly as typed.
type settingsForm struct {
	Name, Tagline, LogoURL, Accent, FooterLinks, Social, AdsHTML string
	MeterCredits, MeterPeriod, TeaserWords                       string
	LicencePrice, LicenceURL, LicenceContact                     string
	SearchRecency                                                string
	// AICrawlers is each AI crawler family's policy as chosen.
	AICrawlers map[string]string
}

// crawlerRow is one AI crawler family on the settings page.
type crawlerRow struct {
	masthead.AICrawler
	Options []option
}

type settingsView struct {
	page
	Form     settingsForm
	Errors   map[string]string
	Message  string
	Defaults settingsForm
	Periods  []option
	Recency  []option
	Crawlers []crawlerRow
}

func (h *Handler) settingsOnly(fn staffHandler) staffHandler {
	return h.adminOnly(func(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
		if h.deps.Settings == nil {
			return h.notFound(w, r)
		}
		return fn(w, r, me)
	})
}

func formOfSettings(s masthead.SiteSettings) settingsForm {
	f := settingsForm{Name: s.Name, Tagline: s.Tagline, LogoURL: s.LogoURL, Accent: s.Accent,
		FooterLinks: masthead.FormatLinks(s.FooterLinks), Social: masthead.FormatLinks(s.Social), AdsHTML: s.AdsHTML,
		MeterCredits: masthead.FormatOptionalInt(s.MeterCredits), MeterPeriod: s.MeterPeriod,
		LicencePrice: s.LicencePrice, LicenceURL: s.LicenceURL, LicenceContact: s.LicenceContact,
		SearchRecency: string(s.SearchRecency)}
	if s.TeaserWords > 0 {
		f.TeaserWords = strconv.Itoa(s.TeaserWords)
	}
	f.AICrawlers = map[string]string{}
	for _, c := range masthead.AICrawlers {
		f.AICrawlers[c.Family] = string(s.AIPolicy(c.Family))
	}
	return f
}

func (h *Handler) settingsView(r *http.Request, me *masthead.Member, form settingsForm) *settingsView {
	v := &settingsView{page: h.page(r, me, "Site settings"), Form: form, Defaults: formOfSettings(h.cfg.Defaults)}
	v.Section = "settings"
	for _, p := range []struct{ v, l string }{{"", "Not set"}, {"month", "Calendar month"}, {"week", "Week, from Monday"}} {
		v.Periods = append(v.Periods, option{Value: p.v, Label: p.l, Selected: form.MeterPeriod == p.v})
	}
	for _, p := range []struct {
		v masthead.SearchRecency
		l string
	}{{"", "Not set (a little)"}, {masthead.RecencyNone, "Not at all: relevance alone, the date breaking ties"},
		{masthead.RecencyGentle, "A little: a new article counts up to a quarter more, half that after a year"},
		{masthead.RecencyStrong, "Strongly: a new article counts up to twice as much, half that after a month"}} {
		v.Recency = append(v.Recency, option{Value: string(p.v), Label: p.l, Selected: form.SearchRecency == string(p.v)})
	}
	for _, c := range masthead.AICrawlers {
		row := crawlerRow{AICrawler: c}
		chosen := form.AICrawlers[c.Family]
		if chosen == "" {
			chosen = string(masthead.CrawlerTeaser)
		}
		for _, p := range []struct {
			v masthead.CrawlerPolicy
			l string
		}{{masthead.CrawlerFull, "Full text"}, {masthead.CrawlerTeaser, "Teaser only"}, {masthead.CrawlerRefuse, "Refused"},
			{masthead.CrawlerPrice, "Refused with a price (402)"}} {
			row.Options = append(row.Options, option{Value: string(p.v), Label: p.l, Selected: chosen == string(p.v)})
		}
		v.Crawlers = append(v.Crawlers, row)
	}
	return v
}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	s, err := h.deps.Settings.Settings(r.Context())
	if err != nil {
		return fmt.Errorf("admin: settings: %w", err)
	}
	v := h.settingsView(r, me, formOfSettings(*s))
	switch r.URL.Query().Get("msg") {
	case "saved":
		v.Flash = "Settings saved. Every instance shows them within a few seconds."
	case "recut":
		v.Flash = "Settings saved, and the teasers cut again to the new budget: " + strconv.Itoa(atoiOr(r.URL.Query().Get("n"))) + " changed."
	}
	return h.render(w, http.StatusOK, "settings", v)
}

func (h *Handler) settingsSave(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if err := parseForm(w, r, 128<<10); err != nil {
		return err
	}
	pf := r.PostForm
	form := settingsForm{Name: strings.TrimSpace(pf.Get("name")), Tagline: strings.TrimSpace(pf.Get("tagline")),
		LogoURL: strings.TrimSpace(pf.Get("logo_url")), Accent: strings.TrimSpace(pf.Get("accent")),
		FooterLinks: pf.Get("footer_links"), Social: pf.Get("social"), AdsHTML: strings.TrimSpace(pf.Get("ads_html")),
		MeterCredits: strings.TrimSpace(pf.Get("meter_credits")), MeterPeriod: pf.Get("meter_period"),
		TeaserWords:  strings.TrimSpace(pf.Get("teaser_words")),
		LicencePrice: strings.TrimSpace(pf.Get("licence_price")), LicenceURL: strings.TrimSpace(pf.Get("licence_url")),
		LicenceContact: strings.TrimSpace(pf.Get("licence_contact")), SearchRecency: pf.Get("search_recency")}
	s := masthead.SiteSettings{Name: form.Name, Tagline: form.Tagline, LogoURL: form.LogoURL, Accent: form.Accent,
		FooterLinks: masthead.ParseLinks(form.FooterLinks), Social: masthead.ParseLinks(form.Social), AdsHTML: form.AdsHTML,
		MeterPeriod: form.MeterPeriod, LicencePrice: form.LicencePrice, LicenceURL: form.LicenceURL, LicenceContact: form.LicenceContact,
		SearchRecency: masthead.SearchRecency(form.SearchRecency)}
	// The AI crawlers' policies; one not posted stays at the teaser.
	form.AICrawlers = map[string]string{}
	for _, c := range masthead.AICrawlers {
		if p := pf.Get("ai_" + c.Family); p != "" {
			form.AICrawlers[c.Family] = p
			if s.AICrawlers == nil {
				s.AICrawlers = map[string]masthead.CrawlerPolicy{}
			}
			s.AICrawlers[c.Family] = masthead.CrawlerPolicy(p)
		}
	}
	// Every field is checked at once: the numbers here, the rest by
	// Validate.
	bad := masthead.Invalid{}
	if form.MeterCredits != "" {
		if n, err := strconv.Atoi(form.MeterCredits); err != nil {
			bad.Add("meter_credits", "Credits must be a whole number from 0 to 100.")
		} else {
			s.MeterCredits = &n
		}
	}
	if form.TeaserWords != "" {
		if n, err := strconv.Atoi(form.TeaserWords); err != nil || n <= 0 {
			bad.Add("teaser_words", "The teaser's budget must be from 20 to 1000 words.")
		} else {
			s.TeaserWords = n
		}
	}
	for k, msg := range masthead.ErrorFields(s.Validate()) {
		bad.Add(k, msg)
	}
	err := bad.Err()
	changed := 0
	if err == nil {
		changed, err = h.deps.Settings.SaveSettings(r.Context(), s, me.ID)
	}
	if err == nil {
		if h.deps.SettingsChanged != nil {
			h.deps.SettingsChanged(r.Context())
		}
		to := "/admin/settings?msg=saved"
		if changed > 0 {
			to = "/admin/settings?msg=recut&n=" + strconv.Itoa(changed)
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}
	var invalid *masthead.Error
	if !errors.As(err, &invalid) || invalid.Code != masthead.EINVALID {
		return err
	}
	v := h.settingsView(r, me, form)
	v.Errors, v.Message = invalid.Fields, invalid.Message
	return h.render(w, http.StatusBadRequest, "settings", v)
}

func atoiOr(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
