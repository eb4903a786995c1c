package newsletter

import (
	"context"
	"fmt"
	"slices"
	"time"

	"masthead"
)

// ComposeSlots lists the send times of n whose issue is due to be
// composed at now: every slot from the cut-off behind now to the draft
// lead ahead of it. The leader enqueues a compose job for each, once per
// slot (jobs.go).
func (e *Engine) ComposeSlots(n *masthead.Newsletter, now time.Time) []time.Time {
	loc := e.site.loc()
	var out []time.Time
	slot := n.Schedule.Next(now.Add(-n.Cutoff), loc)
	for i := 0; i < 16 && !slot.IsZero() && !slot.Add(-n.DraftLead).After(now); i++ {
		out = append(out, slot)
		slot = n.Schedule.Next(slot, loc)
	}
	return out
}

// Window returns the start of the window of the issue sent at slot: the
// newsletter's previous send time. The window ends at slot.
func Window(n *masthead.Newsletter, slot time.Time, loc *time.Location) time.Time {
	prev := n.Schedule.Prev(slot.Add(-time.Nanosecond), loc)
	if prev.IsZero() {
		prev = slot.Add(-7 * 24 * time.Hour)
	}
	return prev
}

// Compose makes the issue of n for the send time slot from what was
// published (or is scheduled to be) in its window: in-depth articles
// first, then the rest, newest first. It saves the issue scheduled for
// slot, or skipped when the window is empty (an editor may still send
// it). A second Compose for the same slot is ECONFLICT.
func (e *Engine) Compose(ctx context.Context, n *masthead.Newsletter, slot, now time.Time) (*masthead.Issue, error) {
	loc := e.site.loc()
	start := Window(n, slot, loc)
	var found []*masthead.Article
	for _, st := range []masthead.Status{masthead.StatusPublished, masthead.StatusScheduled} {
		as, _, err := e.store.Articles(ctx, masthead.ArticleFilter{Status: &st, From: &start, To: &slot, Limit: 100})
		if err != nil {
			return nil, err
		}
		found = append(found, as...)
	}
	slices.SortStableFunc(found, func(a, b *masthead.Article) int {
		if ai, bi := a.Kind == masthead.KindInDepth, b.Kind == masthead.KindInDepth; ai != bi {
			if ai {
				return -1
			}
			return 1
		}
		return b.PublishedAt.Compare(a.PublishedAt)
	})
	is := &masthead.Issue{
		NewsletterID: n.ID, WindowStart: start, WindowEnd: slot, SendAt: slot,
		Subject:  n.Name + " — " + slot.In(loc).Format("Monday 2 January"),
		Articles: []masthead.IssueArticle{},
		Status:   masthead.IssueScheduled,
	}
	for _, a := range found {
		ia := masthead.IssueArticle{ArticleID: a.ID, Slug: a.Slug, Title: a.Title, Dek: a.Dek, Kind: a.Kind,
			Access: a.Access, PublishedAt: a.PublishedAt}
		for _, au := range a.Authors {
			ia.Authors = append(ia.Authors, au.Name)
		}
		is.Articles = append(is.Articles, ia)
	}
	if len(is.Articles) > 0 {
		is.Subject = n.Name + ": " + is.Articles[0].Title
		if r := []rune(is.Subject); len(r) > 140 {
			is.Subject = string(r[:139]) + "…"
		}
	} else {
		is.Status = masthead.IssueSkipped
		is.StatusNote = fmt.Sprintf("Nothing was published between %s and %s. Schedule it to send it anyway.",
			start.In(loc).Format("Mon 2 Jan 15:04"), slot.In(loc).Format("Mon 2 Jan 15:04 MST"))
	}
	out, err := e.store.CreateIssue(ctx, is)
	if err != nil {
		return nil, err
	}
	e.log.Info("newsletter: composed", "newsletter", n.Slug, "issue", out.ID, "articles", len(out.Articles),
		"status", out.Status, "send_at", slot)
	return out, nil
}
