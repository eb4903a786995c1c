package reading

import (
	"cmp"
	"context"
	"slices"
	"time"

	"masthead"
)

// The personal curator (docs/curator.md): a signed-in reader follows
// topics, regions, columns and authors, gets a For-you list of their
// newest articles and related reading, alerts by email, a reading list
// and a reading history. Everything here is the member's own, taken from
// the session, and never leaves the server but in their account export.

// Curator keeps what the curator knows of members (store.DB).
type Curator interface {
	Follow(ctx context.Context, memberID int64, kind masthead.FollowKind, slug string, alert masthead.AlertMode, now time.Time) error
	Unfollow(ctx context.Context, memberID int64, kind masthead.FollowKind, slug string) error
	StopAlert(ctx context.Context, memberID int64, kind masthead.FollowKind, slug string) error
	Follows(ctx context.Context, memberID int64) ([]masthead.Follow, error)
	ReaderCuration(ctx context.Context, memberID int64, limit int) (masthead.ReaderCuration, error)
	ForYou(ctx context.Context, follows []masthead.Follow, now time.Time, limit, offset int) ([]*masthead.Article, bool, error)
	ReadingRelated(ctx context.Context, memberID int64, now time.Time, limit int, recent []int64) ([]*masthead.Article, error)
	ReadAmong(ctx context.Context, memberID int64, ids []int64) (map[int64]bool, error)
	Saved(ctx context.Context, memberID, articleID int64) (bool, error)
	SaveArticle(ctx context.Context, memberID, articleID int64, now time.Time) error
	UnsaveArticle(ctx context.Context, memberID, articleID int64) error
	SavedArticles(ctx context.Context, memberID int64, now time.Time, limit, offset int) ([]masthead.SavedArticle, bool, error)
	RecordRead(ctx context.Context, memberID, articleID int64, now time.Time) error
	History(ctx context.Context, memberID int64, now time.Time, limit int) ([]masthead.ReadArticle, error)
	ClearHistory(ctx context.Context, memberID int64, now time.Time) error
	SetHistoryPaused(ctx context.Context, memberID int64, paused bool, now time.Time) error
	MarkPickerShown(ctx context.Context, memberID int64, now time.Time) (bool, error)
	CuratorSettings(ctx context.Context, memberID int64) (masthead.CuratorSettings, error)
}

// Reads takes reading-history reads to write later, in batches, with the
// other events of each instance's buffer (insights.Recorder): the
// Curator's own writes and checks apply when the batch is written.
type Reads interface {
	RecordRead(memberID, articleID int64, at time.Time)
	// Flush writes what this instance holds and returns when it is
	// written.
	Flush()
	// ReadsOf returns a number that moves with every read of member
	// this instance takes.
	ReadsOf(memberID int64) uint64
	// WaitingReads appends to into member's own reads this instance
	// took and has not written yet, an article once, at its latest read.
	WaitingReads(memberID int64, into []masthead.InsightEvent) []masthead.InsightEvent
}

// Curates reports whether the curator is on (a store keeps it).
func (s *Service) Curates() bool { return s.deps.Curator != nil }

// errNoCurator answers a curator use case when the curator is off.
var errNoCurator = masthead.Errorf(masthead.ENOTFOUND, "Page not found.")

// ForYouPageSize is how many articles of what a reader follows one page
// of For-you shows.
const ForYouPageSize = 20

// relatedShownForYou is how much related reading the first page adds.
const relatedShownForYou = 6

// Follow makes m follow the kind's target named slug. A new follow has
// no alert; one that exists keeps its alert.
func (s *Service) Follow(ctx context.Context, m *masthead.Member, kind masthead.FollowKind, slug string, now time.Time) error {
	if s.deps.Curator == nil {
		return errNoCurator
	}
	if !kind.Valid() {
		return masthead.Errorf(masthead.EINVALID, "There is nothing to follow here.")
	}
	alert := masthead.AlertOff
	fs, err := s.deps.Curator.Follows(ctx, m.ID)
	if err != nil {
		return err
	}
	for _, f := range fs {
		if f.Kind == kind && f.Slug == slug {
			alert = f.Alert
		}
	}
	if alert == masthead.AlertOff && len(fs) >= maxFollows {
		return masthead.Errorf(masthead.ECONFLICT, "You follow %d things already, as many as we keep. Unfollow one first.", maxFollows)
	}
	return s.deps.Curator.Follow(ctx, m.ID, kind, slug, alert, now)
}

