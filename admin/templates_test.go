package admin

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"masthead"
)

// TestTemplates executes every page template with a filled view and with
// an empty one, and fails if a page is left out.
func TestTemplates(t *testing.T) {
	h := New(Config{SiteName: "The Test Review"}, Deps{})
	r := httptest.NewRequest("GET", "/admin/?msg=saved", nil)
	me := &masthead.Member{Email: "ed@example.com", Role: masthead.RoleAdmin}
	base := h.page(r, me, "Title")
	opts := []option{{"a", "A", false}, {"b", "B", true}}
	views := map[string][]any{
		"error":   {&errorView{page: base, Status: 404, StatusText: "Not Found", Message: "No such page."}, &errorView{}},
		"message": {&messageView{page: base, Heading: "H", Message: "M", Link: "/admin/login", LinkText: "L"}, &messageView{}},
		"login":   {&loginView{page: h.page(r, nil, "Sign in"), Email: "x@example.com", Error: "Bad."}, &loginView{Sent: true}},
		"signin":  {&signInView{page: base, Token: "tok"}, &signInView{}},
		"list": {&listView{page: base, Query: "q", Statuses: opts, Accesses: opts, Kinds: opts, Columns: opts, Authors: opts, Topics: opts,
			Rows: []listRow{{EditURL: "/admin/articles/1", Title: "T", Slug: "t", Status: "draft", StatusLabel: "Draft",
				When: "now", WhenLabel: "Updated", Authors: "A", Kind: "K", Access: "Free", Column: "C"}},
			Total: 1, PageNum: 2, Pages: 3, PrevURL: "/admin/?page=1", NextURL: "/admin/?page=3"}, &listView{OwnOnly: true}},
		"edit": {&editView{page: base, ID: 7, Action: "/admin/articles/7", Form: articleForm{Title: "T", Body: "<b>"},
			Errors: map[string]string{"title": "E", "slug": "E", "dek": "E", "body": "E", "access": "E", "kind": "E", "column": "E",
				"published_at": "E", "authors": "E", "topics": "E", "regions": "E", "image_url": "E", "image_alt": "E"},
			Message: "M", OtherErrors: []string{"O"}, Status: "scheduled", StatusLabel: "Scheduled", StatusNote: "N", ShowSchedule: true,
			TimeZone: "UTC", Accesses: opts, Kinds: opts, Columns: opts, KnownAuthors: "a", KnownTopics: "b", KnownRegions: "c",
			Buttons: []button{{"save", "Save", true}}, CanDelete: true, HasPreview: true, Preview: template.HTML("<p>P</p>"),
			Notice: "N", CanUpload: true, UploadAction: "/admin/media/upload?to=7", MaxSize: "20 MB",
			Library:      []libraryItem{{ID: 1, Thumb: "/media/t.webp", Alt: "A"}, {ID: 2, Thumb: "/media/u.webp"}},
			RevisionsURL: "/admin/articles/7/revisions", ViewURL: "http://x/articles/t", Autosave: true, SlugLocked: true, Stale: true,
			InReview: true, Returned: true, ReviewNote: "R", CanReturn: true, Notes: []noteRow{{ID: 3, Label: "Correction", When: "now", Body: "B", Kind: "update", Text: "T", Errors: map[string]string{"note_body": "E"}, Open: true}}, CanNote: true, CanEditNotes: true,
			NoteKind: "update", NoteErrors: map[string]string{"note_kind": "E", "note_body": "E"}},
			&editView{New: true}},
		"revisions": {&revisionsView{page: base, ArticleID: 7, EditURL: "/admin/articles/7",
			Rows: []revisionRow{{ID: 2, When: "now", Who: "w", Kind: "Saved", Title: "T", Current: true, To: true}, {ID: 1, From: true}},
			Compare: &compareView{FromID: 1, ToID: 2, Fields: []fieldDiff{{"Title", "A", "B"}}, Same: false, CanRestore: true,
				Rows: sideBySide("a\nb\nc\nd\ne\nf\ng\nh\ni", "a\nB b\nc\nd\ne\nf\ng\nh\nj\nk")}},
			&revisionsView{}},
		"media": {&mediaView{page: base, Images: []libraryItem{{ID: 1, EditURL: "/admin/media/1", Thumb: "/t", Alt: "A", Size: "1 × 1", When: "now", Uploader: "U"}, {ID: 2}},
			Form: mediaForm{"A", "C", "R"}, Errors: map[string]string{"image": "E", "alt": "E", "caption": "E", "credit": "E"}, Message: "M",
			UploadAction: "/admin/media/upload", MaxSize: "20 MB", PrevURL: "/p", NextURL: "/n"}, &mediaView{}},
		"media_image": {&mediaImageView{page: base, Item: libraryItem{ID: 1, EditURL: "/admin/media/1", URL: "/u", Alt: "A", Markdown: "![A](/u)"},
			Form: mediaForm{"A", "C", "R"}, Errors: map[string]string{"alt": "E", "caption": "E", "credit": "E"}, Message: "M", Format: "JPEG",
			Bytes: "1 KB", Uses: 2, CanDelete: true, Srcset: "/a 480w", Variants: []variantLink{{Width: 480, WebP: "/w", Fallback: "/f", Ext: "JPG"}}},
			&mediaImageView{}},
		"delete": {&deleteView{page: base, ID: 7, Title: "T", Published: true}, &deleteView{}},
		"staff":  {&staffView{page: base, Staff: []staffRow{{Email: "e", Role: "admin"}}}, &staffView{}},
		"members": {&membersView{page: base, Query: "q", States: opts, Rows: []memberRow{{ID: 1, Email: "e", Name: "N", Verified: true, Role: "admin", Access: "complimentary"}},
			NextURL: "/admin/members?before=1", FirstURL: "/admin/members"}, &membersView{}},
		"member": {&memberView{page: base, Member: &masthead.Member{ID: 1, Email: "e", Name: "N", Role: masthead.RoleAdmin}, Verified: "now",
			Entitlements: []entitlementRow{{ID: 2, Source: "institution", Institution: "U", InstID: 3, Current: true, CanEnd: true, EndedBy: "x"}},
			Unlocks:      []unlockRow{{"T", "t", "now"}}, Consents: []consentRow{{"free", true, "W", "now"}}, Events: []eventRow{{"k", "d", "a", "now"}},
			Comp: compForm{"2026-01-01", "n"}, Errors: map[string]string{"until": "E", "note": "E"}, Message: "M",
			Billing:     &billingLinks{CustomerID: "cus_1", CustomerURL: "u", Subscriptions: []subscriptionLink{{ID: "sub_1", URL: "u", Status: "active"}}},
			Newsletters: []memberNewsletterRow{{Name: "Daily", Subscribed: true, Since: "now"}}},
			&memberView{Member: &masthead.Member{}}},
		"institutions": {&institutionsView{page: base, Rows: []institutionRow{{ID: 1, Name: "U", Seats: "1 / 2", Full: true, Refused: 3}}}, &institutionsView{}},
		"institution": {&institutionView{page: base, ID: 1, Institution: &masthead.Institution{Name: "U", SeatsRefused: 2, SeatLimit: 1, SeatsUsed: 1},
			Errors: map[string]string{"name": "E", "ranges": "E", "domains": "E", "seat_limit": "E", "starts_at": "E", "ends_at": "E"}, Message: "M"},
			&institutionView{New: true}},
		"newsletters": {&newslettersView{page: base, Newsletters: []newsletterRow{{Slug: "daily", Name: "D", Audience: "A", Schedule: "fri 14:00",
			Issues: []issueRow{{ID: 1, Subject: "S", Status: "sent", When: "now", Total: 3, Sent: 2, Bounced: 1}}}, {Slug: "free"}}}, &newslettersView{}},
		"newsletter": {&newsletterView{page: base, Slug: "daily", Form: newsletterForm{Name: "D", Template: "<b>{{.Subject}}</b>", Enabled: true},
			Audiences: opts, Errors: map[string]string{"name": "E", "audience": "E", "schedule": "E", "draft_lead": "E", "cutoff": "E",
				"from_name": "E", "from_address": "E", "reply_to": "E", "template": "Line 1: E"}, Message: "M", SiteFrom: "S <s@example.com>"},
			&newsletterView{}},
		"issue": {&issueView{page: base, ID: 1, Newsletter: "D", NewsletterSlug: "daily", Status: "sending", StatusNote: "N", Editable: true,
			SendAt: "now", Window: "w", Errors: map[string]string{"status": "E", "force": "E", "send_at": "E", "subject": "E", "articles": "E"},
			Message: "M", Articles: []issueArticleRow{{Slug: "a", Title: "A", First: true}, {Slug: "b", Title: "B", Last: true}},
			Query: "q", Searched: true, Results: []issueArticleRow{{Slug: "c", Title: "C"}}, CanSchedule: true, CanSendNow: true,
			CanHold: true, CanPause: true, CanResume: true, CanCancel: true, Empty: true, ScheduleAt: "2025-01-01T06:00", TimeZone: "UTC",
			Counts: masthead.DeliveryCounts{Total: 2, Sent: 1, Queued: 1}, Percent: 50, Sending: true, HasDeliveries: true, CanTest: true, MyEmail: "e"},
			&issueView{}},
		"issue_preview": {&previewView{page: base, ID: 1, Subject: "S", Email: "e", Segments: opts, Recipient: "e (registered)",
			Headers: []header{{"From", "F"}}, Text: "T", HTMLURL: "/admin/issues/1/preview.html"}, &previewView{Error: "E"}},
		"deliveries": {&deliveriesView{page: base, ID: 1, Subject: "S", Statuses: opts, Email: "e", Rows: []deliveryRow{{Email: "e", Status: "failed",
			Error: "550", Attempts: 2, Unsubscribed: "now"}}, NextURL: "/n", FirstURL: "/f"}, &deliveriesView{}},
		"suppressions": {&suppressionsView{page: base, Query: "q", Rows: []suppressionRow{{Email: "e", Reason: "bounce", Detail: "d", Since: "now", LiftURL: "/l"}},
			PageNum: 2, PrevURL: "/p", NextURL: "/n"}, &suppressionsView{}},
		"suppression_lift": {&liftView{page: base, Email: "e", Reason: "complaint", Detail: "abuse", Since: "now"}, &liftView{}},
		"offers": {&offersView{page: base, Rows: []offerRow{{ID: 1, Name: "N", Slug: "s", Plan: "monthly", Terms: "50 % off for 3 months",
			State: "running", Ends: "2026-12-31", Redemptions: "1 / 5", Featured: true}}}, &offersView{}},
		"offer": {&offerView{page: base, ID: 1, Form: offerForm{Name: "N", Slug: "s", Kind: "percent", Percent: "50", Months: "3", Active: true},
			Plans: opts, Kinds: opts, Message: "M", Coupons: true, SiteURL: "https://x",
			Offer: &masthead.Offer{Slug: "s", Redemptions: 1, MaxRedemptions: 5, CouponID: "c"}}, &offerView{New: true}},
		"plans": {&plansView{page: base, Plans: []planRow{{Plan: masthead.Plan{Slug: "monthly", Name: "M", Interval: "month", Active: true}, Price: "9.00"}},
			Error: "E", ErrorSlug: "monthly"}, &plansView{}},
		"dashboard": {&dashboardView{page: base, Days: 30, Ranges: opts, Query: "days=30", Funnel: template.HTML("<svg></svg>"),
			Weekly: []masthead.FunnelPoint{{WallViews: 3}}, ByDay: []masthead.FunnelPoint{{Registrations: 1}}, Months: []monthRow{{Month: "May", Churn: "1 %"}},
			Issues: []masthead.NewsletterPoint{{Subject: "S", Sent: 2}}, Top: []masthead.ArticleReads{{Slug: "a", Title: "A", Views: 3}},
			Conv: []conversionTable{{By: "article", Title: "By article", Rows: []masthead.Conversion{{Key: "a", Name: "A", Registrations: 1}}}}},
			&dashboardView{}},
		"webhooks": {&webhooksView{page: base, Endpoints: []*masthead.WebhookEndpoint{{ID: 1, URL: "https://h.example/x", Events: masthead.WebhookEventTypes, Description: "D", Failed: 1}},
			Form: newWebhookForm([]masthead.WebhookEventType{masthead.EventMemberCreated}), Errors: map[string]string{"url": "E", "events": "E", "description": "E"}, Message: "M"}, &webhooksView{}},
		"webhook": {&webhookView{page: base, Endpoint: &masthead.WebhookEndpoint{ID: 1, URL: "https://h.example/x", Events: masthead.WebhookEventTypes, Active: true},
			Secret: "whsec_x", Deliveries: []hookDeliveryRow{{ID: 2, Event: "member.created", Status: "pending", Next: "now", CanResend: false}, {ID: 3, Status: "failed", Code: 500, Error: "E", CanResend: true}},
			PageNum: 2, Pages: 3, PrevURL: "/p", NextURL: "/n"}, &webhookView{Endpoint: &masthead.WebhookEndpoint{}}},
		"webhook_delivery": {&webhookDeliveryView{page: base, Endpoint: &masthead.WebhookEndpoint{ID: 1}, Delivery: hookDeliveryRow{ID: 2, Status: "failed", CanResend: true},
			Attempts: []hookAttemptRow{{N: 1, Code: 500, Error: "E"}}, Payload: "{}", ResendURL: "/r"}, &webhookDeliveryView{Endpoint: &masthead.WebhookEndpoint{}}},
		"jobs": {&jobsView{page: base, Counts: []jobCount{{State: masthead.JobFailed, N: 1}},
			Groups: []jobGroup{{State: masthead.JobFailed, Title: "Failed", Actions: true, Jobs: []jobRow{{ID: 1, Kind: "k", Attempts: "8 of 8", LastError: "E"}}},
				{State: masthead.JobRunning, Title: "Running", Jobs: []jobRow{{ID: 2, LockedBy: "w"}}}}}, &jobsView{}},
		"apikeys": {&apiKeysView{page: base, Keys: []apiKeyRow{{ID: 1, Kind: "content", Name: "N", Hint: "mhc_abc", Rights: "R", Created: "now"},
			{ID: 2, Kind: "admin", Name: "T", Revoked: "now"}}, Secret: "mha_x", SecretName: "T", Form: apiKeyForm{Kind: "admin", Role: "admin"},
			Errors: map[string]string{"name": "E", "kind": "E", "role": "E"}, Message: "M"}, &apiKeysView{}},
		"settings": {&settingsView{page: base, Form: settingsForm{Name: "N", FooterLinks: "About | /about"}, Defaults: settingsForm{Name: "D", TeaserWords: "150"},
			Errors: map[string]string{"name": "E", "tagline": "E", "logo_url": "E", "accent": "E", "footer_links": "E", "social": "E",
				"ads_html": "E", "meter_credits": "E", "meter_period": "E", "teaser_words": "E"}, Message: "M", Periods: opts}, &settingsView{}},
		"home": {&homeLayoutView{page: base, Form: homeForm{Lead: "a", Pinned: "b", Sections: "topic:x 3"}, Recent: opts, Topics: "x", Columns: "y",
			Errors: map[string]string{"lead": "E", "pinned": "E", "sections": "E"}, Message: "M"}, &homeLayoutView{}},
		"taxonomy": {&taxonomyView{page: base, Kind: masthead.TermColumn, Plural: "Columns", Intro: "I", NewURL: "/admin/columns/new", Columns: true,
			Rows: []taxonomyRow{{Name: "N", Slug: "n", About: "A", EditURL: "/admin/columns/n", SiteURL: "/columns/n", Columnist: "C", Position: 2}}}, &taxonomyView{}},
		"term": {&termView{page: base, Kind: masthead.TermTopic, Old: "t", Action: "/admin/topics/t", SiteURL: "/topics/t",
			Form: masthead.Term{Slug: "t", Name: "T", Description: "D"}, Errors: map[string]string{"name": "E", "slug": "E", "description": "E", "into": "E"},
			Message: "M", Others: opts}, &termView{New: true}},
		"column": {&columnView{page: base, Action: "/admin/columns/c", SiteURL: "/columns/c", Form: columnForm{Name: "C", Slug: "c", Position: "1"},
			Errors:  map[string]string{"name": "E", "slug": "E", "description": "E", "columnist": "E", "position": "E", "image_url": "E"},
			Message: "M", Authors: opts}, &columnView{New: true}},
		"author": {&authorView{page: base, Action: "/admin/authors/a", SiteURL: "/authors/a", CanMerge: true, MergeInto: "b", MergeError: "E", Form: authorForm{Name: "A", Slug: "a", Links: "https://x.example/"},
			Errors:  map[string]string{"name": "E", "slug": "E", "bio": "E", "photo_url": "E", "links": "E", "account": "E"},
			Message: "M", Accounts: opts}, &authorView{Own: true}},
	}
	for name := range h.pages {
		if _, ok := views[name]; !ok {
			t.Errorf("template %q has no test view", name)
		}
	}
	for name, vs := range views {
		for i, v := range vs {
			w := httptest.NewRecorder()
			if err := h.render(w, 200, name, v); err != nil {
				t.Errorf("%s #%d: %v", name, i, err)
				continue
			}
			body := w.Body.String()
			if !strings.Contains(body, "</html>") {
				t.Errorf("%s #%d: page incomplete", name, i)
			}
			if i == 0 && !strings.Contains(body, `<link rel="stylesheet" href="/admin/static/admin.`) {
				t.Errorf("%s: no stylesheet", name)
			}
		}
	}
	if err := h.render(httptest.NewRecorder(), 200, "nope", nil); err == nil {
		t.Error("rendering an unknown template succeeded")
	}
}

