package masthead

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Slugs of the newsletters the first migration creates. NewsletterFree is
// declared with the consents (account.go).
const (
	NewsletterDaily  = "daily"
	NewsletterWeekly = "weekly"
)

// Audience says who may receive a newsletter.
type Audience string

// Audiences. Subscribers-only newsletters need an active entitlement at
// send time; registered newsletters go to every verified reader who chose
// them, subscribers included.
const (
	AudienceSubscribers Audience = "subscribers"
	AudienceRegistered  Audience = "registered"
)

// Valid reports whether a is a known audience.
func (a Audience) Valid() bool { return a == AudienceSubscribers || a == AudienceRegistered }

// Segment is the version of an issue a recipient gets: links for a
// subscriber open the full article, a registered reader's go through the
// meter. An issue is rendered once per segment.
type Segment string

// Segments.
const (
	SegmentSubscriber Segment = "subscriber"
	SegmentRegistered Segment = "registered"
)

// Schedule is when a newsletter goes out: on some weekdays at one time of
// day in the publication's time zone. Its text form is
// "mon,tue,wed,thu,fri 06:00" (or "mon-fri 06:00", "daily 07:30").
type Schedule struct {
	Days   []time.Weekday // sorted, no repeats; never empty
	Hour   int
	Minute int
}

var weekdayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseSchedule reads a schedule's text form.
func ParseSchedule(s string) (Schedule, error) {
	bad := func() (Schedule, error) {
		return Schedule{}, &Error{Code: EINVALID,
			Message: fmt.Sprintf("The schedule %q is not valid: write days and a time, such as \"mon-fri 06:00\" or \"fri 14:00\".", s),
			Fields:  map[string]string{"schedule": "Write days and a time, such as \"mon-fri 06:00\"."}}
	}
	days, clock, ok := strings.Cut(strings.ToLower(strings.TrimSpace(s)), " ")
	if !ok {
		return bad()
	}
	clock = strings.TrimSpace(clock)
	hh, mm, ok := strings.Cut(clock, ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 || len(mm) != 2 {
		return bad()
	}
	day := func(n string) (time.Weekday, bool) {
		i := slices.Index(weekdayNames, strings.TrimSpace(n))
		return time.Weekday(i), i >= 0
	}
	var set [7]bool
	if days == "daily" {
		set = [7]bool{true, true, true, true, true, true, true}
	} else {
		for _, part := range strings.Split(days, ",") {
			from, to, isRange := strings.Cut(part, "-")
			a, ok := day(from)
			if !ok {
				return bad()
			}
			b := a
			if isRange {
				if b, ok = day(to); !ok {
					return bad()
				}
			}
			for d := a; ; d = (d + 1) % 7 {
				set[d] = true
				if d == b {
					break
				}
			}
		}
	}
	sc := Schedule{Hour: h, Minute: m}
	for d, on := range set {
		if on {
			sc.Days = append(sc.Days, time.Weekday(d))
		}
	}
	return sc, nil
}

// String is the schedule's text form, which ParseSchedule reads back.
func (s Schedule) String() string {
	var names []string
	for _, d := range s.Days {
		names = append(names, weekdayNames[d])
	}
	if len(names) == 7 {
		names = []string{"daily"}
	}
	return fmt.Sprintf("%s %02d:%02d", strings.Join(names, ","), s.Hour, s.Minute)
}

// Next returns the first send time strictly after t, in loc. The time of
// day is the wall clock in loc, so 06:00 stays 06:00 across a change of
// daylight saving time; a time that does not exist on a spring-forward day
// moves forward with the clocks (Go's time.Date normalisation).
func (s Schedule) Next(t time.Time, loc *time.Location) time.Time {
	if len(s.Days) == 0 {
		return time.Time{}
	}
	lt := t.In(loc)
	for i := 0; i <= 7; i++ {
		d := time.Date(lt.Year(), lt.Month(), lt.Day()+i, s.Hour, s.Minute, 0, 0, loc)
		if d.After(t) && slices.Contains(s.Days, d.Weekday()) {
			return d
		}
	}
	return time.Time{}
}

// Prev returns the last send time at or before t, in loc.
func (s Schedule) Prev(t time.Time, loc *time.Location) time.Time {
	if len(s.Days) == 0 {
		return time.Time{}
	}
	lt := t.In(loc)
	for i := 0; i <= 7; i++ {
		d := time.Date(lt.Year(), lt.Month(), lt.Day()-i, s.Hour, s.Minute, 0, 0, loc)
		if !d.After(t) && slices.Contains(s.Days, d.Weekday()) {
			return d
		}
	}
	return time.Time{}
}

// Newsletter is a list readers receive: its audience, schedule, sender and
// template.
type Newsletter struct {
	ID          int64
	Slug        string
	Name        string
	Description string
	Audience    Audience
	Schedule    Schedule
	// FromName and FromAddress make the From header; an empty address
	// sends as the site's configured sender. ReplyTo is optional.
	FromName    string
	FromAddress string
	ReplyTo     string
	// DefaultOn sends the newsletter to members of its audience who never
	// chose either way (the subscribers' reviews, part of what they pay
	// for). Off, a member receives it only after opting in (the free
	// newsletter, which needs consent).
	DefaultOn bool
	// Template is the html/template source of the HTML part; empty means
	// the built-in template (package newsletter).
	Template string
	// DraftLead is how long before its send time an issue is composed,
	// for editors to review; Cutoff is how late after its send time an
	// issue may still start (a server that was down does not send the
	// morning's issue in the evening).
	DraftLead time.Duration
	Cutoff    time.Duration
	// Enabled newsletters are composed and sent on schedule.
	Enabled   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// From is the From header value; siteFrom ("Name <address>") stands in
// for an empty address, and its name for an empty name.
func (n *Newsletter) From(siteFrom string) string {
	name, addr := n.FromName, n.FromAddress
	if a, err := mail.ParseAddress(siteFrom); err == nil {
		if addr == "" {
			addr = a.Address
		}
		if name == "" {
			name = a.Name
		}
	}
	return (&mail.Address{Name: name, Address: addr}).String()
}

// Validate checks the fields an editor sets. The template is checked by
// the newsletter package (ValidateTemplate), which knows its data.
func (n *Newsletter) Validate() error {
	v := Invalid{}
	if !ValidSlug(n.Slug) {
		v.Add("slug", "A newsletter needs a short name of lowercase letters, digits and dashes.")
	}
	if strings.TrimSpace(n.Name) == "" {
		v.Add("name", "A newsletter needs a name.")
	}
	if !n.Audience.Valid() {
		v.Add("audience", "Choose who receives the newsletter: subscribers or registered readers.")
	}
	if len(n.Schedule.Days) == 0 {
		v.Add("schedule", "Choose at least one day.")
	}
	if strings.ContainsAny(n.FromName, "\r\n") {
		v.Add("from_name", "The sender name must be one line.")
	}
	if n.FromAddress != "" {
		if a, err := mail.ParseAddress(n.FromAddress); err != nil || a.Address != n.FromAddress || !strings.Contains(n.FromAddress, "@") {
			v.Add("from_address", "Enter a valid sender address, such as news@example.com, or leave it empty for the site's sender.")
		}
	}
	if n.ReplyTo != "" {
		if a, err := mail.ParseAddress(n.ReplyTo); err != nil || a.Address != n.ReplyTo {
			v.Add("reply_to", "Enter a valid reply-to address, or leave it empty.")
		}
	}
	if n.DraftLead < 0 || n.DraftLead > 7*24*time.Hour {
		v.Add("draft_lead", "The draft lead time must be between 0 and 7 days.")
	}
	if n.Cutoff < time.Minute || n.Cutoff > 7*24*time.Hour {
		v.Add("cutoff", "The cut-off must be between a minute and 7 days.")
	}
	return v.Err()
}

// IssueStatus is where an issue is in its life.
type IssueStatus string

// Issue statuses.
//
//	draft      composed or created, not going out until scheduled
//	scheduled  goes out at SendAt (the composer saves issues so)
//	sending    deliveries exist and workers are sending them
//	paused     sending stopped by an editor; resume goes back to sending
//	sent       every delivery reached a final state
//	cancelled  stopped for good; queued deliveries stay queued, unsent
//	skipped    not sent: nothing published in its window, or it could
//	           not start before the cut-off (see Issue.StatusNote)
const (
	IssueDraft     IssueStatus = "draft"
	IssueScheduled IssueStatus = "scheduled"
	IssueSending   IssueStatus = "sending"
	IssuePaused    IssueStatus = "paused"
	IssueSent      IssueStatus = "sent"
	IssueCancelled IssueStatus = "cancelled"
	IssueSkipped   IssueStatus = "skipped"
)

// issueTransitions lists the changes an editor (or the sender) may make.
var issueTransitions = map[IssueStatus][]IssueStatus{
	IssueDraft:     {IssueScheduled, IssueCancelled, IssueSkipped},
	IssueScheduled: {IssueDraft, IssueSending, IssueCancelled, IssueSkipped},
	IssueSending:   {IssuePaused, IssueCancelled, IssueSent},
	IssuePaused:    {IssueSending, IssueCancelled},
	IssueSkipped:   {IssueScheduled, IssueDraft},
}

// CanTransition reports whether an issue may go from one status to
// another.
func CanTransition(from, to IssueStatus) bool {
	return slices.Contains(issueTransitions[from], to)
}

// Editable reports whether an issue's content may still change.
func (s IssueStatus) Editable() bool {
	return s == IssueDraft || s == IssueScheduled || s == IssueSkipped
}

// IssueArticle is one article in an issue, as it was when composed (or
// as the editor left it).
type IssueArticle struct {
	ArticleID   int64     `json:"id"`
	Slug        string    `json:"slug"`
	Title       string    `json:"title"`
	Dek         string    `json:"dek,omitempty"`
	Authors     []string  `json:"authors,omitempty"`
	Kind        Kind      `json:"kind"`
	Access      Access    `json:"access"`
	PublishedAt time.Time `json:"published_at"`
}

// DeliveryCounts sums an issue's deliveries by status. Unsubscribed counts
// recipients who unsubscribed through this issue's link.
type DeliveryCounts struct {
	Total        int
	Queued       int
	Sent         int
	Failed       int
	Bounced      int
	Suppressed   int
	Unsubscribed int
}

// Done counts deliveries in a final state.
func (c DeliveryCounts) Done() int { return c.Total - c.Queued }

// Issue is one edition of a newsletter.
type Issue struct {
	ID             int64
	NewsletterID   int64
	NewsletterSlug string
	Subject        string
	// EditorsNote and Radar are plain text, paragraphs separated by a
	// blank line; "what's on our radar" is Radar.
	EditorsNote string
	Radar       string
	Articles    []IssueArticle
	// WindowStart and WindowEnd bound what was published for this issue
	// (start inclusive, end exclusive). An issue composed by the
	// scheduler is unique per (newsletter, window start).
	WindowStart time.Time
	WindowEnd   time.Time
	Status      IssueStatus
	// StatusNote says why an issue was skipped or paused, for staff.
	StatusNote string
	SendAt     time.Time
	// Force sends an issue with no articles (an editor confirmed it).
	Force      bool
	StartedAt  time.Time
	FinishedAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Counts is filled by Issue and Issues.
	Counts DeliveryCounts
}

// Validate checks what an editor sets on an issue.
func (is *Issue) Validate() error {
	v := Invalid{}
	if strings.TrimSpace(is.Subject) == "" || strings.ContainsAny(is.Subject, "\r\n") || len(is.Subject) > 300 {
		v.Add("subject", "An issue needs a one-line subject of at most 300 characters.")
	}
	if len(is.EditorsNote) > 20000 {
		v.Add("editors_note", "The editor's note is too long (20,000 characters at most).")
	}
	if len(is.Radar) > 20000 {
		v.Add("radar", "\"On our radar\" is too long (20,000 characters at most).")
	}
	if len(is.Articles) > 100 {
		v.Add("articles", "An issue holds at most 100 articles.")
	}
	return v.Err()
}

// IssueUpdate changes an issue's content; nil fields stay as they are.
type IssueUpdate struct {
	Subject     *string
	EditorsNote *string
	Radar       *string
	Articles    *[]IssueArticle
	SendAt      *time.Time
}

// IssueFilter selects issues, newest send time first.
type IssueFilter struct {
	NewsletterID *int64
	Status       []IssueStatus
	Limit        int // default 50
	Offset       int
}

// IssueStatusChange moves an issue to another status.
type IssueStatusChange struct {
	To IssueStatus
	// SendAt is the send time when scheduling; zero means now.
	SendAt time.Time
	// Force confirms sending an issue with nothing in it.
	Force bool
	Note  string
	Now   time.Time
}

// DeliveryStatus is where one recipient's message is.
type DeliveryStatus string

// Delivery statuses. queued is the only one the sender works on; the rest
// are final (bounced is set later, by a bounce notification about a sent
// message).
const (
	DeliveryQueued     DeliveryStatus = "queued"
	DeliverySent       DeliveryStatus = "sent"
	DeliveryFailed     DeliveryStatus = "failed"
	DeliveryBounced    DeliveryStatus = "bounced"
	DeliverySuppressed DeliveryStatus = "suppressed"
)

// Delivery is one issue to one member: the durable queue entry while
// queued, and the send log afterwards.
type Delivery struct {
	IssueID  int64
	MemberID int64
	Email    string
	Name     string // filled when the sender fetches a batch
	Segment  Segment
	Status   DeliveryStatus
	Attempts int
	// LastError is the last failure's text (SMTP reply included).
	LastError      string
	MessageID      string
	NextAttemptAt  time.Time
	SentAt         time.Time
	UnsubscribedAt time.Time
	// Matches is what an alert tells this member (an AlertMatch in
	// JSON); empty for a newsletter's delivery.
	Matches string
}

// DeliveryFilter pages through an issue's deliveries by member id.
type DeliveryFilter struct {
	Status *DeliveryStatus
	// Email keeps deliveries whose address contains this text.
	Email string
	// AfterMemberID continues after the last row of the previous page.
	AfterMemberID int64
	Limit         int // default 100
}

// SuppressionReason says why an address gets no newsletter.
type SuppressionReason string

// Suppression reasons.
const (
	SuppressBounce    SuppressionReason = "bounce"    // a hard bounce reported later
	SuppressComplaint SuppressionReason = "complaint" // marked as spam
	SuppressFailure   SuppressionReason = "failure"   // the SMTP server refused it (5xx)
	SuppressManual    SuppressionReason = "manual"    // staff added it
)

// Valid reports whether r is a known reason.
func (r SuppressionReason) Valid() bool {
	switch r {
	case SuppressBounce, SuppressComplaint, SuppressFailure, SuppressManual:
		return true
	}
	return false
}

// Suppression is an address no newsletter goes to until staff lift it.
// Sign-in and other transactional email still go.
type Suppression struct {
	Email     string
	Reason    SuppressionReason
	Detail    string
	CreatedAt time.Time
}

// SuppressionFilter searches suppressions, newest first.
type SuppressionFilter struct {
	Query  string // part of the address
	Limit  int    // default 100
	Offset int
}

// NewsletterChoice is one newsletter as a member sees it on the account
// page.
type NewsletterChoice struct {
	Newsletter *Newsletter
	// Eligible is false for a subscribers-only newsletter and a reader
	// without a subscription: the choice is kept but nothing is sent.
	Eligible   bool
	Subscribed bool
	// Since is when the member last chose; zero when never (DefaultOn
	// decides).
	Since time.Time
}

// NewsletterService stores newsletters, issues, deliveries and
// suppressions.
type NewsletterService interface {
	// Newsletters lists every newsletter by name.
	Newsletters(ctx context.Context) ([]*Newsletter, error)
	// Newsletter finds one by slug; NewsletterByID by id.
	Newsletter(ctx context.Context, slug string) (*Newsletter, error)
	NewsletterByID(ctx context.Context, id int64) (*Newsletter, error)
	// UpdateNewsletter saves an editor's changes (validated; the slug
	// and id do not change).
	UpdateNewsletter(ctx context.Context, n *Newsletter) (*Newsletter, error)

	// Issues lists issues with their counts, newest send time first.
	Issues(ctx context.Context, f IssueFilter) ([]*Issue, error)
	// Issue finds one issue with its counts.
	Issue(ctx context.Context, id int64) (*Issue, error)
	// CreateIssue stores a new issue (status draft unless set). Two
	// issues of a newsletter for the same window start are ECONFLICT.
	CreateIssue(ctx context.Context, is *Issue) (*Issue, error)
	// UpdateIssue changes an editable issue's content (draft, scheduled
	// or skipped); others are ECONFLICT.
	UpdateIssue(ctx context.Context, id int64, u IssueUpdate, now time.Time) (*Issue, error)
	// SetIssueStatus moves an issue along (see CanTransition): schedule,
	// send now (scheduled with SendAt now), pause, resume (paused →
	// sending), cancel, hold (→ draft). Scheduling an issue with no
	// articles needs Force. A move CanTransition forbids is ECONFLICT.
	SetIssueStatus(ctx context.Context, id int64, c IssueStatusChange) (*Issue, error)
	// IssueCounts sums an issue's deliveries by status.
	IssueCounts(ctx context.Context, id int64) (DeliveryCounts, error)
	// Deliveries pages through an issue's send log.
	Deliveries(ctx context.Context, issueID int64, f DeliveryFilter) ([]Delivery, error)

	// Suppress adds an address to the suppression list (an existing
	// entry keeps its first reason). For a bounce or a complaint, the
	// newest sent delivery to that address (or the one with messageID,
	// when given) is marked bounced.
	Suppress(ctx context.Context, s Suppression, messageID string) error
	// Suppressions searches the list, newest first.
	Suppressions(ctx context.Context, f SuppressionFilter) ([]Suppression, error)
	// LiftSuppression removes an address; ENOTFOUND if it is not there.
	LiftSuppression(ctx context.Context, email string) error
	// Suppressed reports whether an address is on the list.
	Suppressed(ctx context.Context, email string) (bool, error)

	// NewsletterChoices lists every enabled newsletter with the member's
	// choice.
	NewsletterChoices(ctx context.Context, memberID int64, now time.Time) ([]NewsletterChoice, error)
	// SetNewsletterChoice records the member's choice as a consent with the
	// wording they saw.
	SetNewsletterChoice(ctx context.Context, memberID int64, slug string, on bool, wording string, now time.Time) error
}

// IssueLease is an issue claimed by one sender until Until.
type IssueLease struct {
	Issue *Issue
	Owner string
	Until time.Time
	// Nonce is the random part of the issue's Message-IDs.
	Nonce string
	// Queued is how many deliveries the claim queued (0 when the send
	// was already under way).
	Queued int
}

// DeliveryOutcome is a failed attempt a sender records.
type DeliveryOutcome struct {
	MemberID int64
	Error    string
	// Retry keeps the delivery queued until NextAttempt; otherwise it
	// ends as Status (failed or suppressed).
	Retry       bool
	NextAttempt time.Time
	Status      DeliveryStatus
	// Suppress adds the address to the suppression list (a 5xx).
	Suppress *Suppression
}