// maxFollows bounds what one member follows, so a script cannot make
// their For-you page or an alert's fan-out unbounded.
const maxFollows = 200

// SetAlert sets when m's follow of the target emails them; following it
// first if need be. Turning an alert on records m's consent to alerts.
func (s *Service) SetAlert(ctx context.Context, m *masthead.Member, kind masthead.FollowKind, slug string, alert masthead.AlertMode, now time.Time) error {
	if s.deps.Curator == nil {
		return errNoCurator
	}
	if !kind.Valid() {
		return masthead.Errorf(masthead.EINVALID, "There is nothing to follow here.")
	}
	if !alert.Valid() {
		return masthead.Errorf(masthead.EINVALID, "Choose when to be told: never, at once or in the daily digest.")
	}
	return s.deps.Curator.Follow(ctx, m.ID, kind, slug, alert, now)
}

// Unfollow ends m's follow of the target.
func (s *Service) Unfollow(ctx context.Context, m *masthead.Member, kind masthead.FollowKind, slug string) error {
	if s.deps.Curator == nil {
		return errNoCurator
	}
	if !kind.Valid() {
		return masthead.Errorf(masthead.EINVALID, "There is nothing to follow here.")
	}
	return s.deps.Curator.Unfollow(ctx, m.ID, kind, slug)
}

// StopAlert turns off the alert of a member's follow, as the stop link of
// an alert email asks; memberID comes from the link's signed token.
func (s *Service) StopAlert(ctx context.Context, memberID int64, kind masthead.FollowKind, slug string) error {
	if s.deps.Curator == nil {
		return errNoCurator
	}
	if !kind.Valid() {
		return masthead.Errorf(masthead.EINVALID, "This link names nothing you follow.")
	}
	return s.deps.Curator.StopAlert(ctx, memberID, kind, slug)
}

// Follows lists what m follows.
func (s *Service) Follows(ctx context.Context, m *masthead.Member) ([]masthead.Follow, error) {
	if s.deps.Curator == nil {
		return nil, nil
	}
	return s.deps.Curator.Follows(ctx, m.ID)
}

// SavedKnown is how many of a member's saved articles Curation reads
// with their follows: a page knows whether one of these is saved
// without a query of its own, and asks IsSaved for the others only when
// the member saved more.
const SavedKnown = 100

// Curation returns, in one query, what m follows and the articles they
// saved last (SavedKnown): the curator's state on m's pages.
func (s *Service) Curation(ctx context.Context, m *masthead.Member) (masthead.ReaderCuration, error) {
	if s.deps.Curator == nil {
		return masthead.ReaderCuration{SavedAll: true}, nil
	}
	return s.deps.Curator.ReaderCuration(ctx, m.ID, SavedKnown)
}

// PickFollows follows each of the picked targets (the topic picker after
// registering), leaving those already followed as they are.
func (s *Service) PickFollows(ctx context.Context, m *masthead.Member, picked []masthead.Follow, now time.Time) error {
	for _, p := range picked {
		if err := s.Follow(ctx, m, p.Kind, p.Slug, now); err != nil && masthead.ErrorCode(err) != masthead.ENOTFOUND {
			return err
		}
	}
	return nil
}

// ShowPicker reports whether m should be offered the topic picker now:
// once, the first time they land signed in. Asking marks it offered.
func (s *Service) ShowPicker(ctx context.Context, m *masthead.Member, now time.Time) (bool, error) {
	if s.deps.Curator == nil || m.Role.Staff() {
		return false, nil
	}
	return s.deps.Curator.MarkPickerShown(ctx, m.ID, now)
}

// ForYouPage is one page of a member's For-you list.
type ForYouPage struct {
	Follows []masthead.Follow
	Items   []masthead.ForYouItem // what they follow, newest first
	Related []masthead.ForYouItem // related reading of what they read (page 1)
	Page    int
	More    bool
}

