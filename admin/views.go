package admin

import (
	"html/template"
	"net/http"

	"masthead"
)

// page is the base every view embeds: what the layout needs.
type page struct {
	Site   string
	Title  string
	Me     *masthead.Member // nil on the sign-in pages
	CSSURL string
	JSURL  string
	// Section names the navigation entry to mark as current.
	Section string
	// Flash is a one-line confirmation after a redirect.
	Flash string
	// NoEmail shows the banner saying email cannot be sent (Config.Email),
	// on staff pages only.
	NoEmail bool
}

// flashes are the confirmations a redirect may ask for with ?msg=; a
// fixed set, so the query string cannot put arbitrary text on the page.
func flashText(code string) string {
	switch code {
	case "created":
		return "Article created."
	case "saved":
		return "Changes saved."
	case "restored":
		return "The revision was restored; it is now the newest revision."
	case "submitted":
		return "Sent for review; an editor publishes it or returns it with a note."
	case "returned":
		return "Returned to the author with your note."
	case "note-added":
		return "Note added; readers see it under the article."
	case "note-edited":
		return "Note changed; readers see the new text under the article."
	case "note-deleted":
		return "Note deleted; readers no longer see it."
	case "published":
		return "Article published."
	case "scheduled":
		return "Article scheduled."
	case "unpublished":
		return "Article unpublished; readers now get “gone”."
	case "deleted":
		return "Article deleted."
	case "comp-granted":
		return "Complimentary access granted."
	case "comp-ended":
		return "The grant ended: the member has no access through it from now on."
	case "institution-created":
		return "Institution created."
	case "institution-saved":
		return "Institution saved."
	case "webhook-paused":
		return "Endpoint paused: new events are not sent to it."
	case "webhook-resumed":
		return "Endpoint resumed."
	case "webhook-deleted":
		return "Endpoint deleted with its delivery log."
	case "webhook-redelivered":
		return "Delivery queued again; it is sent within a few seconds."
	case "job-retried":
		return "The job is due now; a worker runs it within a few seconds."
	case "image-uploaded":
		return "Image uploaded. Describe it for readers who cannot see it before using it."
	case "image-saved":
		return "Image saved."
	case "image-deleted":
		return "Image deleted."
	case "job-discarded":
		return "The job was discarded; it will not run."
	case "reindex-queued":
		return "A rebuild of the search index is queued; searches keep working and see the index fill up."
	}
	return ""
}

// siteName is the publication's name in force: the one set in the site
// settings on any instance, as the reader site keeps it (Deps.SiteName),
// else the started one. Asking reads nothing from the database.
func (h *Handler) siteName() string {
	if h.deps.SiteName != nil {
		if n := h.deps.SiteName(); n != "" {
			return n
		}
	}
	return h.cfg.SiteName
}

func (h *Handler) page(r *http.Request, me *masthead.Member, title string) page {
	return page{
		Site:   h.siteName(),
		Title:  title,
		Me:     me,
		CSSURL: h.assets.url("admin.css"),
		JSURL:  h.assets.url("admin.js"),
		Flash:  flashText(r.URL.Query().Get("msg")),
		// Only staff see it: the sign-in pages are public.
		NoEmail: me != nil && h.cfg.Email == masthead.EmailNone,
	}
}

// option is one entry of a select.
type option struct {
	Value    string
	Label    string
	Selected bool
}

// button is one submit button of the article form; Action is the value
// of the "action" field it sends.
type button struct {
	Action  string
	Label   string
	Primary bool
}

type errorView struct {
	page
	Status     int
	StatusText string
	Message    string
}

type messageView struct {
	page
	Heading  string
	Message  string
	Link     string
	LinkText string
}

type loginView struct {
	page
	Email string
	Error string
	Sent  bool
}

type signInView struct {
	page
	Token string
}

type listView struct {
	page
	Query    string
	Statuses []option
	Accesses []option
	Kinds    []option
	Columns  []option
	Authors  []option
	Topics   []option
	// OwnOnly is set for authors, whose list shows their own articles.
	OwnOnly bool
	Rows    []listRow
	Total   int
	PageNum int
	Pages   int
	PrevURL string
	NextURL string
}

type listRow struct {
	EditURL     string
	InReview    bool
	Title       string
	Slug        string
	Status      string
	StatusLabel string
	When        string
	WhenLabel   string
	Authors     string
	Kind        string
	Access      string
	Column      string
}

