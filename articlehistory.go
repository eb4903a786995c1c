package masthead

import "time"

// ArticleActor is who makes a write to an article, for its history.
type ArticleActor struct {
	// MemberID is the staff member who acts (in the editor, or through
	// the Admin API with a token they made); zero when no one does.
	MemberID int64
	// Via is the way the write came: one of the ChangeVia… constants.
	Via string
}

// The ways an article is written, as its history names them.
const (
	ChangeViaEditor   = "editor"
	ChangeViaAPI      = "api"
	ChangeViaImport   = "import"
	ChangeViaSchedule = "schedule"
)

// ArticleChange is one entry of an article's history: a write that
// changed at least one of the fields the history follows. Entries are
// appended in the transaction of the write and never changed.
type ArticleChange struct {
	ID        int64
	ArticleID int64
	// ActorID is the staff member who made the change, zero when none
	// did or they are gone; ActorEmail is filled in when reading.
	ActorID    int64
	ActorEmail string
	Via        string
	Fields     []FieldChange
	CreatedAt  time.Time
}

// FieldChange is one field of an ArticleChange. From is empty for a new
// article. The body is followed as changed or not: its From and To are
// empty.
type FieldChange struct {
	Field string `json:"field"`
	From  string `json:"from,omitempty"`
	To    string `json:"to,omitempty"`
}

// Fields an article's history follows, in the order it shows them.
const (
	FieldTitle       = "title"
	FieldSlug        = "slug"
	FieldStatus      = "status"
	FieldPublishedAt = "published_at"
	FieldAccess      = "access"
	FieldAuthors     = "authors"
	FieldKind        = "kind"
	FieldColumn      = "column"
	FieldDek         = "dek"
	FieldBody        = "body"
)
