package admin

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"masthead"
)

// The dashboard at /admin/ (docs/insights.md): the funnel, conversion by
// article, column and topic, subscribers, revenue and churn, newsletter
// delivery and the most read articles, each chart with a table of the
// same numbers and a CSV download under /admin/insights/. Editors and
// admins see it; authors, whose work is their articles, are sent to the
// article list, and their CSV requests are refused.

// InsightStore answers the dashboard's queries. *store.DB implements it.
type InsightStore interface {
	InsightFunnel(ctx context.Context, r masthead.InsightRange, weekly bool) ([]masthead.FunnelPoint, error)
	InsightConversions(ctx context.Context, r masthead.InsightRange, by string, limit int) ([]masthead.Conversion, int64, error)
	InsightTopArticles(ctx context.Context, r masthead.InsightRange, limit int) ([]masthead.ArticleReads, error)
	InsightArticles(ctx context.Context, r masthead.InsightRange, limit, top int) (masthead.InsightArticles, error)
	InsightSubscribers(ctx context.Context, r masthead.InsightRange, step string) ([]masthead.SubscriberPoint, error)
	InsightNewsletters(ctx context.Context, r masthead.InsightRange) ([]masthead.NewsletterPoint, error)
	SearchStats(ctx context.Context, r masthead.InsightRange, limit int) (masthead.SearchStats, error)
	InsightHeadline(ctx context.Context, r masthead.InsightRange, now time.Time) (masthead.InsightHeadline, error)
}

// dashboardRanges are the windows the dashboard offers, in days.
var dashboardRanges = []int{7, 30, 90}

// conversionRows bounds each conversion table.
const conversionRows = 15

type dashboardView struct {
	page
	Days int
	// Headline is the first line of figures: paying subscribers, MRR per
	// currency, churn; Steps the funnel's conversion from step to step.
	Headline  masthead.InsightHeadline
	ChurnRate string
	Steps     []funnelStep
	Ranges    []option
	Query     template.URL // "days=N", for the CSV links
	Totals    masthead.FunnelPoint
	Funnel    template.HTML
	Daily     template.HTML
	Weekly    []masthead.FunnelPoint
	ByDay     []masthead.FunnelPoint
	Subs      template.HTML
	MRR       template.HTML
	Churn     template.HTML
	Months    []monthRow
	Active    int64
	MRRNow    string
	Letters   template.HTML
	Issues    []masthead.NewsletterPoint
	Reads     template.HTML
	Top       []masthead.ArticleReads
	Conv      []conversionTable
	// Unattributed counts subscriptions whose checkout named no article.
	Unattributed int64
	Search       searchView // searchstats.go
	// Offers are the offers with their redemptions, newest first, when
	// the site has offers (offers.go).
	Offers []offerRow
	// Crawlers is the AI crawlers' traffic (crawlertraffic.go).
	Crawlers crawlerTrafficView
}

// funnelStep is one step of the funnel with its share of the step
// before it.
type funnelStep struct {
	Name    string
	N       int64
	OfPrev  string // "12.5 %", or "—" for the first step or after a zero
	OfFirst string
}

// funnelSteps turns the range's totals into the funnel's conversion, step
// by step: wall view → registration → verified → unlock → checkout → paid.
func funnelSteps(t masthead.FunnelPoint) []funnelStep {
	steps := []funnelStep{
		{Name: "Wall views", N: t.WallViews},
		{Name: "Registrations", N: t.Registrations},
		{Name: "Verified", N: t.Verified},
		{Name: "Unlocks", N: t.Unlocks},
		{Name: "Checkouts started", N: t.Checkouts},
		{Name: "Paid subscriptions", N: t.Subscriptions},
	}
	for i := range steps {
		steps[i].OfPrev, steps[i].OfFirst = "—", "—"
		if i > 0 {
			steps[i].OfPrev = formatPercent(steps[i].N, steps[i-1].N)
			steps[i].OfFirst = formatPercent(steps[i].N, steps[0].N)
		}
	}
	return steps
}