// articleForm holds the article form exactly as typed, so a form with
// errors comes back with everything the editor wrote.
type articleForm struct {
	Title        string
	Slug         string
	Dek          string
	Body         string
	Access       string
	Kind         string
	Column       string
	Authors      string
	Topics       string
	Regions      string
	ScheduleAt   string
	ImageURL     string
	ImageAlt     string
	ImageCaption string
	// ImageID is the library image chosen as featured image ("" for
	// none or an image given by URL).
	ImageID string
	// The words typed with an image uploaded from the editor, shown
	// again when the upload is refused.
	UploadAlt, UploadCaption, UploadCredit string
	// BaseRevision is the newest revision when the form was opened
	// ("" for a new article): a save based on an older one is refused.
	BaseRevision string
	// ReviewNote is an editor's note when returning the article.
	ReviewNote string
}

type editView struct {
	page
	New     bool
	ID      int64
	Action  string // the form's URL
	Form    articleForm
	Errors  map[string]string
	Message string // the error not tied to one field
	// OtherErrors are messages for fields the form does not show.
	OtherErrors []string
	Status      string
	StatusLabel string
	StatusNote  string // e.g. "Published 3 May 2025 09:00 CEST"
	// ShowSchedule hides the schedule field for published articles.
	ShowSchedule bool
	TimeZone     string
	Accesses     []option
	Kinds        []option
	Columns      []option
	KnownAuthors string
	KnownTopics  string
	KnownRegions string
	Buttons      []button
	CanDelete    bool
	HasPreview   bool
	Preview      template.HTML
	// Fixed shows the access level (AccessLabel) and the bylines as text:
	// an author's save keeps them.
	Fixed       bool
	AccessLabel string
	// History is the article's history, newest first.
	History []historyRow
	// Notice confirms what a library button did to the form.
	Notice string
	// Library is the newest images, to insert or feature; CanUpload
	// shows the upload field, posted to UploadAction.
	Library      []libraryItem
	CanUpload    bool
	UploadAction string
	MaxSize      string

	// The writing desk (revisions.go, notes.go): the revisions page,
	// the address readers see once live, autosave (drafts only) and
	// whether the slug still follows the title.
	RevisionsURL string
	ViewURL      string
	Autosave     bool
	SlugLocked   bool
	// Stale is set when a save was refused for a newer revision.
	Stale bool
	// InReview, Returned and ReviewNote say where the article stands in
	// review; CanReturn shows the editor's note field.
	InReview   bool
	Returned   bool
	ReviewNote string
	CanReturn  bool
	// Notes are the corrections and updates; CanNote shows the form
	// that adds one (editors, on a live article).
	Notes      []noteRow
	CanNote    bool
	NoteKind   string
	NoteBody   string
	NoteErrors map[string]string
	// CanEditNotes: an editor may edit and delete the notes.
	CanEditNotes bool
}

// noteRow is a correction or an update as the editor lists it, with its
// edit form: Kind and Text as typed, Errors and Open when an edit of it
// was refused.
type noteRow struct {
	ID     int64
	Label  string
	When   string
	Body   string
	Kind   string
	Text   string
	Errors map[string]string
	Open   bool
}

// mediaView is the media library page.
type mediaView struct {
	page
	Images       []libraryItem
	Form         mediaForm
	Errors       map[string]string
	Message      string
	UploadAction string
	MaxSize      string
	PrevURL      string
	NextURL      string
}

// mediaImageView is one image's page: its variants, its words, and its
// deletion.
type mediaImageView struct {
	page
	Item      libraryItem
	Form      mediaForm
	Errors    map[string]string
	Message   string
	Format    string
	Bytes     string
	Uses      int
	CanDelete bool
	Srcset    string
	Variants  []variantLink
}

// variantLink is one stored width of an image.
type variantLink struct {
	Width          int
	WebP, Fallback string
	Ext            string
}

// historyRow is one entry of an article's history as the editor shows
// it.
type historyRow struct {
	When    string
	Who     string
	Changes []string // "Access: Metered → Free"
}

type deleteView struct {
	page
	ID        int64
	Title     string
	Published bool
}

type staffView struct {
	page
	Staff []staffRow
}

type staffRow struct {
	ID         int64
	Email      string
	Name       string
	Role       string
	AuthorSlug string
	Since      string
}