// ForYou returns page (from 1) of m's For-you list at now: the newest
// articles of what m follows, then, on the first page, related reading
// of what m read lately that is not on the list; each marked read or
// not. follows, when not nil, are m's follows as the caller read them.
// The reads of m's own this instance holds and has not written yet
// count as the store will count them (waitingReads), so the marks and
// the related reading include what m just opened here, and the page
// neither writes nor waits for a batch.
func (s *Service) ForYou(ctx context.Context, m *masthead.Member, follows []masthead.Follow, page int, now time.Time) (*ForYouPage, error) {
	if s.deps.Curator == nil {
		return nil, errNoCurator
	}
	page = max(page, 1)
	var err error
	if follows == nil {
		if follows, err = s.deps.Curator.Follows(ctx, m.ID); err != nil {
			return nil, err
		}
	}
	// Taken before the store is read: a read written since is there.
	recent, err := s.waitingReads(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	out := &ForYouPage{Follows: follows, Page: page}
	list, more, err := s.deps.Curator.ForYou(ctx, follows, now, ForYouPageSize, (page-1)*ForYouPageSize)
	if err != nil {
		return nil, err
	}
	out.More = more
	var related []*masthead.Article
	if page == 1 {
		if related, err = s.deps.Curator.ReadingRelated(ctx, m.ID, now, relatedShownForYou+len(list), recent); err != nil {
			return nil, err
		}
		related = slices.DeleteFunc(related, func(a *masthead.Article) bool {
			return slices.ContainsFunc(list, func(b *masthead.Article) bool { return a.ID == b.ID })
		})
		related = related[:min(len(related), relatedShownForYou)]
	}
	ids := make([]int64, 0, len(list))
	for _, a := range list {
		ids = append(ids, a.ID)
	}
	read, err := s.deps.Curator.ReadAmong(ctx, m.ID, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range recent {
		read[id] = true
	}
	for _, a := range list {
		out.Items = append(out.Items, masthead.ForYouItem{Article: a, Read: read[a.ID]})
	}
	for _, a := range related {
		out.Related = append(out.Related, masthead.ForYouItem{Article: a, Related: true})
	}
	return out, nil
}

// SaveArticle puts the live article at slug on m's reading list. It
// unlocks nothing: opening it later asks access.Decide as ever.
func (s *Service) SaveArticle(ctx context.Context, m *masthead.Member, slug string, now time.Time) (*masthead.Article, error) {
	if s.deps.Curator == nil {
		return nil, errNoCurator
	}
	a, err := s.liveArticle(ctx, slug, now)
	if err != nil {
		return nil, err
	}
	return a, s.deps.Curator.SaveArticle(ctx, m.ID, a.ID, now)
}

// IsSaved reports whether a is on m's reading list.
func (s *Service) IsSaved(ctx context.Context, m *masthead.Member, a *masthead.Article) (bool, error) {
	if s.deps.Curator == nil {
		return false, nil
	}
	return s.deps.Curator.Saved(ctx, m.ID, a.ID)
}

// UnsaveArticle takes the article at slug off m's reading list.
func (s *Service) UnsaveArticle(ctx context.Context, m *masthead.Member, slug string) error {
	if s.deps.Curator == nil {
		return errNoCurator
	}
	if !masthead.ValidSlug(slug) || s.deps.Articles == nil {
		return errNotFound
	}
	a, err := s.deps.Articles.Article(ctx, slug)
	if err != nil {
		return err
	}
	return s.deps.Curator.UnsaveArticle(ctx, m.ID, a.ID)
}

// SavedPageSize is how many saved articles one page of /saved lists.
const SavedPageSize = 20

// SavedArticles returns page (from 1) of m's reading list.
func (s *Service) SavedArticles(ctx context.Context, m *masthead.Member, page int, now time.Time) ([]masthead.SavedArticle, bool, error) {
	if s.deps.Curator == nil {
		return nil, false, errNoCurator
	}
	page = max(page, 1)
	return s.deps.Curator.SavedArticles(ctx, m.ID, now, SavedPageSize, (page-1)*SavedPageSize)
}

// RecordRead notes that m was served article a in full or in part at
// now, unless m paused their history. With Deps.Reads the read is
// buffered and written with the next batch, seconds later; the page
// writes nothing.
func (s *Service) RecordRead(ctx context.Context, m *masthead.Member, a *masthead.Article, now time.Time) error {
	if s.deps.Curator == nil {
		return nil
	}
	if s.deps.Reads != nil {
		s.deps.Reads.RecordRead(m.ID, a.ID, now)
		return nil
	}
	return s.deps.Curator.RecordRead(ctx, m.ID, a.ID, now)
}

// flushReads writes the reads this instance holds, before a use case
// that must see every one of them.
func (s *Service) flushReads() {
	if s.deps.Reads != nil {
		s.deps.Reads.Flush()
	}
}

// waitingReads returns the articles of the reads of member id's own
// this instance holds and has not written yet that their batch will
// keep, the latest read first. For-you counts them as read rather than
// writing the batch first, which would keep the page waiting on the
// writer (SQLite's only one) and write early nearly every batch on a
// busy site. The batch decides with the member's settings as they are
// when it is written (docs/curator.md), so a read it would drop now —
// history paused, or cleared or resumed since the read — is left out
// here too; a change of these settings afterwards raises the curator
// version, and the page is rendered again.
func (s *Service) waitingReads(ctx context.Context, id int64) ([]int64, error) {
	if s.deps.Reads == nil {
		return nil, nil
	}
	evs := s.deps.Reads.WaitingReads(id, nil)
	if len(evs) == 0 {
		return nil, nil
	}
	st, err := s.deps.Curator.CuratorSettings(ctx, id)
	if err != nil {
		return nil, err
	}
	if st.HistoryPaused {
		return nil, nil
	}
	if !st.HistoryFrom.IsZero() {
		evs = slices.DeleteFunc(evs, func(e masthead.InsightEvent) bool {
			return e.At.UnixMicro() <= st.HistoryFrom.UnixMicro()
		})
	}
	slices.SortFunc(evs, func(a, b masthead.InsightEvent) int {
		return cmp.Or(b.At.Compare(a.At), cmp.Compare(b.ArticleID, a.ArticleID))
	})
	ids := make([]int64, len(evs))
	for i, e := range evs {
		ids[i] = e.ArticleID
	}
	return ids, nil
}

// ReadsHere returns a number that moves with every read of member id
// this instance takes (RecordRead), from the moment it is taken, where
// the curator version the read raises moves only when its batch is
// written. A page kept for the reader's state names both, so it is
// never served to them without the read they just made here.
func (s *Service) ReadsHere(id int64) uint64 {
	if s.deps.Reads == nil {
		return 0
	}
	return s.deps.Reads.ReadsOf(id)
}

// History returns the last n articles m opened.
func (s *Service) History(ctx context.Context, m *masthead.Member, n int, now time.Time) ([]masthead.ReadArticle, error) {
	if s.deps.Curator == nil {
		return nil, nil
	}
	return s.deps.Curator.History(ctx, m.ID, now, n)
}

// ClearHistory forgets what m opened until now, reads still waiting in
// a batch included (on any instance: the store drops reads from before
// now when their batch comes).
func (s *Service) ClearHistory(ctx context.Context, m *masthead.Member, now time.Time) error {
	if s.deps.Curator == nil {
		return errNoCurator
	}
	return s.deps.Curator.ClearHistory(ctx, m.ID, now)
}

// PauseHistory stops (or, with false, resumes at now) the recording of
// what m opens. Pausing first writes the reads this instance holds, so
// the pages m opened just before are kept; those another instance holds
// are written within its interval, and dropped if that is after the
// pause.
func (s *Service) PauseHistory(ctx context.Context, m *masthead.Member, paused bool, now time.Time) error {
	if s.deps.Curator == nil {
		return errNoCurator
	}
	if paused {
		s.flushReads()
	}
	return s.deps.Curator.SetHistoryPaused(ctx, m.ID, paused, now)
}

// CuratorSettings returns m's curator settings.
func (s *Service) CuratorSettings(ctx context.Context, m *masthead.Member) (masthead.CuratorSettings, error) {
	if s.deps.Curator == nil {
		return masthead.CuratorSettings{}, nil
	}
	return s.deps.Curator.CuratorSettings(ctx, m.ID)
}

// CuratorExport is what the curator keeps of a member, for their
// account export.
type CuratorExport struct {
	Follows []masthead.Follow
	Saved   []masthead.SavedArticle
	History []masthead.ReadArticle
	Paused  bool
}

// maxExported bounds the saved articles and history an export lists.
const maxExported = 10000

// ExportCurator gathers what the curator keeps of m, after writing the
// reads this instance still holds, so the history has the last pages m
// opened here.
func (s *Service) ExportCurator(ctx context.Context, m *masthead.Member, now time.Time) (*CuratorExport, error) {
	x := &CuratorExport{}
	if s.deps.Curator == nil {
		return x, nil
	}
	s.flushReads()
	var err error
	if x.Follows, err = s.deps.Curator.Follows(ctx, m.ID); err != nil {
		return nil, err
	}
	if x.Saved, _, err = s.deps.Curator.SavedArticles(ctx, m.ID, now, maxExported, 0); err != nil {
		return nil, err
	}
	if x.History, err = s.deps.Curator.History(ctx, m.ID, now, maxExported); err != nil {
		return nil, err
	}
	st, err := s.deps.Curator.CuratorSettings(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	x.Paused = st.HistoryPaused
	return x, nil
}
