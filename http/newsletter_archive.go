package http

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"masthead"
	"masthead/newsletter"
)

// The newsletter archive: /newsletters lists the newsletters,
// /newsletters/{slug} the issues sent (newest first, paginated) and
// /newsletters/{slug}/{issue} one sent issue, named by its id or by its
// date (2026-03-06) in the publication's time zone.
//
// An issue of a subscribers-only newsletter is shown in full only to
// readers who may read subscribers' articles (access.Decide on a
// subscribers-only article answers that); everyone else gets the teaser:
// the editor's note and the headlines, never the summaries or the radar.
// Lists are the same for every reader and use the page cache; an issue
// page is shared only while the reader is anonymous.

// NewsletterArchive is what the archive reads: the newsletters and their
// sent issues (masthead.NewsletterService has it all).
type NewsletterArchive interface {
	Newsletters(ctx context.Context) ([]*masthead.Newsletter, error)
	Newsletter(ctx context.Context, slug string) (*masthead.Newsletter, error)
	Issues(ctx context.Context, f masthead.IssueFilter) ([]*masthead.Issue, error)
	Issue(ctx context.Context, id int64) (*masthead.Issue, error)
}

// newsletterArchivePageNames are the archive's templates, under
// templates/newsletter_archive/.
var newsletterArchivePageNames = []string{"newsletters", "newsletter_issues", "newsletter_issue"}

// issuesPerPage is the archive's page size.
const issuesPerPage = 20

type newslettersPage struct {
	base
	Newsletters []newsletterSummary
}

type newsletterSummary struct {
	Slug, Name, Description, Audience, Schedule string
	SubscribersOnly                             bool
}

type newsletterIssuesPage struct {
	base
	Newsletter newsletterSummary
	Issues     []issueLink
	Page       int
	PrevURL    string
	NextURL    string
}

type issueLink struct {
	URL, Subject string
	Sent         time.Time
}

type newsletterIssuePage struct {
	base
	Newsletter  newsletterSummary
	Subject     string
	Sent        time.Time
	EditorsNote []string
	// Full is false for the teaser: then Radar is empty and the articles
	// carry no dek.
	Full     bool
	Radar    []string
	Articles []issueArticleView
	// SignedIn changes the teaser's offer from registering to subscribing.
	SignedIn bool
}

type issueArticleView struct {
	URL, Title, Dek, Authors, Kind string
}

func (s *Server) nlSummary(n *masthead.Newsletter) newsletterSummary {
	sum := newsletterSummary{Slug: n.Slug, Name: n.Name, Description: n.Description, Schedule: nlScheduleWords(n.Schedule),
		SubscribersOnly: n.Audience == masthead.AudienceSubscribers}
	if sum.SubscribersOnly {
		sum.Audience = "For subscribers"
	} else {
		sum.Audience = "Free with registration"
	}
	return sum
}

// nlScheduleWords says a schedule the way a reader would: "Weekdays at
// 06:00", "Fridays at 14:00".
func nlScheduleWords(sc masthead.Schedule) string {
	at := fmt.Sprintf("%02d:%02d", sc.Hour, sc.Minute)
	days := sc.Days
	switch {
	case len(days) == 7:
		return "Every day at " + at
	case len(days) == 5 && !nlContainsDay(days, time.Saturday) && !nlContainsDay(days, time.Sunday):
		return "Weekdays at " + at
	}
	names := make([]string, len(days))
	for i, d := range days {
		names[i] = d.String() + "s"
	}
	return strings.Join(names, ", ") + " at " + at
}

func nlContainsDay(days []time.Weekday, d time.Weekday) bool {
	for _, x := range days {
		if x == d {
			return true
		}
	}
	return false
}

func (s *Server) handleNewsletters(w http.ResponseWriter, r *http.Request) error {
	ns, err := s.nlIssues.Newsletters(r.Context())
	if err != nil {
		return err
	}
	v := newslettersPage{base: s.newBase(r, "Newsletters", "The newsletters of "+s.site().name+" and every issue sent.", "/newsletters")}
	for _, n := range ns {
		if n.Slug == masthead.NewsletterAlerts {
			continue // a reader's own alerts are no newsletter (docs/curator.md)
		}
		v.Newsletters = append(v.Newsletters, s.nlSummary(n))
	}
	return s.render(w, "newsletters", v)
}

// archivedNewsletter finds a newsletter by the path's slug. One that is
// switched off keeps its archive: what was sent stays on the web.
func (s *Server) archivedNewsletter(r *http.Request) (*masthead.Newsletter, error) {
	n, err := s.nlIssues.Newsletter(r.Context(), r.PathValue("slug"))
	if masthead.ErrorCode(err) == masthead.ENOTFOUND || (err == nil && n.Slug == masthead.NewsletterAlerts) {
		return nil, errNotFound
	}
	return n, err
}