// TestEditFormFields checks that every field message the form can show
// has its place, so a message the store sends is never lost.
func TestEditFormFields(t *testing.T) {
	h := New(Config{}, Deps{})
	for _, field := range []string{"title", "slug", "dek", "body", "access", "kind", "column", "authors", "topics", "regions", "image_url", "image_alt"} {
		if !formShows(field, false) {
			t.Errorf("%s: not shown", field)
		}
		w := httptest.NewRecorder()
		v := &editView{page: h.page(httptest.NewRequest("GET", "/", nil), &masthead.Member{Role: masthead.RoleEditor}, "x"),
			Errors: map[string]string{field: "MSG-" + field}}
		if err := h.render(w, 200, "edit", v); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(w.Body.String(), ">MSG-"+field+"</p>") {
			t.Errorf("%s: message not rendered beside the field", field)
		}
	}
}

func TestStaticAssets(t *testing.T) {
	h := New(Config{}, Deps{Clock: fixedClock{}})
	for _, name := range []string{"admin.css", "admin.js"} {
		u := h.assets.url(name)
		if u == "" || u == "/admin/static/"+name {
			t.Fatalf("%s: url %q carries no content hash", name, u)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", u, nil))
		if w.Code != 200 || !strings.Contains(w.Header().Get("Cache-Control"), "immutable") || w.Body.Len() == 0 {
			t.Errorf("%s: %d %q, %d bytes", u, w.Code, w.Header().Get("Cache-Control"), w.Body.Len())
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/admin/static/admin.css", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("unhashed asset name: %d, want 404", w.Code)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/admin/no/such/page", nil))
	if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "no such page") {
		t.Errorf("unknown page: %d", w.Code)
	}
	if w.Header().Get("Cache-Control") != "no-store" || !strings.Contains(w.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("staff pages lack no-store or CSP: %v", w.Header())
	}
}

type fixedClock struct{}

func (fixedClock) Now() time.Time { return time.Date(2025, 5, 20, 10, 0, 0, 0, time.UTC) }
