package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"masthead"
)

// The Admin API: articles through masthead.ArticleService with the same
// validation as the staff editor (ArticleInput.Normalize and Validate),
// and members through the store the staff member pages use. Tokens act
// with their role; the staff member who made a token is the actor in
// members' histories.

// articleBody is the JSON of a new article or of changes to one. Absent
// fields are unchanged by PATCH; status and dates change only through the
// schedule, publish and unpublish actions, as in the staff editor.
type articleBody struct {
	Slug         *string    `json:"slug"`
	Title        *string    `json:"title"`
	Dek          *string    `json:"dek"`
	BodyMarkdown *string    `json:"body_markdown"`
	Authors      *[]string  `json:"authors"`
	Column       *string    `json:"column"`
	Topics       *[]string  `json:"topics"`
	Regions      *[]string  `json:"regions"`
	Kind         *string    `json:"kind"`
	Access       *string    `json:"access"`
	Image        *imageJSON `json:"image"`
	// Review sets the review state: "" ends a review, "review" asks for
	// one, "returned" sends the article back with ReviewNote. Only
	// editors and admins call the Admin API, as only they publish.
	Review     *string `json:"review"`
	ReviewNote *string `json:"review_note"`
}

// apply copies the fields present in b onto in.
func (b *articleBody) apply(in *masthead.ArticleInput) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&in.Slug, b.Slug)
	set(&in.Title, b.Title)
	set(&in.Dek, b.Dek)
	set(&in.BodyMarkdown, b.BodyMarkdown)
	set(&in.ColumnSlug, b.Column)
	if b.Authors != nil {
		in.AuthorSlugs = *b.Authors
	}
	if b.Topics != nil {
		in.TopicSlugs = *b.Topics
	}
	if b.Regions != nil {
		in.RegionSlugs = *b.Regions
	}
	if b.Kind != nil {
		in.Kind = masthead.Kind(*b.Kind)
	}
	if b.Access != nil {
		in.Access = masthead.Access(*b.Access)
	}
	if b.Review != nil {
		in.Review = masthead.ReviewState(*b.Review)
		if in.Review != masthead.ReviewReturned {
			in.ReviewNote = ""
		}
	}
	if b.ReviewNote != nil {
		in.ReviewNote = strings.TrimSpace(*b.ReviewNote)
	}
	if b.Image != nil {
		in.Image = masthead.Image{ID: b.Image.ID, URL: strings.TrimSpace(b.Image.URL), Alt: strings.TrimSpace(b.Image.Alt),
			Caption: strings.TrimSpace(b.Image.Caption)}
	}
}

// jsonFieldNames maps ArticleInput.Validate's field names, which are the
// editor form's, to the API's.
var jsonFieldNames = map[string]string{
	"body": "body_markdown", "image_url": "image.url", "image_alt": "image.alt", "image_id": "image.id", "published_at": "publish_at",
}

// apiFields renames the fields of a validation error for JSON clients.
func apiFields(err error) error {
	e, ok := err.(*masthead.Error)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := &masthead.Error{Code: e.Code, Message: e.Message, Fields: map[string]string{}}
	for k, v := range e.Fields {
		if n, ok := jsonFieldNames[k]; ok {
			k = n
		}
		out.Fields[k] = v
	}
	return out
}

// ReasonAdminAPI is the reason given for the body in Admin API
// responses, which always carry it whole.
const ReasonAdminAPI = "admin-api"

// adminArticleOut is an article as the Admin API shows it: status,
// Markdown source and full HTML, whatever its access.
func (h *Handler) adminArticleOut(a *masthead.Article) articleJSON {
	out := h.articleOut(a)
	out.Status = string(a.Status)
	md := a.BodyMarkdown
	out.BodyMarkdown = &md
	review, note := string(a.Review), a.ReviewNote
	out.Review, out.ReviewNote, out.Revision = &review, &note, a.Revision
	if a.BodyHTML != "" || a.BodyMarkdown != "" {
		out.Body = &bodyJSON{HTML: a.BodyHTML, Full: true, Reason: ReasonAdminAPI}
	}
	return out
}

func (h *Handler) adminArticles(w http.ResponseWriter, r *http.Request, key *masthead.APIKey) error {
	q := newQuery(r)
	f := masthead.ArticleFilter{Topic: q.slug("topic"), Region: q.slug("region"), Column: q.slug("column"),
		Author: q.slug("author"), Kind: q.kind()}
	if s := q.v.Get("status"); s != "" {
		st := masthead.Status(s)
		if !st.Valid() {
			q.bad.Add("status", "status must be draft, scheduled or published.")
		}
		f.Status = &st
	}
	return h.writeArticles(w, r, q, f, func(a *masthead.Article) articleJSON {
		o := h.articleOut(a)
		o.Status = string(a.Status)
		return o
	})
}

