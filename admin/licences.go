package admin

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"masthead"
)

// Licences for AI crawlers on the API keys page (docs/licensing.md): a
// licence is a content key with the licence scope and its terms; its
// requests are logged for billing and exported here as CSV, one row a
// request or one a licensee and day.

// LicenceLog reads the billing log. *store.DB implements it.
type LicenceLog interface {
	LicenceRequests(ctx context.Context, keyID int64, from, to time.Time, fn func(masthead.LicenceRequest) error) error
	LicenceUsage(ctx context.Context, from, to time.Time) ([]masthead.LicenceUsageDay, error)
}

// licenceForm is the licence part of the key form, as typed.
type licenceForm struct {
	Contact, Terms, PerMinute, PerHour, Expires, Family string
}

// licenceInput reads the licence fields of the key form into in, with
// the messages of those that do not parse.
func (h *Handler) licenceInput(f licenceForm, in *masthead.APIKeyInput, bad masthead.Invalid) {
	in.Scopes = []string{masthead.ScopeLicence}
	l := &in.Licence
	l.Contact, l.Family = f.Contact, f.Family
	terms, err := masthead.ParseLicenceTerms(f.Terms)
	if err != nil {
		bad.Add("terms", masthead.ErrorMessage(err))
	}
	l.Terms = terms
	for _, n := range []struct {
		text string
		to   *int
	}{{f.PerMinute, &l.PerMinute}, {f.PerHour, &l.PerHour}} {
		if strings.TrimSpace(n.text) == "" {
			continue
		}
		v, err := strconv.Atoi(strings.TrimSpace(n.text))
		if err != nil || v < 0 {
			bad.Add("rate", "A rate is a whole number of requests from 0 (no limit) to 1,000,000.")
			continue
		}
		*n.to = v
	}
	if e := strings.TrimSpace(f.Expires); e != "" {
		// The licence runs to the end of the day it names, in the
		// publication's time zone.
		d, err := time.ParseInLocation("2006-01-02", e, h.deps.Location)
		switch {
		case err != nil:
			bad.Add("expires", "Write the last day of the licence as YYYY-MM-DD.")
		case !d.AddDate(0, 0, 1).After(h.now()):
			bad.Add("expires", "The licence would have ended already.")
		default:
			l.ExpiresAt = d.AddDate(0, 0, 1)
		}
	}
}

// licenceRights describes a licence key in the list.
func (h *Handler) licenceRights(k *masthead.APIKey) string {
	l := k.Licence
	var b strings.Builder
	b.WriteString("Licence: ")
	if len(l.Terms) == 0 {
		b.WriteString("every article")
	} else {
		b.WriteString(l.Terms.String())
	}
	if l.PerMinute > 0 {
		fmt.Fprintf(&b, "; %d a minute", l.PerMinute)
	}
	if l.PerHour > 0 {
		fmt.Fprintf(&b, "; %d an hour", l.PerHour)
	}
	if l.Family != "" {
		b.WriteString("; for " + crawlerName(l.Family) + " only")
	}
	if !l.ExpiresAt.IsZero() {
		// The form takes the licence's last day, in the publication's
		// time zone, and the licence ends at the midnight after it: the
		// list names that day, not the midnight.
		last := h.formatDate(l.ExpiresAt.Add(-time.Nanosecond))
		if l.ExpiredAt(h.now()) {
			b.WriteString("; ended with " + last)
		} else {
			b.WriteString("; last day " + last)
		}
	}
	if l.Contact != "" {
		b.WriteString("; contact " + l.Contact)
	}
	return b.String()
}