type monthRow struct {
	Month                  string
	Active, Started, Ended int64
	MRR, Churn             string
}

type conversionTable struct {
	By, Title string
	Rows      []masthead.Conversion
}

// insightsFor narrows a handler to editors and admins and turns the
// dashboard off when no insight store is wired.
func (h *Handler) insightsFor(fn staffHandler) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
		if h.deps.Insights == nil {
			return h.notFound(w, r)
		}
		if !me.Role.CanPublish() {
			return masthead.Errorf(masthead.EFORBIDDEN, "The dashboard is for editors and administrators.")
		}
		return fn(w, r, me)
	}
}

// home is /admin/: the dashboard for editors and admins, the article
// list for authors and for sites without insights.
func (h *Handler) home(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if h.deps.Insights == nil || !me.Role.CanPublish() {
		return h.articleList(w, r, me)
	}
	return h.dashboard(w, r, me)
}

// insightRange reads ?days= (one of dashboardRanges, default 30) into a
// range of whole days ending with today.
func (h *Handler) insightRange(r *http.Request) (int, masthead.InsightRange) {
	days := 30
	if n, err := strconv.Atoi(r.URL.Query().Get("days")); err == nil {
		for _, d := range dashboardRanges {
			if n == d {
				days = n
			}
		}
	}
	to := h.now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	return days, masthead.InsightRange{From: to.AddDate(0, 0, -days), To: to}
}

