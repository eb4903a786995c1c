package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"masthead"
	"masthead/newsletter"
)

// The newsletter desk: the newsletters and their recent issues, each
// newsletter's settings, an issue's editor with its preview, test send,
// schedule and progress, and the per-recipient send log. Editors and
// admins use it; authors get 403.

// editorsOnly narrows a staff handler to those who may edit and send
// newsletters, and turns the desk off when no newsletter service is
// wired.
func (h *Handler) editorsOnly(fn staffHandler) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
		if h.deps.Newsletters == nil {
			return h.notFound(w, r)
		}
		if !me.Role.CanPublish() {
			return masthead.Errorf(masthead.EFORBIDDEN, "Only editors and administrators work on newsletters.")
		}
		return fn(w, r, me)
	}
}

// newsletterFlash are the desk's confirmations after a redirect, a fixed
// set like flashText.
func newsletterFlash(code string) string {
	switch code {
	case "newsletter-saved":
		return "Newsletter settings saved."
	case "issue-saved":
		return "Issue saved."
	case "articles-saved":
		return "Article list saved."
	case "scheduled":
		return "Issue scheduled."
	case "sending":
		return "Sending has started; progress shows below."
	case "paused":
		return "Sending paused."
	case "resumed":
		return "Sending resumed."
	case "cancelled":
		return "Issue cancelled; nothing more goes out."
	case "held":
		return "Issue held as a draft; it will not go out until scheduled."
	case "test-sent":
		return "Test sent to your address."
	case "composed":
		return "Issue composed from what its window holds so far; review it below. It goes out at its send time."
	case "already-composed":
		return "This issue was composed already; nothing new was made."
	case "lifted":
		return "Suppression lifted; the address receives newsletters again."
	}
	return ""
}

// deskPage is page with the desk's flash messages too.
func (h *Handler) deskPage(r *http.Request, me *masthead.Member, title string) page {
	p := h.page(r, me, title)
	if p.Flash == "" {
		p.Flash = newsletterFlash(r.URL.Query().Get("msg"))
	}
	p.Section = "newsletters"
	return p
}

// Views.

type newslettersView struct {
	page
	Newsletters []newsletterRow
	// CanCompose offers "Compose now" on the enabled newsletters.
	CanCompose bool
}

type newsletterRow struct {
	Slug, Name, Audience, Schedule string
	Enabled                        bool
	Issues                         []issueRow
}

type issueRow struct {
	ID                                   int64
	Subject, Status, When                string
	Total, Queued, Sent, Failed, Bounced int
	Suppressed, Unsubscribed             int
}

type newsletterForm struct {
	Name, Description, Audience, Schedule string
	FromName, FromAddress, ReplyTo        string
	Template, DraftLead, Cutoff           string
	Enabled                               bool
}

type newsletterView struct {
	page
	Slug      string
	Form      newsletterForm
	Audiences []option
	Errors    map[string]string
	Message   string
	SiteFrom  string
}

type issueArticleRow struct {
	Slug, Title, Kind, Access, Published string
	First, Last                          bool
}

type issueView struct {
	page
	ID             int64
	Newsletter     string
	NewsletterSlug string
	Status         string
	StatusNote     string
	Editable       bool
	SendAt         string
	Window         string
	Form           struct{ Subject, EditorsNote, Radar string }
	Errors         map[string]string
	Message        string
	Articles       []issueArticleRow
	AddSlug        string
	Query          string
	Results        []issueArticleRow
	Searched       bool
	// Actions the status allows.
	CanSchedule, CanSendNow, CanHold, CanPause, CanResume, CanCancel bool
	Empty                                                            bool
	ScheduleAt                                                       string
	TimeZone                                                         string
	Counts                                                           masthead.DeliveryCounts
	Percent                                                          int
	Sending                                                          bool
	HasDeliveries                                                    bool
	CanTest                                                          bool
	MyEmail                                                          string
}

type previewView struct {
	page
	ID         int64
	Subject    string
	Email      string
	Segment    string
	Segments   []option
	Recipient  string
	Headers    []header
	Text       string
	HTMLURL    string
	Error      string
	Newsletter string
}

