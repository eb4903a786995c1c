package admin_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"masthead"
	"masthead/admin"
)

// TestJobPages: admins see the queue by state, a failed job with its
// error, and may retry or discard a job; others may not, and a
// cross-site post is refused.
func TestJobPages(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		f.with(func(d *admin.Deps) { d.Jobs = f.db })
		adminC := f.staff("admin@example.com", masthead.RoleAdmin, "")
		editor := f.staff("editor@example.com", masthead.RoleEditor, "")

		for _, kind := range []string{"mail-a", "mail-b"} {
			if err := f.db.EnqueueJob(ctx, masthead.Job{Kind: kind, Payload: []byte(`{}`), MaxAttempts: 1}); err != nil {
				t.Fatal(err)
			}
		}
		// mail-a runs once and fails for good.
		claimed, err := f.db.ClaimJobs(ctx, "worker-1", []string{"mail-a"}, f.clock.Now(), time.Minute, 10)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim: %v %v", claimed, err)
		}
		failed := claimed[0].ID
		if err := f.db.FailJob(ctx, failed, "worker-1", "dial tcp: connection refused", f.clock.Now().Add(time.Minute), false); err != nil {
			t.Fatal(err)
		}
		js, _ := f.db.Jobs(ctx, masthead.JobFilter{State: masthead.JobPending})
		if len(js) != 1 {
			t.Fatalf("pending: %+v", js)
		}
		pending := js[0].ID
		retry := fmt.Sprintf("/admin/jobs/%d/retry", failed)
		f.run([]req{
			{name: "signed out", url: "/admin/jobs", wantStatus: http.StatusSeeOther, wantLocation: "/admin/login"},
			{name: "editors may not", url: "/admin/jobs", cookie: editor, wantStatus: http.StatusForbidden},
			{name: "editors may not retry", url: retry, method: http.MethodPost, cookie: editor, wantStatus: http.StatusForbidden},
			{name: "list", url: "/admin/jobs", cookie: adminC, wantStatus: 200,
				wantContains: []string{"pending: 1", "failed: 1", "dial tcp: connection refused", "mail-a", "mail-b",
					`action="` + retry + `"`, fmt.Sprintf(`action="/admin/jobs/%d/discard"`, pending)}},
			{name: "cross-site retry", url: retry, method: http.MethodPost, cookie: adminC,
				headers: map[string]string{"Sec-Fetch-Site": "cross-site"}, wantStatus: http.StatusForbidden},
			{name: "retry", url: retry, method: http.MethodPost, cookie: adminC,
				wantStatus: http.StatusSeeOther, wantLocation: "/admin/jobs?msg=job-retried"},
			{name: "discard", url: fmt.Sprintf("/admin/jobs/%d/discard", pending), method: http.MethodPost, cookie: adminC,
				wantStatus: http.StatusSeeOther, wantLocation: "/admin/jobs?msg=job-discarded"},
			{name: "discard again", url: fmt.Sprintf("/admin/jobs/%d/discard", pending), method: http.MethodPost, cookie: adminC,
				wantStatus: http.StatusConflict},
			{name: "unknown", url: "/admin/jobs/999999/retry", method: http.MethodPost, cookie: adminC, wantStatus: http.StatusNotFound},
			{name: "after", url: "/admin/jobs?msg=job-retried", cookie: adminC, wantStatus: 200,
				wantContains: []string{"The job is due now", "pending: 1", "failed: 0", "discarded: 1"}},
		})
		j, err := f.db.Job(ctx, failed)
		if err != nil || j.State != masthead.JobPending || j.Attempts != 0 || j.RunAt.After(f.clock.Now()) {
			t.Errorf("retried job: %+v %v", j, errors.Unwrap(err))
		}

		// A reindex, started twice: one job.
		f.run([]req{
			{name: "list has the reindex button", url: "/admin/jobs", cookie: adminC, wantStatus: 200,
				wantContains: []string{`action="/admin/jobs/reindex"`, "Rebuild the search index"}},
			{name: "editors may not reindex", url: "/admin/jobs/reindex", cookie: editor, form: url.Values{}, wantStatus: http.StatusForbidden},
			{name: "reindex", url: "/admin/jobs/reindex", cookie: adminC, form: url.Values{},
				wantStatus: http.StatusSeeOther, wantLocation: "/admin/jobs?msg=reindex-queued"},
			{name: "reindex again", url: "/admin/jobs/reindex", cookie: adminC, form: url.Values{},
				wantStatus: http.StatusSeeOther, wantLocation: "/admin/jobs?msg=reindex-queued"},
			{name: "queued", url: "/admin/jobs?msg=reindex-queued", cookie: adminC, wantStatus: 200,
				wantContains: []string{"A rebuild of the search index is queued", masthead.JobReindex}},
		})
		js, err = f.db.Jobs(ctx, masthead.JobFilter{State: masthead.JobPending})
		n := 0
		for _, j := range js {
			if j.Kind == masthead.JobReindex {
				n++
			}
		}
		if err != nil || n != 1 {
			t.Errorf("%d reindex jobs pending (%v), want 1", n, err)
		}
	})
}

// TestJobPagesWithoutQueue: a server without the queue answers its pages
// and actions with 404.
func TestJobPagesWithoutQueue(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		root := f.staff("root@example.com", masthead.RoleAdmin, "")
		f.run([]req{
			{name: "list", url: "/admin/jobs", cookie: root, wantStatus: http.StatusNotFound},
			{name: "retry", url: "/admin/jobs/1/retry", cookie: root, form: url.Values{}, wantStatus: http.StatusNotFound},
			{name: "discard", url: "/admin/jobs/1/discard", cookie: root, form: url.Values{}, wantStatus: http.StatusNotFound},
			{name: "reindex", url: "/admin/jobs/reindex", cookie: root, form: url.Values{}, wantStatus: http.StatusNotFound},
		})
	})
}