// revenueRange is the last twelve months, this one included.
func (h *Handler) revenueRange() masthead.InsightRange {
	now := h.now().UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	return masthead.InsightRange{From: first.AddDate(0, -11, 0), To: now.Truncate(24*time.Hour).AddDate(0, 0, 1)}
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	ctx := r.Context()
	st := h.deps.Insights
	days, rng := h.insightRange(r)
	v := &dashboardView{page: h.page(r, me, "Dashboard"), Days: days, Query: template.URL("days=" + strconv.Itoa(days))}
	v.Section = "dashboard"
	for _, d := range dashboardRanges {
		v.Ranges = append(v.Ranges, option{Value: strconv.Itoa(d), Label: fmt.Sprintf("Last %d days", d), Selected: d == days})
	}

	byDay, err := st.InsightFunnel(ctx, rng, false)
	if err != nil {
		return fmt.Errorf("admin: dashboard: %w", err)
	}
	if v.Weekly, err = st.InsightFunnel(ctx, rng, true); err != nil {
		return fmt.Errorf("admin: dashboard: %w", err)
	}
	v.ByDay = byDay
	if v.Headline, err = st.InsightHeadline(ctx, rng, h.now()); err != nil {
		return fmt.Errorf("admin: dashboard: %w", err)
	}
	v.ChurnRate = formatPercent(v.Headline.Ended, v.Headline.PayingStart)
	if h.deps.Offers != nil {
		offers, err := h.deps.Offers.Offers(ctx)
		if err != nil {
			return fmt.Errorf("admin: dashboard: %w", err)
		}
		if v.Offers, err = h.offerRows(ctx, offers); err != nil {
			return fmt.Errorf("admin: dashboard: %w", err)
		}
	}
	var labels []string
	reg := series{Name: "Registrations", Class: "s1"}
	ver := series{Name: "Verified", Class: "s2"}
	unl := series{Name: "Unlocks", Class: "s3"}
	chk := series{Name: "Checkouts", Class: "s4"}
	sub := series{Name: "Subscriptions", Class: "s5"}
	for _, p := range byDay {
		t := &v.Totals
		t.WallViews += p.WallViews
		t.Registrations += p.Registrations
		t.Verified += p.Verified
		t.Unlocks += p.Unlocks
		t.Checkouts += p.Checkouts
		t.Subscriptions += p.Subscriptions
		labels = append(labels, p.Start.Format("Jan 2"))
		reg.Values = append(reg.Values, float64(p.Registrations))
		ver.Values = append(ver.Values, float64(p.Verified))
		unl.Values = append(unl.Values, float64(p.Unlocks))
		chk.Values = append(chk.Values, float64(p.Checkouts))
		sub.Values = append(sub.Values, float64(p.Subscriptions))
	}
	t := v.Totals
	v.Steps = funnelSteps(t)
	v.Funnel = hbarChart("chart-funnel", fmt.Sprintf("Funnel, last %d days", days),
		fmt.Sprintf("Wall views %d, registrations %d, verified %d, unlocks %d, checkouts started %d, subscriptions %d.",
			t.WallViews, t.Registrations, t.Verified, t.Unlocks, t.Checkouts, t.Subscriptions),
		[]string{"Wall views", "Registrations", "Verified", "Unlocks", "Checkouts started", "Subscriptions"},
		[]float64{float64(t.WallViews), float64(t.Registrations), float64(t.Verified), float64(t.Unlocks), float64(t.Checkouts), float64(t.Subscriptions)})
	v.Daily = lineChart("chart-daily", "The funnel per day",
		"Registrations, verified addresses, unlocks, checkouts started and subscriptions per day; the table below has the numbers.",
		labels, []series{reg, ver, unl, chk, sub})

	// The conversion tables and the most read come from one pass.
	arts, err := st.InsightArticles(ctx, rng, conversionRows, 10)
	if err != nil {
		return fmt.Errorf("admin: dashboard: %w", err)
	}
	v.Unattributed = arts.Unattributed
	v.Conv = []conversionTable{{By: "article", Title: "By article", Rows: arts.ByArticle},
		{By: "column", Title: "By column", Rows: arts.ByColumn}, {By: "topic", Title: "By topic", Rows: arts.ByTopic}}

	subsDaily, err := st.InsightSubscribers(ctx, rng, "day")
	if err != nil {
		return fmt.Errorf("admin: dashboard: %w", err)
	}
	active := series{Name: "Active subscriptions", Class: "s1"}
	var subLabels []string
	for _, p := range subsDaily {
		subLabels = append(subLabels, p.At.Format("Jan 2"))
		active.Values = append(active.Values, float64(p.Active))
	}
	v.Subs = lineChart("chart-subscribers", "Subscribers over time",
		"Active subscriptions at the end of each day; the table below has the monthly figures.", subLabels, []series{active})

	months, err := st.InsightSubscribers(ctx, h.revenueRange(), "month")
	if err != nil {
		return fmt.Errorf("admin: dashboard: %w", err)
	}
	var mLabels []string
	var churn []float64
	// One series of MRR per currency: amounts in two currencies are
	// never added up (the plans may sell in several).
	var currencies []string
	for _, p := range months {
		for _, m := range p.MRR {
			if !slices.Contains(currencies, m.Currency) {
				currencies = append(currencies, m.Currency)
			}
		}
	}
	mrr := make([][]float64, len(currencies))
	for _, p := range months {
		mLabels = append(mLabels, p.At.Format("Jan 06"))
		for i, c := range currencies {
			mrr[i] = append(mrr[i], float64(amountIn(p.MRR, c))/100)
		}
		churn = append(churn, roundTo(p.Churn()*100, 1))
		v.Months = append(v.Months, monthRow{Month: p.At.Format("January 2006"), Active: p.Active, Started: p.Started,
			Ended: p.Ended, MRR: h.formatMoneys(p.MRR), Churn: fmt.Sprintf("%.1f %%", p.Churn()*100)})
	}
	switch len(currencies) {
	case 0:
		v.MRR = barChart("chart-mrr", "Monthly recurring revenue",
			"Monthly recurring revenue at the end of each month; the table below has the numbers.", mLabels, make([]float64, len(mLabels)), "")
	case 1:
		v.MRR = barChart("chart-mrr", "Monthly recurring revenue, "+strings.ToUpper(currencies[0]),
			"Monthly recurring revenue at the end of each month, in "+strings.ToUpper(currencies[0])+"; the table below has the numbers.", mLabels, mrr[0], "")
	default:
		var ss []series
		for i, c := range currencies {
			ss = append(ss, series{Name: strings.ToUpper(c), Class: fmt.Sprintf("s%d", i%5+1), Values: mrr[i]})
		}
		v.MRR = lineChart("chart-mrr", "Monthly recurring revenue, per currency",
			"Monthly recurring revenue at the end of each month, one line per currency; the table below has the numbers.", mLabels, ss)
	}
	v.Churn = barChart("chart-churn", "Churn",
		"Subscriptions ended in each month as a share of those active at its start, in per cent.", mLabels, churn, " %")

	if v.Issues, err = st.InsightNewsletters(ctx, rng); err != nil {
		return fmt.Errorf("admin: dashboard: %w", err)
	}
	var nLabels []string
	sent := series{Name: "Sent", Class: "s1"}
	bounced := series{Name: "Bounced", Class: "s4"}
	unsub := series{Name: "Unsubscribed", Class: "s5"}
	for _, p := range v.Issues {
		nLabels = append(nLabels, p.SentAt.Format("Jan 2"))
		sent.Values = append(sent.Values, float64(p.Sent))
		bounced.Values = append(bounced.Values, float64(p.Bounced))
		unsub.Values = append(unsub.Values, float64(p.Unsubscribed))
	}
	v.Letters = lineChart("chart-newsletters", "Newsletter delivery",
		"Emails sent, bounced and unsubscribed per issue; the table below has the numbers.", nLabels, []series{sent, bounced, unsub})

	v.Top = arts.MostRead
	var tLabels []string
	var tVals []float64
	for _, a := range v.Top {
		tLabels = append(tLabels, a.Title)
		tVals = append(tVals, float64(a.Views))
	}
	v.Reads = hbarChart("chart-reads", "Most read articles", "Article views over the range, most read first.", tLabels, tVals)
	if err := h.searchSection(ctx, rng, v); err != nil {
		return err
	}
	if err := h.crawlerSection(ctx, rng, v); err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "dashboard", v)
}