type header struct{ Name, Value string }

type deliveriesView struct {
	page
	ID       int64
	Subject  string
	Statuses []option
	Email    string
	Rows     []deliveryRow
	NextURL  string
	FirstURL string
	Counts   masthead.DeliveryCounts
}

type deliveryRow struct {
	Email, Segment, Status, Error, SentAt, MessageID string
	Attempts                                         int
	Unsubscribed                                     string
}

// Handlers.

func (h *Handler) newsletterList(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	ctx := r.Context()
	ns, err := h.deps.Newsletters.Newsletters(ctx)
	if err != nil {
		return fmt.Errorf("admin: newsletters: %w", err)
	}
	v := &newslettersView{page: h.deskPage(r, me, "Newsletters"), CanCompose: h.deps.Composer != nil}
	for _, n := range ns {
		row := newsletterRow{Slug: n.Slug, Name: n.Name, Audience: audienceLabel(n.Audience), Schedule: n.Schedule.String(), Enabled: n.Enabled}
		id := n.ID
		issues, err := h.deps.Newsletters.Issues(ctx, masthead.IssueFilter{NewsletterID: &id, Limit: 8})
		if err != nil {
			return fmt.Errorf("admin: issues of %s: %w", n.Slug, err)
		}
		for _, is := range issues {
			row.Issues = append(row.Issues, h.issueRow(is))
		}
		v.Newsletters = append(v.Newsletters, row)
	}
	return h.render(w, http.StatusOK, "newsletters", v)
}

func (h *Handler) issueRow(is *masthead.Issue) issueRow {
	c := is.Counts
	when := is.SendAt
	if !is.FinishedAt.IsZero() {
		when = is.FinishedAt
	}
	return issueRow{ID: is.ID, Subject: is.Subject, Status: string(is.Status), When: h.formatTime(when),
		Total: c.Total, Queued: c.Queued, Sent: c.Sent, Failed: c.Failed, Bounced: c.Bounced,
		Suppressed: c.Suppressed, Unsubscribed: c.Unsubscribed}
}

func audienceLabel(a masthead.Audience) string {
	if a == masthead.AudienceSubscribers {
		return "Subscribers"
	}
	return "Registered readers and subscribers"
}

