package admin

import (
	"context"
	"net/http"
	"strconv"

	"masthead"
)

// The queue page (/admin/jobs), for admins: the jobs still to run, those
// running, and those that failed with their error, with "retry now" and
// "discard". Done jobs are counted, not listed: their payload is blank
// and they are pruned after a week.

var errNoJobPages = masthead.Errorf(masthead.ENOTFOUND, "The job queue is not available on this server.")

type jobsView struct {
	page
	Counts []jobCount
	Groups []jobGroup
}

type jobCount struct {
	State masthead.JobState
	N     int
}

type jobGroup struct {
	State masthead.JobState
	Title string
	Jobs  []jobRow
	// Actions: pending and failed jobs may be retried or discarded.
	Actions bool
}

type jobRow struct {
	ID        int64
	Kind      string
	Attempts  string // "2 of 8"
	RunAt     string // due, or lease end of a running job
	Updated   string
	LockedBy  string
	LastError string
}

// jobListLimit bounds each state's list on the page.
const jobListLimit = 100

func (h *Handler) jobList(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if h.deps.Jobs == nil {
		return errNoJobPages
	}
	ctx := r.Context()
	counts, err := h.deps.Jobs.JobCounts(ctx)
	if err != nil {
		return err
	}
	v := &jobsView{page: h.page(r, me, "Jobs")}
	v.Section = "jobs"
	for _, s := range masthead.JobStates {
		v.Counts = append(v.Counts, jobCount{State: s, N: counts[s]})
	}
	for _, g := range []jobGroup{
		{State: masthead.JobFailed, Title: "Failed", Actions: true},
		{State: masthead.JobRunning, Title: "Running"},
		{State: masthead.JobPending, Title: "Pending", Actions: true},
	} {
		list, err := h.deps.Jobs.Jobs(ctx, masthead.JobFilter{State: g.State, Limit: jobListLimit})
		if err != nil {
			return err
		}
		for _, j := range list {
			g.Jobs = append(g.Jobs, jobRow{ID: j.ID, Kind: j.Kind,
				Attempts: strconv.Itoa(j.Attempts) + " of " + strconv.Itoa(j.MaxAttempts),
				RunAt:    h.formatTime(j.RunAt), Updated: h.formatTime(j.UpdatedAt),
				LockedBy: j.LockedBy, LastError: j.LastError})
		}
		v.Groups = append(v.Groups, g)
	}
	return h.render(w, http.StatusOK, "jobs", v)
}

// jobRetry makes a pending or failed job due now, with a fresh round of
// attempts.
func (h *Handler) jobRetry(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	return h.jobAction(w, r, masthead.JobService.RetryJob, "job-retried")
}

// jobDiscard drops a pending or failed job.
func (h *Handler) jobDiscard(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	return h.jobAction(w, r, masthead.JobService.DiscardJob, "job-discarded")
}

// jobReindex queues a rebuild of the search index (the reindex job,
// as `masthead reindex --background` does); one already queued or
// running is not started twice.
func (h *Handler) jobReindex(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if h.deps.Jobs == nil {
		return errNoJobPages
	}
	if err := parseForm(w, r, 4<<10); err != nil {
		return err
	}
	if err := h.deps.Jobs.EnqueueJob(r.Context(), masthead.ReindexJob()); err != nil {
		return err
	}
	h.deps.Logger.InfoContext(r.Context(), "admin: reindex queued", "by", me.ID)
	http.Redirect(w, r, "/admin/jobs?msg=reindex-queued", http.StatusSeeOther)
	return nil
}

// jobAction runs act on the job in the path. act is a method expression
// of masthead.JobService, so a server without the queue answers 404 here
// rather than failing on a method value of a nil Jobs.
func (h *Handler) jobAction(w http.ResponseWriter, r *http.Request, act func(s masthead.JobService, ctx context.Context, id int64) error, msg string) error {
	if h.deps.Jobs == nil {
		return errNoJobPages
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return masthead.Errorf(masthead.ENOTFOUND, "There is no such job.")
	}
	if err := parseForm(w, r, 4<<10); err != nil {
		return err
	}
	if err := act(h.deps.Jobs, r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/jobs?msg="+msg, http.StatusSeeOther)
	return nil
}
