package newsletter

import (
	"context"
	"fmt"
	"time"

	"masthead"
)

// ComposeNext composes n's next issue now, without waiting for its draft
// time: the issue of the first send time after now, made by Compose as
// the schedule would make it, for an editor to review. When that issue
// exists already (composed on schedule, by an earlier call, or by
// another instance at the same moment) it is returned with created
// false: one issue per window, however often this is asked.
func (e *Engine) ComposeNext(ctx context.Context, n *masthead.Newsletter, now time.Time) (is *masthead.Issue, created bool, err error) {
	loc := e.site.loc()
	slot := n.Schedule.Next(now, loc)
	if slot.IsZero() {
		return nil, false, masthead.Errorf(masthead.EINVALID, "%s has no send days; give it a schedule first.", n.Name)
	}
	start := Window(n, slot, loc)
	if is, err := e.store.IssueForWindow(ctx, n.ID, start); err == nil {
		return is, false, nil
	} else if masthead.ErrorCode(err) != masthead.ENOTFOUND {
		return nil, false, err
	}
	is, err = e.Compose(ctx, n, slot, now)
	if masthead.ErrorCode(err) == masthead.ECONFLICT {
		// Composed elsewhere between the look and the write.
		is, err = e.store.IssueForWindow(ctx, n.ID, start)
		return is, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("newsletter: compose %s now: %w", n.Slug, err)
	}
	return is, true, nil
}