func (h *Handler) newsletterEdit(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	n, err := h.deps.Newsletters.Newsletter(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	v := h.newsletterView(r, me, n)
	v.Form = newsletterForm{
		Name: n.Name, Description: n.Description, Audience: string(n.Audience), Schedule: n.Schedule.String(),
		FromName: n.FromName, FromAddress: n.FromAddress, ReplyTo: n.ReplyTo, Template: n.Template,
		DraftLead: formatDuration(n.DraftLead), Cutoff: formatDuration(n.Cutoff), Enabled: n.Enabled,
	}
	v.Audiences = audienceOptions(v.Form.Audience)
	return h.render(w, http.StatusOK, "newsletter", v)
}

func (h *Handler) newsletterView(r *http.Request, me *masthead.Member, n *masthead.Newsletter) *newsletterView {
	return &newsletterView{page: h.deskPage(r, me, n.Name+" settings"), Slug: n.Slug, SiteFrom: h.newsletterSite(r.Context()).From}
}

func audienceOptions(sel string) []option {
	return []option{
		{Value: string(masthead.AudienceSubscribers), Label: "Subscribers", Selected: sel == string(masthead.AudienceSubscribers)},
		{Value: string(masthead.AudienceRegistered), Label: "Registered readers and subscribers", Selected: sel == string(masthead.AudienceRegistered)},
	}
}

// newsletterUpdate saves the settings form. Every problem is shown
// beside its field, and the form comes back with what was typed: a
// template that does not parse names its line.
func (h *Handler) newsletterUpdate(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	ctx := r.Context()
	n, err := h.deps.Newsletters.Newsletter(ctx, r.PathValue("slug"))
	if err != nil {
		return err
	}
	if err := parseForm(w, r, 512<<10); err != nil {
		return err
	}
	f := newsletterForm{
		Name: r.PostFormValue("name"), Description: r.PostFormValue("description"),
		Audience: r.PostFormValue("audience"), Schedule: r.PostFormValue("schedule"),
		FromName: strings.TrimSpace(r.PostFormValue("from_name")), FromAddress: strings.TrimSpace(r.PostFormValue("from_address")),
		ReplyTo: strings.TrimSpace(r.PostFormValue("reply_to")), Template: strings.ReplaceAll(r.PostFormValue("template"), "\r\n", "\n"),
		DraftLead: r.PostFormValue("draft_lead"), Cutoff: r.PostFormValue("cutoff"), Enabled: r.PostFormValue("enabled") != "",
	}
	errs := map[string]string{}
	upd := *n
	upd.Name, upd.Description, upd.Audience = strings.TrimSpace(f.Name), strings.TrimSpace(f.Description), masthead.Audience(f.Audience)
	upd.FromName, upd.FromAddress, upd.ReplyTo, upd.Template, upd.Enabled = f.FromName, f.FromAddress, f.ReplyTo, f.Template, f.Enabled
	if s, err := masthead.ParseSchedule(f.Schedule); err != nil {
		errs["schedule"] = masthead.ErrorMessage(err)
	} else {
		upd.Schedule = s
	}
	if d, err := time.ParseDuration(strings.TrimSpace(f.DraftLead)); err != nil {
		errs["draft_lead"] = "Write a duration such as 2h or 90m."
	} else {
		upd.DraftLead = d
	}
	if d, err := time.ParseDuration(strings.TrimSpace(f.Cutoff)); err != nil {
		errs["cutoff"] = "Write a duration such as 3h or 45m."
	} else {
		upd.Cutoff = d
	}
	if err := newsletter.ValidateTemplate(f.Template); err != nil {
		if masthead.ErrorCode(err) != masthead.EINVALID {
			return fmt.Errorf("admin: validate template: %w", err)
		}
		errs["template"] = masthead.ErrorMessage(err)
	}
	if err := upd.Validate(); err != nil {
		for k, m := range masthead.ErrorFields(err) {
			if _, ok := errs[k]; !ok {
				errs[k] = m
			}
		}
	}
	if len(errs) == 0 {
		_, err := h.deps.Newsletters.UpdateNewsletter(ctx, &upd)
		if err == nil {
			http.Redirect(w, r, "/admin/newsletters/"+url.PathEscape(n.Slug)+"?msg=newsletter-saved", http.StatusSeeOther)
			return nil
		}
		if masthead.ErrorCode(err) != masthead.EINVALID {
			return err
		}
		for k, m := range masthead.ErrorFields(err) {
			errs[k] = m
		}
		if len(errs) == 0 {
			errs[""] = masthead.ErrorMessage(err)
		}
	}
	v := h.newsletterView(r, me, n)
	v.Form, v.Errors, v.Audiences = f, errs, audienceOptions(f.Audience)
	v.Message = cmpOr(errs[""], "The settings were not saved: see the messages below.")
	return h.render(w, http.StatusUnprocessableEntity, "newsletter", v)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// formatDuration writes a duration the way people type it: "2h", "90m",
// "1h30m".
func formatDuration(d time.Duration) string {
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	if s == "" {
		return "0s"
	}
	return s
}

// issue loads the issue named by the path and its newsletter.
func (h *Handler) issue(r *http.Request) (*masthead.Issue, *masthead.Newsletter, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, nil, masthead.Errorf(masthead.ENOTFOUND, "There is no such issue.")
	}
	is, err := h.deps.Newsletters.Issue(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	n, err := h.deps.Newsletters.NewsletterByID(r.Context(), is.NewsletterID)
	if err != nil {
		return nil, nil, err
	}
	return is, n, nil
}

func issuePath(id int64) string { return "/admin/issues/" + strconv.FormatInt(id, 10) }

func (h *Handler) issueEdit(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	is, n, err := h.issue(r)
	if err != nil {
		return err
	}
	v, err := h.issueView(r, me, is, n)
	if err != nil {
		return err
	}
	v.Form.Subject, v.Form.EditorsNote, v.Form.Radar = is.Subject, is.EditorsNote, is.Radar
	return h.renderIssue(w, http.StatusOK, v)
}

func (h *Handler) renderIssue(w http.ResponseWriter, status int, v *issueView) error {
	if v.Sending {
		// Progress refreshes itself without JavaScript.
		w.Header().Set("Refresh", "5")
	}
	return h.render(w, status, "issue", v)
}

// issueView fills everything but the content form.
func (h *Handler) issueView(r *http.Request, me *masthead.Member, is *masthead.Issue, n *masthead.Newsletter) (*issueView, error) {
	v := &issueView{page: h.deskPage(r, me, is.Subject), ID: is.ID, Newsletter: n.Name, NewsletterSlug: n.Slug,
		Status: string(is.Status), StatusNote: is.StatusNote, Editable: is.Status.Editable(),
		TimeZone: h.deps.Location.String(), Counts: is.Counts, MyEmail: me.Email,
		CanTest: h.deps.Mailer != nil}
	v.SendAt = h.formatTime(is.SendAt)
	if !is.WindowStart.IsZero() {
		v.Window = h.formatTime(is.WindowStart) + " – " + h.formatTime(is.WindowEnd)
	}
	for i, a := range is.Articles {
		v.Articles = append(v.Articles, h.articleRow(a, i == 0, i == len(is.Articles)-1))
	}
	v.Empty = len(is.Articles) == 0
	st := is.Status
	// A scheduled issue is rescheduled (or sent now) by moving its time.
	v.CanSchedule = masthead.CanTransition(st, masthead.IssueScheduled) || st == masthead.IssueScheduled
	v.CanSendNow = v.CanSchedule
	v.CanHold = st == masthead.IssueScheduled
	v.CanPause = st == masthead.IssueSending
	v.CanResume = st == masthead.IssuePaused
	v.CanCancel = masthead.CanTransition(st, masthead.IssueCancelled)
	if !is.SendAt.IsZero() {
		v.ScheduleAt = is.SendAt.In(h.deps.Location).Format(scheduleLayout)
	}
	if c := is.Counts; c.Total > 0 {
		v.HasDeliveries = true
		v.Percent = c.Done() * 100 / c.Total
	}
	v.Sending = st == masthead.IssueSending
	if q := strings.TrimSpace(r.URL.Query().Get("q")); q != "" && v.Editable {
		v.Query, v.Searched = q, true
		published := masthead.StatusPublished
		found, _, err := h.deps.Articles.Articles(r.Context(), masthead.ArticleFilter{TitleQuery: &q, Status: &published, Limit: 10})
		if err != nil {
			return nil, fmt.Errorf("admin: issue article search: %w", err)
		}
		for _, a := range found {
			if !slices.ContainsFunc(is.Articles, func(x masthead.IssueArticle) bool { return x.Slug == a.Slug }) {
				v.Results = append(v.Results, h.articleRow(issueArticle(a), false, false))
			}
		}
	}
	return v, nil
}

func (h *Handler) articleRow(a masthead.IssueArticle, first, last bool) issueArticleRow {
	return issueArticleRow{Slug: a.Slug, Title: a.Title, Kind: string(a.Kind), Access: string(a.Access),
		Published: h.formatTime(a.PublishedAt), First: first, Last: last}
}

// issueArticle snapshots an article for an issue.
func issueArticle(a *masthead.Article) masthead.IssueArticle {
	ia := masthead.IssueArticle{ArticleID: a.ID, Slug: a.Slug, Title: a.Title, Dek: a.Dek, Kind: a.Kind,
		Access: a.Access, PublishedAt: a.PublishedAt}
	for _, au := range a.Authors {
		ia.Authors = append(ia.Authors, au.Name)
	}
	return ia
}

// issueUpdate saves the subject, the editor's note and the radar.
func (h *Handler) issueUpdate(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	is, n, err := h.issue(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, 256<<10); err != nil {
		return err
	}
	subject := strings.TrimSpace(r.PostFormValue("subject"))
	note := strings.ReplaceAll(r.PostFormValue("editors_note"), "\r\n", "\n")
	radar := strings.ReplaceAll(r.PostFormValue("radar"), "\r\n", "\n")
	_, err = h.deps.Newsletters.UpdateIssue(r.Context(), is.ID, masthead.IssueUpdate{Subject: &subject, EditorsNote: &note, Radar: &radar}, h.now())
	if err == nil {
		http.Redirect(w, r, issuePath(is.ID)+"?msg=issue-saved", http.StatusSeeOther)
		return nil
	}
	code := masthead.ErrorCode(err)
	if code != masthead.EINVALID && code != masthead.ECONFLICT {
		return err
	}
	v, verr := h.issueView(r, me, is, n)
	if verr != nil {
		return verr
	}
	v.Form.Subject, v.Form.EditorsNote, v.Form.Radar = subject, note, radar
	v.Errors, v.Message = masthead.ErrorFields(err), masthead.ErrorMessage(err)
	status := http.StatusUnprocessableEntity
	if code == masthead.ECONFLICT {
		status = http.StatusConflict
	}
	return h.renderIssue(w, status, v)
}

// issueArticles changes the article list: op is add (by slug), up, down
// or remove. Each is a small form of its own, so the list can be
// reordered without JavaScript.
func (h *Handler) issueArticles(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	is, n, err := h.issue(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, 16<<10); err != nil {
		return err
	}
	slug := strings.TrimSpace(r.PostFormValue("slug"))
	// A pasted article URL works as well as its slug.
	if i := strings.LastIndex(slug, "/articles/"); i >= 0 {
		slug = strings.Trim(slug[i+len("/articles/"):], "/")
	}
	list := slices.Clone(is.Articles)
	i := slices.IndexFunc(list, func(a masthead.IssueArticle) bool { return a.Slug == slug })
	problem := ""
	switch r.PostFormValue("op") {
	case "add":
		switch {
		case slug == "":
			problem = "Enter the slug or address of a published article."
		case i >= 0:
			problem = "That article is in the issue already."
		default:
			a, err := h.deps.Articles.Article(r.Context(), slug)
			switch {
			case masthead.ErrorCode(err) == masthead.ENOTFOUND:
				problem = fmt.Sprintf("There is no article %q.", slug)
			case err != nil:
				return fmt.Errorf("admin: issue add article: %w", err)
			case a.Status != masthead.StatusPublished:
				problem = fmt.Sprintf("%q is not published; only published articles go in a newsletter.", a.Title)
			default:
				list = append(list, issueArticle(a))
			}
		}
	case "up":
		if i > 0 {
			list[i-1], list[i] = list[i], list[i-1]
		}
	case "down":
		if i >= 0 && i < len(list)-1 {
			list[i+1], list[i] = list[i], list[i+1]
		}
	case "remove":
		if i >= 0 {
			list = slices.Delete(list, i, i+1)
		}
	default:
		return masthead.Errorf(masthead.EINVALID, "Unknown change to the article list.")
	}
	if problem == "" {
		_, err = h.deps.Newsletters.UpdateIssue(r.Context(), is.ID, masthead.IssueUpdate{Articles: &list}, h.now())
		if err == nil {
			http.Redirect(w, r, issuePath(is.ID)+"?msg=articles-saved#articles", http.StatusSeeOther)
			return nil
		}
		code := masthead.ErrorCode(err)
		if code != masthead.EINVALID && code != masthead.ECONFLICT {
			return err
		}
		problem = masthead.ErrorMessage(err)
	}
	v, verr := h.issueView(r, me, is, n)
	if verr != nil {
		return verr
	}
	v.Form.Subject, v.Form.EditorsNote, v.Form.Radar = is.Subject, is.EditorsNote, is.Radar
	v.AddSlug = slug
	v.Errors = map[string]string{"articles": problem}
	return h.renderIssue(w, http.StatusUnprocessableEntity, v)
}

// issueStatus schedules, sends now, holds, pauses, resumes or cancels.
// An issue without articles goes out only with the confirmation box
// ticked.
func (h *Handler) issueStatus(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	is, n, err := h.issue(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, 16<<10); err != nil {
		return err
	}
	now := h.now()
	change := masthead.IssueStatusChange{Now: now, Force: r.PostFormValue("confirm_empty") != ""}
	var flash string
	errs := map[string]string{}
	switch r.PostFormValue("action") {
	case "schedule":
		at, msg := h.parseSchedule(r.PostFormValue("send_at"))
		switch {
		case msg != "":
			errs["send_at"] = strings.Replace(msg, "to publish", "to send", 1)
		case !at.After(now):
			errs["send_at"] = "Choose a time in the future, or send now."
		}
		change.To, change.SendAt, flash = masthead.IssueScheduled, at, "scheduled"
	case "send":
		change.To, flash = masthead.IssueScheduled, "sending"
	case "hold":
		change.To, flash = masthead.IssueDraft, "held"
	case "pause":
		change.To, flash = masthead.IssuePaused, "paused"
	case "resume":
		change.To, flash = masthead.IssueSending, "resumed"
	case "cancel":
		change.To, flash = masthead.IssueCancelled, "cancelled"
	default:
		return masthead.Errorf(masthead.EINVALID, "Unknown action.")
	}
	if change.To == masthead.IssueScheduled && len(is.Articles) == 0 && !change.Force {
		errs["force"] = "Nothing was published in this issue's window. Tick the box to send it anyway."
	}
	if len(errs) == 0 {
		if is.Status == masthead.IssueScheduled && change.To == masthead.IssueScheduled {
			at := change.SendAt
			if at.IsZero() {
				at = now
			}
			_, err = h.deps.Newsletters.UpdateIssue(r.Context(), is.ID, masthead.IssueUpdate{SendAt: &at}, now)
		} else {
			_, err = h.deps.Newsletters.SetIssueStatus(r.Context(), is.ID, change)
		}
		if err == nil {
			http.Redirect(w, r, issuePath(is.ID)+"?msg="+flash, http.StatusSeeOther)
			return nil
		}
		code := masthead.ErrorCode(err)
		if code != masthead.EINVALID && code != masthead.ECONFLICT {
			return err
		}
		errs = masthead.ErrorFields(err)
		if errs == nil {
			errs = map[string]string{}
		}
		errs["status"] = masthead.ErrorMessage(err)
	}
	v, verr := h.issueView(r, me, is, n)
	if verr != nil {
		return verr
	}
	v.Form.Subject, v.Form.EditorsNote, v.Form.Radar = is.Subject, is.EditorsNote, is.Radar
	if s := r.PostFormValue("send_at"); s != "" {
		v.ScheduleAt = s
	}
	v.Errors = errs
	v.Message = cmpOr(errs["status"], "The issue's status did not change: see the messages below.")
	status := http.StatusUnprocessableEntity
	if masthead.ErrorCode(err) == masthead.ECONFLICT {
		status = http.StatusConflict
	}
	return h.renderIssue(w, status, v)
}

// previewFor renders the issue as the member with email would receive
// it, or as a sample reader of segment when email is empty.
func (h *Handler) previewFor(r *http.Request, is *masthead.Issue, n *masthead.Newsletter, email, segment string) (masthead.Email, newsletter.Recipient, error) {
	rc := newsletter.Recipient{Email: "reader@example.com", Name: "Sample Reader", Segment: masthead.Segment(segment)}
	if rc.Segment != masthead.SegmentSubscriber {
		rc.Segment = masthead.SegmentRegistered
	}
	if email != "" {
		addr, err := masthead.NormalizeEmail(email)
		if err != nil {
			return masthead.Email{}, rc, err
		}
		m, err := h.deps.Members.MemberByEmail(r.Context(), addr)
		if masthead.ErrorCode(err) == masthead.ENOTFOUND {
			return masthead.Email{}, rc, masthead.Errorf(masthead.EINVALID, "No member has the address %s.", addr)
		} else if err != nil {
			return masthead.Email{}, rc, err
		}
		rc, err = h.recipient(r, m)
		if err != nil {
			return masthead.Email{}, rc, err
		}
	}
	e, err := newsletter.Preview(n, is, rc, h.newsletterSite(r.Context()))
	if err != nil {
		return masthead.Email{}, rc, fmt.Errorf("admin: preview issue %d: %w", is.ID, err)
	}
	return e, rc, nil
}

// recipient is how m receives newsletters: as a subscriber when entitled
// now, as a registered reader otherwise.
func (h *Handler) recipient(r *http.Request, m *masthead.Member) (newsletter.Recipient, error) {
	rc := newsletter.Recipient{MemberID: m.ID, Email: m.Email, Name: m.Name, Segment: masthead.SegmentRegistered}
	if h.deps.Entitlements != nil {
		ok, err := h.deps.Entitlements.Entitled(r.Context(), m.ID, h.now())
		if err != nil {
			return rc, fmt.Errorf("admin: entitlement of member %d: %w", m.ID, err)
		}
		if ok {
			rc.Segment = masthead.SegmentSubscriber
		}
	}
	return rc, nil
}

func (h *Handler) issuePreview(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	is, n, err := h.issue(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := &previewView{page: h.deskPage(r, me, "Preview: "+is.Subject), ID: is.ID, Subject: is.Subject,
		Email: strings.TrimSpace(q.Get("email")), Segment: q.Get("segment"), Newsletter: n.Name}
	e, rc, err := h.previewFor(r, is, n, v.Email, v.Segment)
	if err != nil {
		if masthead.ErrorCode(err) != masthead.EINVALID {
			return err
		}
		v.Error = masthead.ErrorMessage(err)
	}
	v.Segment = string(rc.Segment)
	v.Segments = []option{
		{Value: string(masthead.SegmentSubscriber), Label: "a subscriber", Selected: rc.Segment == masthead.SegmentSubscriber},
		{Value: string(masthead.SegmentRegistered), Label: "a registered reader", Selected: rc.Segment != masthead.SegmentSubscriber},
	}
	status := http.StatusOK
	if v.Error != "" {
		status = http.StatusUnprocessableEntity
	} else {
		v.Recipient = rc.Email + " (" + string(rc.Segment) + ")"
		v.Subject = e.Subject
		v.Text = e.Text
		v.Headers = append(v.Headers, header{"To", rc.Email}, header{"Subject", e.Subject})
		names := make([]string, 0, len(e.Headers))
		for k := range e.Headers {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			v.Headers = append(v.Headers, header{k, e.Headers[k]})
		}
		pq := url.Values{}
		if v.Email != "" {
			pq.Set("email", v.Email)
		} else {
			pq.Set("segment", v.Segment)
		}
		v.HTMLURL = issuePath(is.ID) + "/preview.html?" + pq.Encode()
	}
	return h.render(w, status, "issue_preview", v)
}

// issuePreviewHTML serves the HTML part by itself, as a mail client
// would show it, sandboxed: no script runs and the page cannot act as
// the staff area.
func (h *Handler) issuePreviewHTML(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	is, n, err := h.issue(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	e, _, err := h.previewFor(r, is, n, strings.TrimSpace(q.Get("email")), q.Get("segment"))
	if err != nil {
		return err
	}
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'")
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(e.HTML))
	return nil
}

// issueTest sends the issue to the signed-in member's own address through
// the transactional mailer, as they would receive it; no delivery is
// recorded or changed.
func (h *Handler) issueTest(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	is, n, err := h.issue(r)
	if err != nil {
		return err
	}
	if h.deps.Mailer == nil {
		return masthead.Errorf(masthead.EUNAVAILABLE, "Email is not set up on this server, so no test can be sent.")
	}
	rc, err := h.recipient(r, me)
	if err != nil {
		return err
	}
	e, err := newsletter.Preview(n, is, rc, h.newsletterSite(r.Context()))
	if err != nil {
		return fmt.Errorf("admin: test issue %d: %w", is.ID, err)
	}
	e.To = me.Email
	e.Subject = "[Test] " + e.Subject
	e.Category = "newsletter-test"
	if err := h.deps.Mailer.Send(r.Context(), e); err != nil {
		var merr *masthead.Error
		if errors.As(err, &merr) {
			return masthead.Errorf(masthead.EUNAVAILABLE, "The test could not be sent: %s", merr.Message)
		}
		return fmt.Errorf("admin: send test of issue %d: %w", is.ID, err)
	}
	http.Redirect(w, r, issuePath(is.ID)+"?msg=test-sent", http.StatusSeeOther)
	return nil
}

// deliveryPage is the send log's page size.
const deliveryPage = 50

func (h *Handler) issueDeliveries(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	is, _, err := h.issue(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := masthead.DeliveryFilter{Email: strings.TrimSpace(q.Get("email")), Limit: deliveryPage + 1}
	status := q.Get("status")
	statuses := []masthead.DeliveryStatus{masthead.DeliveryQueued, masthead.DeliverySent, masthead.DeliveryFailed,
		masthead.DeliveryBounced, masthead.DeliverySuppressed}
	if slices.Contains(statuses, masthead.DeliveryStatus(status)) {
		st := masthead.DeliveryStatus(status)
		f.Status = &st
	}
	if after, err := strconv.ParseInt(q.Get("after"), 10, 64); err == nil && after > 0 {
		f.AfterMemberID = after
	}
	ds, err := h.deps.Newsletters.Deliveries(r.Context(), is.ID, f)
	if err != nil {
		return fmt.Errorf("admin: deliveries of issue %d: %w", is.ID, err)
	}
	v := &deliveriesView{page: h.deskPage(r, me, "Send log: "+is.Subject), ID: is.ID, Subject: is.Subject, Email: f.Email, Counts: is.Counts}
	v.Statuses = append(v.Statuses, option{Value: "", Label: "Any", Selected: f.Status == nil})
	for _, s := range statuses {
		v.Statuses = append(v.Statuses, option{Value: string(s), Label: string(s), Selected: status == string(s)})
	}
	more := len(ds) > deliveryPage
	if more {
		ds = ds[:deliveryPage]
	}
	for _, d := range ds {
		row := deliveryRow{Email: d.Email, Segment: string(d.Segment), Status: string(d.Status), Error: d.LastError,
			SentAt: h.formatTime(d.SentAt), MessageID: d.MessageID, Attempts: d.Attempts}
		if !d.UnsubscribedAt.IsZero() {
			row.Unsubscribed = h.formatTime(d.UnsubscribedAt)
		}
		v.Rows = append(v.Rows, row)
	}
	base := url.Values{}
	if f.Status != nil {
		base.Set("status", status)
	}
	if f.Email != "" {
		base.Set("email", f.Email)
	}
	path := issuePath(is.ID) + "/deliveries"
	if more {
		next := url.Values{}
		for k, vs := range base {
			next[k] = vs
		}
		next.Set("after", strconv.FormatInt(ds[len(ds)-1].MemberID, 10))
		v.NextURL = path + "?" + next.Encode()
	}
	if f.AfterMemberID > 0 {
		v.FirstURL = path + "?" + base.Encode()
	}
	return h.render(w, http.StatusOK, "deliveries", v)
}

// newsletterSite is what the desk renders newsletters with: the site of
// the engine, named as the site settings in force name it, as the
// engine's sends are.
func (h *Handler) newsletterSite(ctx context.Context) newsletter.Site {
	site := h.deps.NewsletterSite
	if h.deps.Settings == nil {
		return site
	}
	st, err := h.deps.Settings.Settings(ctx)
	if err != nil {
		// The name the server started with; a preview is no reason to fail.
		h.deps.Logger.Warn("newsletter desk: site settings", "err", err)
		return site
	}
	return site.WithSettings(st)
}