func roundTo(v float64, places int) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', places, 64), 64)
	return f
}

// insightCSV serves /admin/insights/{name}.csv: the numbers of one chart
// or table, over the same ?days= range as the page.
func (h *Handler) insightCSV(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	ctx := r.Context()
	st := h.deps.Insights
	name, ok := strings.CutSuffix(r.PathValue("file"), ".csv")
	if !ok {
		return h.notFound(w, r)
	}
	_, rng := h.insightRange(r)
	var recs [][]string
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	switch name {
	case "funnel-daily", "funnel-weekly":
		pts, err := st.InsightFunnel(ctx, rng, name == "funnel-weekly")
		if err != nil {
			return err
		}
		recs = append(recs, []string{"start", "wall_views", "registrations", "verified", "unlocks", "checkouts_started", "subscriptions"})
		for _, p := range pts {
			recs = append(recs, []string{day(p.Start), i(p.WallViews), i(p.Registrations), i(p.Verified), i(p.Unlocks), i(p.Checkouts), i(p.Subscriptions)})
		}
	case "conversions-article", "conversions-column", "conversions-topic":
		rows, un, err := st.InsightConversions(ctx, rng, strings.TrimPrefix(name, "conversions-"), 10_000)
		if err != nil {
			return err
		}
		recs = append(recs, []string{"slug", "name", "views", "wall_views", "registrations", "subscriptions"})
		for _, c := range rows {
			recs = append(recs, []string{c.Key, c.Name, i(c.Views), i(c.WallViews), i(c.Registrations), i(c.Subscriptions)})
		}
		recs = append(recs, []string{"", "(unattributed)", "", "", "", i(un)})
	case "subscribers":
		pts, err := st.InsightSubscribers(ctx, rng, "day")
		if err != nil {
			return err
		}
		curs := csvCurrencies(pts)
		recs = append(recs, append([]string{"day", "active", "started", "ended"}, mrrHeads(curs)...))
		for _, p := range pts {
			recs = append(recs, append([]string{day(p.At), i(p.Active), i(p.Started), i(p.Ended)}, mrrCells(p.MRR, curs)...))
		}
	case "revenue":
		pts, err := st.InsightSubscribers(ctx, h.revenueRange(), "month")
		if err != nil {
			return err
		}
		curs := csvCurrencies(pts)
		recs = append(recs, append([]string{"month", "active_at_start", "active_at_end", "started", "ended", "churn"}, mrrHeads(curs)...))
		for _, p := range pts {
			recs = append(recs, append([]string{p.At.Format("2006-01"), i(p.ActiveStart), i(p.Active), i(p.Started), i(p.Ended),
				strconv.FormatFloat(p.Churn(), 'f', 4, 64)}, mrrCells(p.MRR, curs)...))
		}
	case "newsletters":
		pts, err := st.InsightNewsletters(ctx, rng)
		if err != nil {
			return err
		}
		recs = append(recs, []string{"issue", "newsletter", "subject", "sent_at", "sent", "bounced", "unsubscribed"})
		for _, p := range pts {
			recs = append(recs, []string{i(p.IssueID), p.Newsletter, p.Subject, p.SentAt.Format(time.RFC3339), i(p.Sent), i(p.Bounced), i(p.Unsubscribed)})
		}
	case "most-read":
		pts, err := st.InsightTopArticles(ctx, rng, 100)
		if err != nil {
			return err
		}
		recs = append(recs, []string{"slug", "title", "views"})
		for _, a := range pts {
			recs = append(recs, []string{a.Slug, a.Title, i(a.Views)})
		}
	case "searches", "search-clicks":
		var err error
		if recs, err = h.searchCSV(ctx, name, rng); err != nil {
			return err
		}
	default:
		return h.notFound(w, r)
	}
	for _, rec := range recs {
		for j, f := range rec {
			rec[j] = csvSafe(f)
		}
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	if err := cw.WriteAll(recs); err != nil {
		return fmt.Errorf("admin: insights csv: %w", err)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// csvSafe keeps a title that starts like a formula from running as one
// when the file is opened in a spreadsheet.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return "'" + s
		}
	}
	return s
}