// articleFromPath loads the article named by the {id} path value.
func (h *Handler) articleFromPath(r *http.Request) (*masthead.Article, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, errNoArticle
	}
	a, err := h.deps.Articles.ArticleByID(r.Context(), id)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		return nil, errNoArticle
	}
	if err != nil {
		return nil, fmt.Errorf("api: article %d: %w", id, err)
	}
	return a, nil
}

func (h *Handler) adminArticle(w http.ResponseWriter, r *http.Request, key *masthead.APIKey) error {
	a, err := h.articleFromPath(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, h.adminArticleOut(a))
}

// adminCreateArticle stores a new draft.
func (h *Handler) adminCreateArticle(w http.ResponseWriter, r *http.Request, key *masthead.APIKey) error {
	var b articleBody
	if err := h.decode(w, r, &b, false); err != nil {
		return err
	}
	in := masthead.ArticleInput{Status: masthead.StatusDraft}
	b.apply(&in)
	saved, err := h.save(r, key, nil, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/api/admin/v1/articles/%d", h.cfg.BaseURL, saved.ID))
	return writeJSON(w, http.StatusCreated, h.adminArticleOut(saved))
}

// save validates in as the staff editor does and stores it: a new
// article when a is nil, else a replacement of a. The article's history
// names the staff member who made the key.
func (h *Handler) save(r *http.Request, key *masthead.APIKey, a *masthead.Article, in masthead.ArticleInput) (*masthead.Article, error) {
	in.By = masthead.ArticleActor{MemberID: key.CreatedBy, Via: masthead.ChangeViaAPI}
	in.Normalize(h.now())
	if err := in.Validate(); err != nil {
		return nil, apiFields(err)
	}
	var (
		saved *masthead.Article
		err   error
	)
	if a == nil {
		saved, err = h.deps.Articles.CreateArticle(r.Context(), in)
	} else {
		saved, err = h.deps.Articles.UpdateArticle(r.Context(), a.ID, in)
	}
	switch masthead.ErrorCode(err) {
	case "":
		return saved, nil
	case masthead.EINVALID, masthead.ECONFLICT, masthead.ENOTFOUND:
		return nil, apiFields(err)
	}
	return nil, fmt.Errorf("api: save article: %w", err)
}

func (h *Handler) adminUpdateArticle(w http.ResponseWriter, r *http.Request, key *masthead.APIKey) error {
	a, err := h.articleFromPath(r)
	if err != nil {
		return err
	}
	var b articleBody
	if err := h.decode(w, r, &b, false); err != nil {
		return err
	}
	in := a.Input()
	b.apply(&in)
	saved, err := h.save(r, key, a, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, h.adminArticleOut(saved))
}

// scheduleBody is the time a scheduled article goes live, RFC 3339. It
// is read as a string so a malformed time is named like any other field.
type scheduleBody struct {
	PublishAt *string `json:"publish_at"`
}

func (h *Handler) adminScheduleArticle(w http.ResponseWriter, r *http.Request, key *masthead.APIKey) error {
	var b scheduleBody
	return h.changeArticle(w, r, key, &b, false, func(in *masthead.ArticleInput) error {
		if b.PublishAt == nil {
			return fieldError("publish_at", "publish_at is required: an RFC 3339 time such as 2026-01-31T09:00:00Z.")
		}
		at, err := time.Parse(time.RFC3339, *b.PublishAt)
		switch {
		case err != nil:
			return fieldError("publish_at", "publish_at must be an RFC 3339 time such as 2026-01-31T09:00:00Z.")
		case !at.After(h.now()):
			return fieldError("publish_at", "Choose a time in the future, or publish now.")
		}
		in.Status, in.PublishedAt = masthead.StatusScheduled, at
		// Scheduling ends a review, as in the staff editor.
		in.Review, in.ReviewNote = masthead.ReviewNone, ""
		return nil
	})
}

// adminPublishArticle publishes now. Republishing an unpublished article
// keeps its original date; a draft or an article scheduled for later
// goes out now, as in the staff editor.
func (h *Handler) adminPublishArticle(w http.ResponseWriter, r *http.Request, key *masthead.APIKey) error {
	var empty struct{}
	return h.changeArticle(w, r, key, &empty, true, func(in *masthead.ArticleInput) error {
		now := h.now()
		in.Status = masthead.StatusPublished
		// Publishing ends a review, as in the staff editor.
		in.Review, in.ReviewNote = masthead.ReviewNone, ""
		if in.PublishedAt.IsZero() || in.PublishedAt.After(now) {
			in.PublishedAt = now
		}
		return nil
	})
}

// adminUnpublishArticle takes an article back to draft. Its date stays,
// so readers of the old URL learn it is gone (410).
func (h *Handler) adminUnpublishArticle(w http.ResponseWriter, r *http.Request, key *masthead.APIKey) error {
	var empty struct{}
	return h.changeArticle(w, r, key, &empty, true, func(in *masthead.ArticleInput) error {
		in.Status = masthead.StatusDraft
		return nil
	})
}

// changeArticle is a change of an article's status: the article named by
// the path, the request body decoded into body (an empty body allowed
// when emptyOK), the change made to its input, and the article saved
// through the same rules as the staff editor.
func (h *Handler) changeArticle(w http.ResponseWriter, r *http.Request, key *masthead.APIKey, body any, emptyOK bool, change func(in *masthead.ArticleInput) error) error {
	a, err := h.articleFromPath(r)
	if err != nil {
		return err
	}
	if err := h.decode(w, r, body, emptyOK); err != nil {
		return err
	}
	in := a.Input()
	if err := change(&in); err != nil {
		return err
	}
	saved, err := h.save(r, key, a, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, h.adminArticleOut(saved))
}

// memberJSON is a member as the Admin API shows it.
type memberJSON struct {
	ID         int64      `json:"id"`
	Email      string     `json:"email"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	VerifiedAt *time.Time `json:"verified_at"`
	CreatedAt  time.Time  `json:"created_at"`
	// Access lists the sources of current entitlements.
	Access []string `json:"access"`
	Lapsed bool     `json:"lapsed"`
}

// entitlementJSON is one of a member's entitlements.
type entitlementJSON struct {
	ID       int64      `json:"id"`
	Source   string     `json:"source"`
	StartsAt time.Time  `json:"starts_at"`
	EndsAt   *time.Time `json:"ends_at"`
	Note     string     `json:"note"`
	Current  bool       `json:"current"`
}

// memberDetailJSON is one member with their entitlements.
type memberDetailJSON struct {
	memberJSON
	Entitlements []entitlementJSON `json:"entitlements"`
}

// memberPageJSON is a page of members; Next continues below the last id.
type memberPageJSON struct {
	Data []memberJSON `json:"data"`
	Next *string      `json:"next"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func memberOut(m *masthead.Member) memberJSON {
	return memberJSON{ID: m.ID, Email: m.Email, Name: m.Name, Role: string(m.Role),
		VerifiedAt: optTime(m.VerifiedAt), CreatedAt: m.CreatedAt.UTC(), Access: []string{}}
}

func entitlementOut(e *masthead.Entitlement, now time.Time) entitlementJSON {
	return entitlementJSON{ID: e.ID, Source: string(e.Source), StartsAt: e.StartsAt.UTC(), EndsAt: optTime(e.EndsAt),
		Note: e.Note, Current: e.ActiveAt(now)}
}

var errNoMembers = masthead.Errorf(masthead.ENOTFOUND, "Member endpoints are not available on this server.")

func (h *Handler) adminMembers(w http.ResponseWriter, r *http.Request, key *masthead.APIKey) error {
	if h.deps.MemberStore == nil {
		return errNoMembers
	}
	q := newQuery(r)
	f := masthead.MemberFilter{Query: strings.TrimSpace(q.v.Get("q")), Now: h.now(),
		Limit: q.int("per_page", 50, 1, 200)}
	if s := q.v.Get("state"); s != "" {
		f.State = masthead.MemberState(s)
		if !f.State.Valid() {
			q.bad.Add("state", "state must be one of registered, verified, subscriber, comp, institution, lapsed.")
		}
	}
	if s := q.v.Get("before"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			q.bad.Add("before", "before must be a member id from a next link.")
		}
		f.Before = n
	}
	if err := q.err(); err != nil {
		return err
	}
	res, err := h.deps.MemberStore.SearchMembers(r.Context(), f)
	if err != nil {
		return fmt.Errorf("api: members: %w", err)
	}
	out := memberPageJSON{Data: []memberJSON{}}
	for i := range res.Members {
		it := &res.Members[i]
		m := memberOut(&it.Member)
		for _, s := range it.Sources {
			m.Access = append(m.Access, string(s))
		}
		m.Lapsed = it.Lapsed
		out.Data = append(out.Data, m)
	}
	if res.Next > 0 {
		v := r.URL.Query()
		v.Del("key")
		v.Set("before", strconv.FormatInt(res.Next, 10))
		next := h.cfg.BaseURL + r.URL.Path + "?" + v.Encode()
		out.Next = &next
	}
	return writeJSON(w, http.StatusOK, out)
}

var errNoMember = masthead.Errorf(masthead.ENOTFOUND, "There is no such member.")

func (h *Handler) memberFromPath(r *http.Request) (*masthead.Member, error) {
	if h.deps.MemberStore == nil {
		return nil, errNoMembers
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, errNoMember
	}
	m, err := h.deps.Members.Member(r.Context(), id)
	if masthead.ErrorCode(err) == masthead.ENOTFOUND {
		return nil, errNoMember
	}
	if err != nil {
		return nil, fmt.Errorf("api: member %d: %w", id, err)
	}
	return m, nil
}

// memberDetail gathers a member and their entitlements.
func (h *Handler) memberDetail(r *http.Request, m *masthead.Member) (*memberDetailJSON, error) {
	ents, err := h.deps.MemberStore.MemberEntitlements(r.Context(), m.ID)
	if err != nil {
		return nil, fmt.Errorf("api: member %d: entitlements: %w", m.ID, err)
	}
	now := h.now()
	out := &memberDetailJSON{memberJSON: memberOut(m), Entitlements: []entitlementJSON{}}
	for i := range ents {
		e := entitlementOut(&ents[i].Entitlement, now)
		out.Entitlements = append(out.Entitlements, e)
		if e.Current {
			out.Access = append(out.Access, e.Source)
		}
	}
	out.Lapsed = len(ents) > 0 && len(out.Access) == 0
	return out, nil
}

func (h *Handler) adminMember(w http.ResponseWriter, r *http.Request, key *masthead.APIKey) error {
	m, err := h.memberFromPath(r)
	if err != nil {
		return err
	}
	out, err := h.memberDetail(r, m)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// memberBody is the change to a member. Only the name changes here; an
// address changes through the member's own sign-in.
type memberBody struct {
	Name *string `json:"name"`
}

// MemberEventRenamed is the history kind of a name changed by staff.
const MemberEventRenamed = "name-changed"

func (h *Handler) adminUpdateMember(w http.ResponseWriter, r *http.Request, key *masthead.APIKey) error {
	m, err := h.memberFromPath(r)
	if err != nil {
		return err
	}
	var b memberBody
	if err := h.decode(w, r, &b, false); err != nil {
		return err
	}
	if b.Name != nil && strings.TrimSpace(*b.Name) != m.Name {
		if err := h.deps.MemberStore.SetMemberName(r.Context(), m.ID, *b.Name); err != nil {
			return err
		}
		old := m.Name
		if m, err = h.deps.Members.Member(r.Context(), m.ID); err != nil {
			return fmt.Errorf("api: member %d: %w", m.ID, err)
		}
		ev := masthead.MemberEvent{MemberID: m.ID, Kind: MemberEventRenamed, ActorID: key.CreatedBy,
			Detail: fmt.Sprintf("Name changed from %q to %q through the Admin API (token “%s”).", old, m.Name, key.Name)}
		if err := h.deps.MemberStore.AddMemberEvent(r.Context(), ev); err != nil {
			return fmt.Errorf("api: member %d: history: %w", m.ID, err)
		}
	}
	out, err := h.memberDetail(r, m)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// compBody is a complimentary grant: the last day of access, in the
// publication's time zone, and why.
type compBody struct {
	Until *string `json:"until"`
	Note  *string `json:"note"`
}

func (h *Handler) adminGrantComp(w http.ResponseWriter, r *http.Request, key *masthead.APIKey) error {
	m, err := h.memberFromPath(r)
	if err != nil {
		return err
	}
	var b compBody
	if err := h.decode(w, r, &b, false); err != nil {
		return err
	}
	bad := masthead.Invalid{}
	var day time.Time
	if b.Until == nil {
		bad.Add("until", "until is required: the last day of access, as 2026-01-31.")
	} else if day, err = time.ParseInLocation("2006-01-02", *b.Until, h.cfg.Location); err != nil {
		bad.Add("until", "until must be a date, as 2026-01-31.")
	}
	if b.Note == nil || strings.TrimSpace(*b.Note) == "" {
		bad.Add("note", "note is required: say why, for the member's history.")
	}
	if err := bad.Err(); err != nil {
		return err
	}
	e, err := h.deps.MemberStore.GrantComplimentary(r.Context(), masthead.CompGrant{
		MemberID: m.ID, Until: day.AddDate(0, 0, 1), Note: strings.TrimSpace(*b.Note), ActorID: key.CreatedBy})
	if err != nil {
		if masthead.ErrorCode(err) == masthead.EINVALID {
			return err
		}
		return fmt.Errorf("api: member %d: comp: %w", m.ID, err)
	}
	return writeJSON(w, http.StatusCreated, entitlementOut(e, h.now()))
}
