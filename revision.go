package masthead

import (
	"strings"
	"time"
	"unicode/utf8"
)

// RevisionKind says how a revision came to be.
type RevisionKind string

// Revision kinds. An autosave is kept only while it is its author's
// newest: their next autosave or save replaces it.
const (
	RevisionSave     RevisionKind = "save"
	RevisionAutosave RevisionKind = "autosave"
	RevisionRestore  RevisionKind = "restore"
)

// ArticleRevision is an article as one save left it. Revisions are kept
// in the transaction of the save and never changed, except that an
// autosave gives way to its author's next one.
type ArticleRevision struct {
	ID        int64
	ArticleID int64
	// MemberID is who saved, zero when no one did or they are gone;
	// MemberEmail is filled in when reading.
	MemberID    int64
	MemberEmail string
	Via         string
	Kind        RevisionKind
	// RestoredFrom is the revision a restore brought back.
	RestoredFrom int64
	Content      RevisionContent
	CreatedAt    time.Time
}

// RevisionContent is what a revision keeps: everything an editor writes,
// but not the status and time, which restoring leaves alone.
type RevisionContent struct {
	Title   string   `json:"-"`
	Slug    string   `json:"-"`
	Dek     string   `json:"-"`
	Body    string   `json:"-"`
	Kind    Kind     `json:"kind"`
	Access  Access   `json:"access"`
	Column  string   `json:"column,omitempty"`
	Authors []string `json:"authors,omitempty"`
	Topics  []string `json:"topics,omitempty"`
	Regions []string `json:"regions,omitempty"`
	Image   Image    `json:"image"`
}

// RevisionContentOf is what a revision of an article saved from in keeps.
func RevisionContentOf(in ArticleInput) RevisionContent {
	return RevisionContent{Title: in.Title, Slug: in.Slug, Dek: in.Dek, Body: in.BodyMarkdown, Kind: in.Kind,
		Access: in.Access, Column: in.ColumnSlug, Authors: in.AuthorSlugs, Topics: in.TopicSlugs,
		Regions: in.RegionSlugs, Image: in.Image}
}

// ReviewState is where an article stands in review, beside its status.
type ReviewState string

// Review states. An author asks for review; an editor publishes it
// (which ends the review) or returns it with a note.
const (
	ReviewNone     ReviewState = ""
	ReviewPending  ReviewState = "review"
	ReviewReturned ReviewState = "returned"
)

// Valid reports whether s is a known review state.
func (s ReviewState) Valid() bool {
	return s == ReviewNone || s == ReviewPending || s == ReviewReturned
}

// MaxReviewNote is the longest note an editor returns an article with,
// in characters.
const MaxReviewNote = 2000

// NoteKind is a correction or an update.
type NoteKind string

// Note kinds.
const (
	NoteCorrection NoteKind = "correction"
	NoteUpdate     NoteKind = "update"
)

// Valid reports whether k is a known note kind.
func (k NoteKind) Valid() bool { return k == NoteCorrection || k == NoteUpdate }

// Label is how the article page names the kind.
func (k NoteKind) Label() string {
	if k == NoteUpdate {
		return "Update"
	}
	return "Correction"
}

// ArticleNote is a correction or an update readers see under an article,
// dated by when it was added.
type ArticleNote struct {
	ID        int64
	ArticleID int64
	Kind      NoteKind
	Body      string
	CreatedAt time.Time
}

// ArticleNoteInput is a note an editor adds, or what an edited note
// becomes (its date stays the day it was added).
type ArticleNoteInput struct {
	Kind NoteKind
	Body string
	By   ArticleActor
}

// Validate checks the note, with a message for each field at fault.
func (in *ArticleNoteInput) Validate() error {
	v := Invalid{}
	in.Body = strings.TrimSpace(in.Body)
	if !in.Kind.Valid() {
		v.Add("note_kind", "Choose a correction or an update.")
	}
	switch n := utf8.RuneCountInString(in.Body); {
	case n == 0:
		v.Add("note_body", "Write the note readers will see.")
	case n > 2000:
		v.Add("note_body", "A note must be at most 2,000 characters.")
	}
	return v.Err()
}

// Fields of an article's history that the writing desk adds.
const (
	// FieldRestored is a restore: To is the revision brought back.
	FieldRestored = "restored"
	// FieldReview is the review state.
	FieldReview = "review"
	// FieldNote is a correction or an update added: From is its kind,
	// To its text.
	FieldNote = "note"
	// FieldNoteEdited is a note edited: From is its kind now, To its
	// text now.
	FieldNoteEdited = "note-edited"
	// FieldNoteDeleted is a note deleted: From is its kind, To the text
	// it had.
	FieldNoteDeleted = "note-deleted"
)
