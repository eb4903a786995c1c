package admin

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"masthead"
)

// IssueComposer composes a newsletter's next issue ahead of its draft
// time, as its schedule would (*newsletter.Engine). created is false
// when the issue of that window exists already.
type IssueComposer interface {
	ComposeNext(ctx context.Context, n *masthead.Newsletter, now time.Time) (is *masthead.Issue, created bool, err error)
}

// newsletterCompose is the desk's "Compose now": the newsletter's next
// issue is composed at once, by the engine's own path, and the editor
// lands on it to review. It goes out at its send time like any composed
// issue. A second press (or a press after the schedule composed it)
// makes nothing new and shows the issue there is.
func (h *Handler) newsletterCompose(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if h.deps.Composer == nil {
		return h.notFound(w, r)
	}
	if err := parseForm(w, r, 4<<10); err != nil {
		return err
	}
	ctx := r.Context()
	n, err := h.deps.Newsletters.Newsletter(ctx, r.PathValue("slug"))
	if err != nil {
		return err
	}
	if !n.Enabled {
		return masthead.Errorf(masthead.EINVALID, "%s is turned off; turn it on in its settings before composing an issue.", n.Name)
	}
	is, created, err := h.deps.Composer.ComposeNext(ctx, n, h.now())
	if err != nil {
		return fmt.Errorf("admin: compose %s: %w", n.Slug, err)
	}
	h.deps.Logger.InfoContext(ctx, "admin: newsletter composed now", "newsletter", n.Slug, "issue", is.ID,
		"created", created, "by", me.ID)
	flash := "composed"
	if !created {
		flash = "already-composed"
	}
	http.Redirect(w, r, issuePath(is.ID)+"?msg="+flash, http.StatusSeeOther)
	return nil
}