// licenceUsageCSV serves /admin/api-keys/usage.csv: the billing log
// over ?from= and ?to= (days, YYYY-MM-DD, UTC, both included; the last
// 30 days by default), one row a request, or with ?per=day one a
// licensee and day; ?key= narrows it to one licence.
func (h *Handler) licenceUsageCSV(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if h.deps.Licences == nil {
		return h.notFound(w, r)
	}
	q := r.URL.Query()
	today := h.now().UTC().Truncate(24 * time.Hour)
	from, to := today.AddDate(0, 0, -29), today
	bad := masthead.Invalid{}
	for _, d := range []struct {
		name string
		to   *time.Time
	}{{"from", &from}, {"to", &to}} {
		if s := q.Get(d.name); s != "" {
			t, err := time.Parse("2006-01-02", s)
			if err != nil {
				bad.Add(d.name, "Write the day as YYYY-MM-DD.")
				continue
			}
			*d.to = t
		}
	}
	var keyID int64
	if s := q.Get("key"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			bad.Add("key", "The key is the number of a licence.")
		}
		keyID = n
	}
	if err := bad.Err(); err != nil {
		return err
	}
	end := to.AddDate(0, 0, 1)
	name := fmt.Sprintf("licensed-requests-%s-%s.csv", from.Format("2006-01-02"), to.Format("2006-01-02"))
	if q.Get("per") == "day" {
		name = fmt.Sprintf("licence-usage-%s-%s.csv", from.Format("2006-01-02"), to.Format("2006-01-02"))
	}
	// What can fail before a byte is written is read before a header
	// is set, so that an error is a page, not a download.
	exp, err := ReadLicenceExport(r.Context(), h.deps.Licences, q.Get("per") == "day", keyID, from, end)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "private, no-store")
	if err := exp.Write(r.Context(), w); err != nil {
		// The header is out: the truncated file says so at its end.
		h.deps.Logger.Error("admin: licensed requests export", "err", err)
		fmt.Fprintln(w, "# export stopped: internal error")
	}
	return nil
}

// LicenceExport is one export of the billing log as CSV, the one
// /admin/api-keys/usage.csv and `masthead licensees usage` write: one
// row a request, or one a licensee and day.
type LicenceExport struct {
	log       LicenceLog
	keyID     int64
	from, end time.Time
	perDay    bool
	days      []masthead.LicenceUsageDay
}

// ReadLicenceExport begins the export of the billing log over [from,
// end); keyID, when not 0, keeps one licence. Per day, the sums are
// read here, before anything is written, so their error can still be
// answered whole; the rows per request are streamed by Write.
func ReadLicenceExport(ctx context.Context, log LicenceLog, perDay bool, keyID int64, from, end time.Time) (*LicenceExport, error) {
	e := &LicenceExport{log: log, keyID: keyID, from: from, end: end, perDay: perDay}
	if perDay {
		var err error
		if e.days, err = log.LicenceUsage(ctx, from, end); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// Write writes the export to w. An error may come after some of it is
// written; the file is then cut short, and the caller says so.
func (e *LicenceExport) Write(ctx context.Context, w io.Writer) error {
	cw := csv.NewWriter(w)
	var err error
	if e.perDay {
		err = writeLicenceUsage(cw, e.days, e.keyID)
	} else if err = cw.Write(licenceRequestHeader); err == nil {
		err = e.log.LicenceRequests(ctx, e.keyID, e.from, e.end, func(q masthead.LicenceRequest) error {
			return cw.Write(licenceRequestRecord(q))
		})
	}
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}

// licenceRequestHeader heads the export of the billing log, one row a
// request.
var licenceRequestHeader = []string{"time", "licence_id", "licensee", "article_id", "article", "decision", "bytes"}

// licenceRequestRecord is one request of the billing log as a CSV row.
func licenceRequestRecord(q masthead.LicenceRequest) []string {
	// The licensee is a name staff typed: a spreadsheet must not read it
	// as a formula (csvSafe).
	return []string{q.At.UTC().Format(time.RFC3339Nano), strconv.FormatInt(q.KeyID, 10), csvSafe(q.Licensee),
		strconv.FormatInt(q.ArticleID, 10), q.Slug, q.Decision, strconv.FormatInt(q.Bytes, 10)}
}

// writeLicenceUsage writes the billing log summed per licensee and day;
// keyID, when not 0, keeps one licence.
func writeLicenceUsage(cw *csv.Writer, days []masthead.LicenceUsageDay, keyID int64) error {
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	if err := cw.Write([]string{"day", "licence_id", "licensee", "full", "teaser", "rate_limited", "bytes"}); err != nil {
		return err
	}
	for _, d := range days {
		if keyID != 0 && d.KeyID != keyID {
			continue
		}
		if err := cw.Write([]string{d.Day.Format("2006-01-02"), i(d.KeyID), csvSafe(d.Licensee), i(d.Full), i(d.Teaser), i(d.Limited), i(d.Bytes)}); err != nil {
			return err
		}
	}
	return nil
}