func nlIssuePath(n *masthead.Newsletter, is *masthead.Issue) string {
	return "/newsletters/" + n.Slug + "/" + strconv.FormatInt(is.ID, 10)
}

// nlSentAt is when an issue went out, for readers.
func nlSentAt(is *masthead.Issue) time.Time {
	if !is.StartedAt.IsZero() {
		return is.StartedAt
	}
	return is.SendAt
}

func (s *Server) handleNewsletterIssues(w http.ResponseWriter, r *http.Request) error {
	n, err := s.archivedNewsletter(r)
	if err != nil {
		return err
	}
	page := pageParam(r)
	id := n.ID
	issues, err := s.nlIssues.Issues(r.Context(), masthead.IssueFilter{NewsletterID: &id,
		Status: []masthead.IssueStatus{masthead.IssueSent}, Limit: issuesPerPage + 1, Offset: (page - 1) * issuesPerPage})
	if err != nil {
		return err
	}
	if len(issues) == 0 && page > 1 {
		return errNotFound
	}
	path := "/newsletters/" + n.Slug
	v := newsletterIssuesPage{base: s.newBase(r, n.Name, n.Description, pageURL(path, page)), Newsletter: s.nlSummary(n), Page: page}
	if len(issues) > issuesPerPage {
		issues = issues[:issuesPerPage]
		v.NextURL = pageURL(path, page+1)
	}
	if page > 1 {
		v.PrevURL = pageURL(path, page-1)
	}
	for _, is := range issues {
		v.Issues = append(v.Issues, issueLink{URL: nlIssuePath(n, is), Subject: is.Subject, Sent: nlSentAt(is)})
	}
	return s.render(w, "newsletter_issues", v)
}

// findIssue reads the path's issue: an id, or a date whose newest sent
// issue it names. Only sent issues of this newsletter are found.
func (s *Server) findIssue(r *http.Request, n *masthead.Newsletter) (*masthead.Issue, error) {
	ref := r.PathValue("issue")
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
		is, err := s.nlIssues.Issue(r.Context(), id)
		if masthead.ErrorCode(err) == masthead.ENOTFOUND || err == nil && (is.NewsletterID != n.ID || is.Status != masthead.IssueSent) {
			return nil, errNotFound
		}
		return is, err
	}
	day, err := time.ParseInLocation("2006-01-02", ref, s.cfg.Location)
	if err != nil {
		return nil, errNotFound
	}
	next := day.AddDate(0, 0, 1)
	id := n.ID
	// Issues come newest first; walk back until the day is passed.
	for offset := 0; offset < 5000; offset += 200 {
		batch, err := s.nlIssues.Issues(r.Context(), masthead.IssueFilter{NewsletterID: &id,
			Status: []masthead.IssueStatus{masthead.IssueSent}, Limit: 200, Offset: offset})
		if err != nil {
			return nil, err
		}
		for _, is := range batch {
			at := nlSentAt(is)
			if !at.Before(day) && at.Before(next) {
				return is, nil
			}
			if at.Before(day) && is.SendAt.Before(day) {
				return nil, errNotFound
			}
		}
		if len(batch) < 200 {
			break
		}
	}
	return nil, errNotFound
}

func (s *Server) handleNewsletterIssue(w http.ResponseWriter, r *http.Request) error {
	n, err := s.archivedNewsletter(r)
	if err != nil {
		return err
	}
	is, err := s.findIssue(r, n)
	if err != nil {
		return err
	}
	rd := s.requestReader(r)
	if !rd.Anonymous() {
		markPrivate(w)
	}
	full := true
	if n.Audience == masthead.AudienceSubscribers {
		// The same question as a subscribers-only article's, asked of
		// the one function that answers it everywhere.
		full = s.readers.ReadsLibrary(rd, s.clock.Now()) || rd.Member != nil && rd.Member.Role.Staff()
	}
	desc := n.Name + ": " + is.Subject
	v := newsletterIssuePage{base: s.newBase(r, is.Subject, desc, nlIssuePath(n, is)), Newsletter: s.nlSummary(n),
		Subject: is.Subject, Sent: nlSentAt(is), EditorsNote: nlParagraphs(is.EditorsNote), Full: full, SignedIn: rd.Member != nil}
	if full {
		v.Radar = nlParagraphs(is.Radar)
	}
	for _, a := range newsletter.OrderArticles(is.Articles) {
		av := issueArticleView{URL: articlePath(a.Slug), Title: a.Title}
		if full {
			av.Dek, av.Authors, av.Kind = a.Dek, newsletter.JoinNames(a.Authors), a.Kind.Label()
		}
		v.Articles = append(v.Articles, av)
	}
	return s.render(w, "newsletter_issue", v)
}

// nlParagraphs splits plain text at blank lines.
func nlParagraphs(s string) []string {
	var out []string
	for p := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
