package admin

import (
	"context"
	"fmt"
	"time"

	"masthead"
)

// historyLimit is how many entries of an article's history the editor
// shows.
const historyLimit = 50

// history reads article id's history for the editor page.
func (h *Handler) history(ctx context.Context, id int64) ([]historyRow, error) {
	list, err := h.deps.Articles.ArticleHistory(ctx, id, historyLimit)
	if err != nil {
		return nil, fmt.Errorf("admin: article %d history: %w", id, err)
	}
	rows := make([]historyRow, len(list))
	for i, c := range list {
		r := historyRow{When: h.formatTime(c.CreatedAt), Who: changedBy(c)}
		for _, f := range c.Fields {
			r.Changes = append(r.Changes, h.describeChange(f))
		}
		rows[i] = r
	}
	return rows, nil
}

// changedBy names who made a change, and through what when it was not the
// editor.
func changedBy(c masthead.ArticleChange) string {
	who := c.ActorEmail
	if who == "" && c.ActorID != 0 {
		who = "a former staff member"
	}
	via := ""
	switch c.Via {
	case masthead.ChangeViaAPI:
		via = "the Admin API"
	case masthead.ChangeViaImport:
		via = "an import"
	case masthead.ChangeViaSchedule:
		via = "the schedule"
	}
	switch {
	case who == "" && via == "":
		return "a command"
	case who == "":
		return via
	case via == "":
		return who
	}
	return who + " through " + via
}

// describeChange says in words how one field changed.
func (h *Handler) describeChange(f masthead.FieldChange) string {
	label, value := f.Field, func(v string) string { return v }
	switch f.Field {
	case masthead.FieldTitle:
		label = "Title"
	case masthead.FieldSlug:
		label = "Slug"
	case masthead.FieldStatus:
		label = "Status"
	case masthead.FieldPublishedAt:
		label = "Publication time"
		value = func(v string) string {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return v
			}
			return h.formatTime(t)
		}
	case masthead.FieldAccess:
		label = "Access"
		value = func(v string) string { return masthead.Access(v).Label() }
	case masthead.FieldAuthors:
		label = "Authors"
	case masthead.FieldKind:
		label = "Kind"
		value = func(v string) string { return masthead.Kind(v).Label() }
	case masthead.FieldColumn:
		label = "Column"
	case masthead.FieldDek:
		label = "Summary"
	case masthead.FieldBody:
		return "Body edited"
	case masthead.FieldRestored:
		return "Restored revision " + f.To
	case masthead.FieldNote:
		return masthead.NoteKind(f.From).Label() + " added: " + f.To
	case masthead.FieldNoteEdited:
		return masthead.NoteKind(f.From).Label() + " edited: " + f.To
	case masthead.FieldNoteDeleted:
		return masthead.NoteKind(f.From).Label() + " deleted: " + f.To
	case masthead.FieldReview:
		switch masthead.ReviewState(f.To) {
		case masthead.ReviewPending:
			return "Submitted for review"
		case masthead.ReviewReturned:
			return "Returned to the author"
		}
		return "Review ended"
	}
	from, to := value(f.From), value(f.To)
	if from == "" {
		from = "none"
	}
	if to == "" {
		to = "none"
	}
	return label + ": " + from + " → " + to
}