// amountIn is the amount of currency c in ms, 0 when there is none.
func amountIn(ms []masthead.Money, c string) int64 {
	for _, m := range ms {
		if m.Currency == c {
			return m.Amount
		}
	}
	return 0
}

// formatMoneys writes one amount per currency: "$17.00 · CHF 2,500.00"
// in en-US.
func (h *Handler) formatMoneys(ms []masthead.Money) string {
	if len(ms) == 0 {
		return "0"
	}
	var parts []string
	for _, m := range ms {
		parts = append(parts, h.money.Format(m.Amount, m.Currency))
	}
	return strings.Join(parts, " · ")
}

// csvCurrencies lists the currencies of the points' MRR, in order of
// first appearance, for the CSV's MRR columns.
func csvCurrencies(pts []masthead.SubscriberPoint) []string {
	var cs []string
	for _, p := range pts {
		for _, m := range p.MRR {
			if !slices.Contains(cs, m.Currency) {
				cs = append(cs, m.Currency)
			}
		}
	}
	return cs
}

// mrrHeads names the CSV's MRR columns: "mrr" when the site sells in one
// currency (or none yet), "mrr_usd", "mrr_chf", … when in several.
func mrrHeads(cs []string) []string {
	if len(cs) <= 1 {
		return []string{"mrr"}
	}
	var out []string
	for _, c := range cs {
		out = append(out, "mrr_"+c)
	}
	return out
}

// mrrCells are a point's MRR cells under mrrHeads, in major units
// without separators (a spreadsheet reads them as numbers).
func mrrCells(ms []masthead.Money, cs []string) []string {
	if len(cs) == 0 {
		return []string{formatAmount(0)}
	}
	var out []string
	for _, c := range cs {
		out = append(out, formatAmount(amountIn(ms, c)))
	}
	return out
}
