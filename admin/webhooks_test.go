package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"masthead"
	"masthead/admin"
)

func TestWebhookPages(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		f.with(func(d *admin.Deps) { d.Webhooks = f.db })
		adminC := f.staff("admin@example.com", masthead.RoleAdmin, "")
		editor := f.staff("editor@example.com", masthead.RoleEditor, "")
		author := f.staff("author@example.com", masthead.RoleAuthor, "jane-doe")
		form := func(u string, events ...string) url.Values {
			return url.Values{"url": {u}, "description": {"Search indexer"}, "events": events}
		}
		f.run([]req{
			{name: "signed out", url: "/admin/webhooks", wantStatus: http.StatusSeeOther, wantLocation: "/admin/login"},
			{name: "editors may not", url: "/admin/webhooks", cookie: editor, wantStatus: http.StatusForbidden},
			{name: "authors may not post", url: "/admin/webhooks", cookie: author, form: form("https://x.example/", "member.created"),
				wantStatus: http.StatusForbidden},
			{name: "empty list", url: "/admin/webhooks", cookie: adminC, wantStatus: 200,
				wantContains: []string{"No endpoints yet.", `value="article.published"`, `value="subscription.changed"`}},
			{name: "not http", url: "/admin/webhooks", cookie: adminC, form: form("ftp://files.example.com/in", "member.created"),
				wantStatus: http.StatusBadRequest,
				wantContains: []string{"URL must start with http:// or https://", `value="ftp://files.example.com/in"`,
					`value="Search indexer"`, `value="member.created" checked`},
				wantNotContains: []string{`value="article.published" checked`}},
			{name: "no events", url: "/admin/webhooks", cookie: adminC, form: form("https://hooks.example.com/in"),
				wantStatus: http.StatusBadRequest, wantContains: []string{"Choose at least one event.", `value="https://hooks.example.com/in"`}},
		})
		if eps, _ := f.db.WebhookEndpoints(ctx); len(eps) != 0 {
			t.Fatalf("refused forms stored endpoints: %v", eps)
		}

		// Registration answers with the secret, once.
		w := f.do(req{name: "create", url: "/admin/webhooks", cookie: adminC,
			form:       form("https://hooks.example.com/in", "article.published", "member.created"),
			wantStatus: http.StatusCreated, wantContains: []string{"copy it now", "whsec_", "article.published, member.created"}})
		secret := regexp.MustCompile(`whsec_[0-9a-f]{64}`).FindString(w.Body.String())
		eps, err := f.db.WebhookEndpoints(ctx)
		if err != nil || len(eps) != 1 || secret == "" || eps[0].Secret != secret {
			t.Fatalf("endpoints %+v, secret shown %q, %v", eps, secret, err)
		}
		ep := eps[0]
		page := fmt.Sprintf("/admin/webhooks/%d", ep.ID)
		f.run([]req{
			{name: "secret not shown again", url: page, cookie: adminC, wantStatus: 200,
				wantContains: []string{"https://hooks.example.com/in", "No deliveries yet."}, wantNotContains: []string{secret}},
			{name: "list", url: "/admin/webhooks", cookie: adminC, wantStatus: 200,
				wantContains: []string{`href="` + page + `"`, "Search indexer"}, wantNotContains: []string{secret}},
			{name: "editor on the endpoint", url: page, cookie: editor, wantStatus: http.StatusForbidden},
			{name: "unknown endpoint", url: "/admin/webhooks/999", cookie: adminC, wantStatus: http.StatusNotFound},
		})

		// Events fill the log; 55 deliveries make two pages.
		for i := range 55 {
			if _, err := f.db.EnsureMember(ctx, fmt.Sprintf("reader%d@example.com", i), masthead.RoleNone); err != nil {
				t.Fatal(err)
			}
		}
		list, _, err := f.db.WebhookDeliveries(ctx, ep.ID, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		// The staff accounts above were created before the endpoint.
		if len(list) != 55 {
			t.Fatalf("%d deliveries, want 55", len(list))
		}
		failed := list[len(list)-1].ID // the oldest, on the log's last page
		if err := f.db.FinishWebhookAttempt(ctx, masthead.WebhookAttempt{DeliveryID: failed, At: f.clock.Now(), Code: 502,
			Error: "endpoint answered 502 Bad Gateway"}, masthead.WebhookFailed, time.Time{}); err != nil {
			t.Fatal(err)
		}
		delivery := fmt.Sprintf("%s/deliveries/%d", page, failed)
		f.run([]req{
			{name: "log page 1", url: page, cookie: adminC, wantStatus: 200,
				wantContains: []string{"member.created", "Page 1 of 2", `rel="next"`}},
			{name: "log page 2", url: page + "?page=2", cookie: adminC, wantStatus: 200,
				wantContains: []string{"Page 2 of 2", `rel="prev"`, "endpoint answered 502 Bad Gateway", "502", delivery + "/redeliver"}},
			{name: "delivery", url: delivery, cookie: adminC, wantStatus: 200,
				wantContains: []string{"Delivery #", "502", "endpoint answered 502 Bad Gateway", "reader0@example.com"}},
			{name: "delivery through another endpoint", url: fmt.Sprintf("/admin/webhooks/%d/deliveries/%d", ep.ID+1, failed),
				cookie: adminC, wantStatus: http.StatusNotFound},
			{name: "editor may not redeliver", url: delivery + "/redeliver", cookie: editor, form: url.Values{}, wantStatus: http.StatusForbidden},
			{name: "redeliver", url: delivery + "/redeliver", cookie: adminC, form: url.Values{"back": {"delivery"}},
				wantStatus: http.StatusSeeOther, wantLocation: delivery + "?msg=webhook-redelivered"},
			{name: "after redelivery", url: delivery + "?msg=webhook-redelivered", cookie: adminC, wantStatus: 200,
				wantContains: []string{"Delivery queued again", ">pending<"}},
		})
		d, _, _, err := f.db.WebhookDelivery(ctx, failed)
		if err != nil || d.Status != masthead.WebhookPending {
			t.Fatalf("after redelivery: %+v %v", d, err)
		}

		f.run([]req{
			{name: "pause", url: page + "/active", cookie: adminC, form: url.Values{"active": {"0"}},
				wantStatus: http.StatusSeeOther, wantLocation: page + "?msg=webhook-paused"},
			{name: "paused", url: page, cookie: adminC, wantStatus: 200, wantContains: []string{"paused: new events are not sent here", "Resume"}},
			{name: "cross-site delete refused", url: page + "/delete", cookie: adminC, form: url.Values{},
				headers: map[string]string{"Sec-Fetch-Site": "cross-site"}, wantStatus: http.StatusForbidden},
			{name: "delete", url: page + "/delete", cookie: adminC, form: url.Values{},
				wantStatus: http.StatusSeeOther, wantLocation: "/admin/webhooks?msg=webhook-deleted"},
			{name: "gone", url: page, cookie: adminC, wantStatus: http.StatusNotFound},
		})
		if got, _ := f.db.WebhookEndpoints(ctx); len(got) != 0 {
			t.Fatalf("after delete: %v", got)
		}
	})
}

func TestWebhookPagesOff(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		adminC := f.staff("admin@example.com", masthead.RoleAdmin, "")
		w := f.do(req{url: "/admin/webhooks", cookie: adminC, wantStatus: http.StatusNotFound})
		if !strings.Contains(w.Body.String(), "Webhooks are not available") {
			t.Errorf("body: %s", excerpt(w.Body.String()))
		}
	})
}
