package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"masthead"
)

// listPageSize is how many articles one page of the list shows.
const listPageSize = 50

// displayLayout is how staff pages show a time.
const displayLayout = "2 Jan 2006 15:04 MST"

// articleList is the home of the staff area: every article, newest first,
// with filters and a search by title.
func (h *Handler) articleList(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := masthead.ArticleFilter{Limit: listPageSize}
	// Filters that do not parse are ignored rather than refused: a stale
	// bookmark should still show a list.
	if s := masthead.Status(q.Get("status")); s.Valid() {
		f.Status = &s
	}
	// "In review" is a draft waiting for an editor; "Draft" the others.
	switch q.Get("status") {
	case "review":
		f.Status, f.Review = new(masthead.StatusDraft), new(masthead.ReviewPending)
	case string(masthead.StatusDraft):
		f.NotReview = new(masthead.ReviewPending)
	}
	if a := masthead.Access(q.Get("access")); a.Valid() {
		f.Access = &a
	}
	if k := masthead.Kind(q.Get("kind")); k.Valid() {
		f.Kind = &k
	}
	slugParam := func(name string) *string {
		if s := q.Get(name); masthead.ValidSlug(s) {
			return &s
		}
		return nil
	}
	f.Column, f.Author, f.Topic = slugParam("column"), slugParam("author"), slugParam("topic")
	query := strings.TrimSpace(q.Get("q"))
	if len(query) > 300 {
		query = query[:300]
	}
	if query != "" {
		f.TitleQuery = &query
	}
	// An author's list is their own articles: the ones they may edit.
	ownOnly := !me.Role.CanPublish()
	if ownOnly {
		f.Author = new(me.AuthorSlug)
	}
	pageNum, err := strconv.Atoi(q.Get("page"))
	if err != nil || pageNum < 1 {
		pageNum = 1
	}
	f.Offset = (pageNum - 1) * listPageSize

	var articles []*masthead.Article
	var total int
	if !ownOnly || me.AuthorSlug != "" {
		articles, total, err = h.deps.Articles.Articles(ctx, f)
		if err != nil {
			return fmt.Errorf("admin: list articles: %w", err)
		}
	}
	tax, err := h.taxonomy(ctx)
	if err != nil {
		return err
	}
	columns, authors, topics := tax.columns, tax.authors, tax.topics

	v := &listView{
		page:    h.page(r, me, "Articles"),
		Query:   query,
		OwnOnly: ownOnly,
		Total:   total,
		PageNum: pageNum,
		Pages:   max(1, (total+listPageSize-1)/listPageSize),
	}
	v.Section = "articles"
	v.Statuses = enumOptions(masthead.Statuses, q.Get("status"), func(s masthead.Status) string { return statusName(s) })
	v.Statuses = append(v.Statuses[:1:1], append([]option{{"review", "In review", q.Get("status") == "review"}}, v.Statuses[1:]...)...)
	v.Accesses = enumOptions(masthead.Accesses, q.Get("access"), masthead.Access.Label)
	v.Kinds = enumOptions(masthead.Kinds, q.Get("kind"), masthead.Kind.Label)
	for _, c := range columns {
		v.Columns = append(v.Columns, option{c.Slug, c.Name, c.Slug == q.Get("column")})
	}
	for _, a := range authors {
		v.Authors = append(v.Authors, option{a.Slug, a.Name, a.Slug == q.Get("author")})
	}
	for _, t := range topics {
		v.Topics = append(v.Topics, option{t.Slug, t.Name, t.Slug == q.Get("topic")})
	}
	now := h.now()
	for _, a := range articles {
		st := articleStatus(a, now)
		row := listRow{
			EditURL:     articleURL(a.ID),
			Title:       a.Title,
			Slug:        a.Slug,
			Status:      st.Class,
			StatusLabel: st.Label,
			Kind:        a.Kind.Label(),
			Access:      a.Access.Label(),
			Authors:     authorNames(a.Authors),
		}
		if st.Class == "draft" && a.Review == masthead.ReviewPending {
			row.Status, row.StatusLabel = "review", "In review"
		}
		if a.Column != nil {
			row.Column = a.Column.Name
		}
		switch st.Class {
		case "scheduled":
			row.WhenLabel, row.When = "Scheduled for", h.formatTime(a.PublishedAt)
		case "published":
			row.WhenLabel, row.When = "Published", h.formatTime(a.PublishedAt)
		default:
			row.WhenLabel, row.When = "Updated", h.formatTime(a.UpdatedAt)
		}
		v.Rows = append(v.Rows, row)
	}
	if pageNum > 1 {
		v.PrevURL = pageURL(r.URL, pageNum-1)
	}
	if pageNum < v.Pages {
		v.NextURL = pageURL(r.URL, pageNum+1)
	}
	return h.render(w, http.StatusOK, "list", v)
}

func pageURL(u *url.URL, n int) string {
	q := u.Query()
	q.Set("page", strconv.Itoa(n))
	return u.Path + "?" + q.Encode()
}

func enumOptions[T ~string](values []T, selected string, label func(T) string) []option {
	opts := make([]option, 0, len(values))
	for _, v := range values {
		opts = append(opts, option{string(v), label(v), string(v) == selected})
	}
	return opts
}

func statusName(s masthead.Status) string {
	switch s {
	case masthead.StatusDraft:
		return "Draft"
	case masthead.StatusScheduled:
		return "Scheduled"
	case masthead.StatusPublished:
		return "Published"
	}
	return string(s)
}

// status is how the staff area describes where an article stands, which
// is not always its stored status: a scheduled article whose time has
// come is live, and a draft with a publication date was unpublished.
type status struct {
	Class string
	Label string
}

func articleStatus(a *masthead.Article, now time.Time) status {
	switch {
	case a == nil:
		return status{"draft", "New draft"}
	case a.LiveAt(now):
		return status{"published", "Published"}
	case a.Status != masthead.StatusDraft:
		return status{"scheduled", "Scheduled"}
	case !a.PublishedAt.IsZero() && !a.PublishedAt.After(now):
		return status{"unpublished", "Unpublished"}
	}
	return status{"draft", "Draft"}
}

func authorNames(as []masthead.Author) string {
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}

func articleURL(id int64) string { return "/admin/articles/" + strconv.FormatInt(id, 10) }

func (h *Handler) formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(h.deps.Location).Format(displayLayout)
}
