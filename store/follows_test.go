package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

var curatorNow = time.Date(2026, 12, 7, 9, 2, 0, 0, time.UTC)

// verifiedMember makes a member whose address is verified, as following
// an emailed sign-in link does.
func verifiedMember(t *testing.T, db *store.DB, email string) *masthead.Member {
	t.Helper()
	ctx := context.Background()
	_, hash := masthead.NewToken()
	if err := db.CreateSignInToken(ctx, email, hash, curatorNow.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	m, err := db.ConsumeSignInToken(ctx, hash)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func curatorArticle(slug string, at time.Time, topic, region string) masthead.ArticleInput {
	in := published(slug, at)
	in.TopicSlugs, in.RegionSlugs = []string{topic}, []string{region}
	in.AuthorSlugs, in.ColumnSlug = []string{"author-of-" + slug}, ""
	return in
}

func slugsOf(as []*masthead.Article) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Slug)
	}
	return out
}

func TestFollowAndForYou(t *testing.T) {
	clock := &fixedClock{curatorNow}
	storetest.EachWith(t, store.Options{Clock: clock}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := verifiedMember(t, db, "reader@example.com")
		mustCreate(t, db, curatorArticle("energy-old", curatorNow.Add(-3*time.Hour), "energy", "asia"))
		mustCreate(t, db, curatorArticle("energy-new", curatorNow.Add(-1*time.Hour), "energy", "asia"))
		mustCreate(t, db, curatorArticle("europe-mid", curatorNow.Add(-2*time.Hour), "farming", "europe"))
		mustCreate(t, db, curatorArticle("both", curatorNow.Add(-30*time.Minute), "energy", "europe"))
		mustCreate(t, db, curatorArticle("elsewhere", curatorNow.Add(-10*time.Minute), "sport", "africa"))
		draft := curatorArticle("energy-draft", curatorNow.Add(-5*time.Minute), "energy", "asia")
		draft.Status = masthead.StatusDraft
		mustCreate(t, db, draft)
		later := curatorArticle("energy-later", curatorNow.Add(time.Hour), "energy", "asia")
		later.Status = masthead.StatusScheduled
		mustCreate(t, db, later)

		if err := db.Follow(ctx, m.ID, masthead.FollowTopic, "energy", masthead.AlertOff, curatorNow); err != nil {
			t.Fatal(err)
		}
		if err := db.Follow(ctx, m.ID, masthead.FollowRegion, "europe", masthead.AlertOff, curatorNow); err != nil {
			t.Fatal(err)
		}
		if err := db.Follow(ctx, m.ID, masthead.FollowTopic, "no-such-topic", masthead.AlertOff, curatorNow); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("following an unknown topic: %v, want not found", err)
		}
		fs, err := db.Follows(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 2 || fs[0].Kind != masthead.FollowTopic || fs[0].Name != "Energy" || fs[1].Slug != "europe" {
			t.Fatalf("follows = %+v", fs)
		}

		list, more, err := db.ForYou(ctx, fs, curatorNow, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Newest first, each once, no draft, nothing still to come,
		// nothing of what is not followed.
		want := []string{"both", "energy-new", "europe-mid", "energy-old"}
		if got := slugsOf(list); !slices.Equal(got, want) || more {
			t.Errorf("for you = %v (more %v), want %v", got, more, want)
		}
		if len(list) > 0 && len(list[0].Topics) == 0 {
			t.Errorf("for-you articles come without their topics")
		}
		page2, more, err := db.ForYou(ctx, fs, curatorNow, 3, 3)
		if err != nil || !slices.Equal(slugsOf(page2), []string{"energy-old"}) || more {
			t.Errorf("page 2 = %v (more %v, %v)", slugsOf(page2), more, err)
		}

		// The scheduled article joins at its time; unpublishing drops one.
		clock.t = curatorNow.Add(2 * time.Hour)
		list, _, _ = db.ForYou(ctx, fs, clock.t, 1, 0)
		if !slices.Equal(slugsOf(list), []string{"energy-later"}) {
			t.Errorf("after its time: %v", slugsOf(list))
		}
		clock.t = curatorNow
		a, err := db.Article(ctx, "both")
		if err != nil {
			t.Fatal(err)
		}
		in := a.Input()
		in.Status = masthead.StatusDraft
		if _, err := db.UpdateArticle(ctx, a.ID, in); err != nil {
			t.Fatal(err)
		}
		list, _, _ = db.ForYou(ctx, fs, curatorNow, 10, 0)
		if slices.Contains(slugsOf(list), "both") {
			t.Errorf("an unpublished article stays on the list: %v", slugsOf(list))
		}

		if err := db.Unfollow(ctx, m.ID, masthead.FollowRegion, "europe"); err != nil {
			t.Fatal(err)
		}
		fs, _ = db.Follows(ctx, m.ID)
		list, _, _ = db.ForYou(ctx, fs, curatorNow, 10, 0)
		if got := slugsOf(list); !slices.Equal(got, []string{"energy-new", "energy-old"}) {
			t.Errorf("after unfollowing Europe: %v", got)
		}
	})
}

func TestSavesAndHistory(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{curatorNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := verifiedMember(t, db, "reader@example.com")
		in := curatorArticle("locked", curatorNow.Add(-time.Hour), "energy", "asia")
		in.Access = masthead.AccessSubscribers
		a := mustCreate(t, db, in)
		b := mustCreate(t, db, curatorArticle("open", curatorNow.Add(-2*time.Hour), "energy", "asia"))

		if err := db.SaveArticle(ctx, m.ID, a.ID, curatorNow); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveArticle(ctx, m.ID, a.ID, curatorNow.Add(time.Minute)); err != nil {
			t.Fatalf("saving twice: %v", err)
		}
		saved, _, err := db.SavedArticles(ctx, m.ID, curatorNow, 10, 0)
		if err != nil || len(saved) != 1 || saved[0].Article.Slug != "locked" {
			t.Fatalf("saved = %+v, %v", saved, err)
		}
		// Saving unlocks nothing.
		st, err := db.MeterState(ctx, m.ID, a.ID, curatorNow.AddDate(0, -1, 0))
		if err != nil || st.Unlocked {
			t.Errorf("a saved article is unlocked: %+v, %v", st, err)
		}
		if err := db.UnsaveArticle(ctx, m.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		if ok, _ := db.Saved(ctx, m.ID, a.ID); ok {
			t.Errorf("still saved after removal")
		}

		if err := db.RecordRead(ctx, m.ID, b.ID, curatorNow); err != nil {
			t.Fatal(err)
		}
		if err := db.SetHistoryPaused(ctx, m.ID, true, curatorNow); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordRead(ctx, m.ID, a.ID, curatorNow); err != nil {
			t.Fatal(err)
		}
		h, err := db.History(ctx, m.ID, curatorNow, 10)
		if err != nil || len(h) != 1 || h[0].Article.Slug != "open" {
			t.Fatalf("history while paused = %+v, %v", h, err)
		}
		read, _ := db.ReadAmong(ctx, m.ID, []int64{a.ID, b.ID})
		if !read[b.ID] || read[a.ID] {
			t.Errorf("read among = %v", read)
		}
		if err := db.SetHistoryPaused(ctx, m.ID, false, curatorNow); err != nil {
			t.Fatal(err)
		}
		db.RecordRead(ctx, m.ID, a.ID, curatorNow.Add(time.Minute))
		if h, _ = db.History(ctx, m.ID, curatorNow.Add(time.Hour), 10); len(h) != 2 || h[0].Article.Slug != "locked" {
			t.Errorf("history after resuming = %d rows", len(h))
		}
		if err := db.ClearHistory(ctx, m.ID, curatorNow.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if h, _ = db.History(ctx, m.ID, curatorNow, 10); len(h) != 0 {
			t.Errorf("history after clearing = %d rows", len(h))
		}
		if cs, err := db.CuratorSettings(ctx, m.ID); err != nil || cs.HistoryPaused || !cs.HistoryFrom.Equal(curatorNow.Add(2*time.Minute)) {
			t.Errorf("settings after clearing = %+v, %v; want history from the clear", cs, err)
		}
		if cs, err := db.CuratorSettings(ctx, verifiedMember(t, db, "new@example.com").ID); err != nil || !cs.HistoryFrom.IsZero() {
			t.Errorf("a new member's settings = %+v, %v; want no history start", cs, err)
		}

		first, err := db.MarkPickerShown(ctx, m.ID, curatorNow)
		if err != nil || !first {
			t.Errorf("picker first shown: %v, %v", first, err)
		}
		if again, _ := db.MarkPickerShown(ctx, m.ID, curatorNow); again {
			t.Errorf("picker shown twice")
		}
	})
}

// TestReadingRelatedRecent checks that reads the history may not hold
// yet (waiting in a batch), handed to ReadingRelated, are among the last
// reads its related reading comes from, and count as read.
func TestReadingRelatedRecent(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{curatorNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := verifiedMember(t, db, "reader@example.com")
		var ids []int64
		for _, a := range []struct{ slug, title, body string }{
			{"copper-strike", "Copper miners strike at Escondida", "Escondida copper miners walked out; Antofagasta smelters wait for ore."},
			{"copper-analysis", "What the Escondida copper strike means", "The strike by Escondida copper miners starves Antofagasta smelters of ore."},
		} {
			in := curatorArticle(a.slug, curatorNow.Add(-time.Hour), "mining", "americas")
			in.Title, in.BodyMarkdown = a.title, a.body
			ids = append(ids, mustCreate(t, db, in).ID)
		}
		// Others, so that the two's words are rare in the library.
		for i, body := range []string{"Rain returns to the wheat belt.", "A new bridge opens in Lisbon.", "The central bank holds its rate."} {
			in := curatorArticle(fmt.Sprintf("other-%d", i), curatorNow.Add(-2*time.Hour), "energy", "asia")
			in.BodyMarkdown = body
			mustCreate(t, db, in)
		}
		if _, err := db.RelateArticles(ctx); err != nil {
			t.Fatal(err)
		}
		slugs := func(recent ...int64) []string {
			t.Helper()
			list, err := db.ReadingRelated(ctx, m.ID, curatorNow, 10, recent)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, a := range list {
				out = append(out, a.Slug)
			}
			return out
		}
		if got := slugs(); len(got) != 0 {
			t.Errorf("related reading with nothing read = %v", got)
		}
		if got := slugs(ids[0]); !slices.Equal(got, []string{"copper-analysis"}) {
			t.Errorf("related reading of a waiting read = %v, want [copper-analysis]", got)
		}
		if got := slugs(ids[0], ids[1]); len(got) != 0 {
			t.Errorf("related reading with both read, waiting = %v, want none", got)
		}
		// Written, the same read gives the same.
		if err := db.RecordRead(ctx, m.ID, ids[0], curatorNow); err != nil {
			t.Fatal(err)
		}
		if got := slugs(); !slices.Equal(got, []string{"copper-analysis"}) {
			t.Errorf("related reading of a written read = %v, want [copper-analysis]", got)
		}
		if got := slugs(ids[1]); len(got) != 0 {
			t.Errorf("related reading with one read written, one waiting = %v, want none", got)
		}
	})
}

func TestDeleteAccountErasesCuratorData(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{curatorNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := verifiedMember(t, db, "reader@example.com")
		a := mustCreate(t, db, curatorArticle("one", curatorNow.Add(-time.Hour), "energy", "asia"))
		db.Follow(ctx, m.ID, masthead.FollowTopic, "energy", masthead.AlertInstant, curatorNow)
		db.SaveArticle(ctx, m.ID, a.ID, curatorNow)
		db.RecordRead(ctx, m.ID, a.ID, curatorNow)
		if err := db.DeleteAccount(ctx, masthead.AccountDeletion{MemberID: m.ID, PeriodStart: curatorNow.AddDate(0, -1, 0),
			PeriodEnd: curatorNow.AddDate(0, 1, 0), Now: curatorNow}); err != nil {
			t.Fatal(err)
		}
		fs, _ := db.Follows(ctx, m.ID)
		saved, _, _ := db.SavedArticles(ctx, m.ID, curatorNow, 10, 0)
		h, _ := db.History(ctx, m.ID, curatorNow, 10)
		if len(fs)+len(saved)+len(h) != 0 {
			t.Errorf("after deletion: %d follows, %d saved, %d read", len(fs), len(saved), len(h))
		}
	})
}

// alertDeliveries composes the alerts of mode until until and starts the
// issue's send, returning its deliveries by email.
func alertDeliveries(t *testing.T, db *store.DB, mode masthead.AlertMode, until, now time.Time) (int64, map[string]masthead.Delivery) {
	t.Helper()
	ctx := context.Background()
	id, err := db.ComposeAlerts(ctx, mode, until, now)
	if err != nil {
		t.Fatal(err)
	}
	if id == 0 {
		return 0, nil
	}
	if _, err := db.ClaimIssue(ctx, id, "test", now.Add(time.Minute), now, "example.com"); err != nil {
		t.Fatal(err)
	}
	ds, err := db.QueuedDeliveries(ctx, id, 0, now, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]masthead.Delivery{}
	for _, d := range ds {
		if _, dup := out[d.Email]; dup {
			t.Errorf("%s has two deliveries", d.Email)
		}
		out[d.Email] = d
	}
	return id, out
}

func TestAlertsComposeOnePerReader(t *testing.T) {
	clock := &fixedClock{curatorNow}
	storetest.EachWith(t, store.Options{Clock: clock, AlertInterval: 5 * time.Minute}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock.t = curatorNow
		ana := verifiedMember(t, db, "ana@example.com")
		ben := verifiedMember(t, db, "ben@example.com")
		daily := verifiedMember(t, db, "daily@example.com")
		unverified, err := db.EnsureMember(ctx, "unverified@example.com", masthead.RoleNone)
		if err != nil {
			t.Fatal(err)
		}
		seed := curatorArticle("seed", curatorNow.Add(-48*time.Hour), "energy", "europe")
		seed.Status = masthead.StatusDraft // names the topic and region, tells nobody
		mustCreate(t, db, seed)
		for _, f := range []struct {
			m    *masthead.Member
			kind masthead.FollowKind
			slug string
			mode masthead.AlertMode
		}{
			{ana, masthead.FollowTopic, "energy", masthead.AlertInstant},
			{ana, masthead.FollowRegion, "europe", masthead.AlertInstant},
			{ben, masthead.FollowRegion, "europe", masthead.AlertInstant},
			{daily, masthead.FollowTopic, "energy", masthead.AlertDaily},
			{unverified, masthead.FollowTopic, "energy", masthead.AlertInstant},
		} {
			if err := db.Follow(ctx, f.m.ID, f.kind, f.slug, f.mode, curatorNow); err != nil {
				t.Fatal(err)
			}
		}

		// Two articles go live in one slot; each matches Ana twice.
		mustCreate(t, db, curatorArticle("first", curatorNow, "energy", "europe"))
		clock.t = curatorNow.Add(time.Minute)
		mustCreate(t, db, curatorArticle("second", clock.t, "energy", "europe"))
		slotEnd := curatorNow.Truncate(5 * time.Minute).Add(5 * time.Minute)
		jobs, err := db.Jobs(ctx, masthead.JobFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var alertJobs []string
		for _, j := range jobs {
			if j.Kind == masthead.JobAlerts {
				alertJobs = append(alertJobs, j.Key)
			}
		}
		slices.Sort(alertJobs)
		wantJobs := []string{"daily 2026-12-08T06:00:00Z", "instant " + slotEnd.Format(time.RFC3339Nano)}
		if !slices.Equal(alertJobs, wantJobs) {
			t.Errorf("alert jobs = %v, want %v", alertJobs, wantJobs)
		}

		clock.t = slotEnd
		id, ds := alertDeliveries(t, db, masthead.AlertInstant, slotEnd, slotEnd)
		if id == 0 {
			t.Fatal("no alert issue composed")
		}
		if len(ds) != 2 {
			t.Fatalf("deliveries to %v, want ana and ben only", ds)
		}
		var m masthead.AlertMatch
		if err := json.Unmarshal([]byte(ds["ana@example.com"].Matches), &m); err != nil {
			t.Fatal(err)
		}
		if len(m.Articles) != 2 || len(m.Follows) != 2 {
			t.Errorf("ana's alert tells %+v, want both articles through both follows", m)
		}
		// Composing the slot again (a retried job) adds no issue.
		if again, _ := alertDeliveries(t, db, masthead.AlertInstant, slotEnd, slotEnd); again != 0 {
			t.Errorf("the slot was composed twice: issue %d", again)
		}

		// Ana unsubscribes from alerts: the next article tells Ben only.
		if err := db.SetNewsletterChoice(ctx, ana.ID, masthead.NewsletterAlerts, false, "Unsubscribed.", slotEnd); err != nil {
			t.Fatal(err)
		}
		clock.t = slotEnd.Add(time.Minute)
		mustCreate(t, db, curatorArticle("third", clock.t, "energy", "europe"))
		next := slotEnd.Add(5 * time.Minute)
		_, ds = alertDeliveries(t, db, masthead.AlertInstant, next, next)
		if _, ok := ds["ana@example.com"]; ok || len(ds) != 1 {
			t.Errorf("after unsubscribing: deliveries %v, want ben's alone", ds)
		}

		// The digest tells its reader of all three, once.
		digest := time.Date(2026, 12, 8, 6, 0, 0, 0, time.UTC)
		_, ds = alertDeliveries(t, db, masthead.AlertDaily, digest, digest)
		if len(ds) != 1 {
			t.Fatalf("digest deliveries %v", ds)
		}
		if err := json.Unmarshal([]byte(ds["daily@example.com"].Matches), &m); err != nil || len(m.Articles) != 3 {
			t.Errorf("digest tells %+v (%v), want three articles", m, err)
		}
	})
}

// TestCuratorVersionFollowsEveryChange: every change of what a reader
// follows, saved or read raises the version the session's one-query
// lookup reads, and only theirs; a read while the history is paused
// changes nothing. A page kept under the version (the For-you page)
// relies on it, on every instance.
func TestCuratorVersionFollowsEveryChange(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{curatorNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := verifiedMember(t, db, "reader@example.com")
		other := verifiedMember(t, db, "other@example.com")
		a := mustCreate(t, db, curatorArticle("energy-one", curatorNow.Add(-time.Hour), "energy", "asia"))
		session := func(id int64) []byte {
			_, hash := masthead.NewToken()
			if err := db.CreateSession(ctx, id, hash, curatorNow.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			return hash
		}
		mine, theirs := session(m.ID), session(other.ID)
		version := func(hash []byte) int64 {
			t.Helper()
			st, err := db.SessionReader(ctx, hash, curatorNow)
			if err != nil {
				t.Fatal(err)
			}
			return st.CuratorVersion
		}
		last, otherStart := version(mine), version(theirs)
		for _, c := range []struct {
			name   string
			change func() error
			raises bool
		}{
			{"follow", func() error {
				return db.Follow(ctx, m.ID, masthead.FollowTopic, "energy", masthead.AlertOff, curatorNow)
			}, true},
			{"alert on", func() error {
				return db.Follow(ctx, m.ID, masthead.FollowTopic, "energy", masthead.AlertInstant, curatorNow)
			}, true},
			{"stop the alert", func() error { return db.StopAlert(ctx, m.ID, masthead.FollowTopic, "energy") }, true},
			{"save", func() error { return db.SaveArticle(ctx, m.ID, a.ID, curatorNow) }, true},
			{"unsave", func() error { return db.UnsaveArticle(ctx, m.ID, a.ID) }, true},
			{"read", func() error { return db.RecordRead(ctx, m.ID, a.ID, curatorNow) }, true},
			{"pause", func() error { return db.SetHistoryPaused(ctx, m.ID, true, curatorNow) }, true},
			{"read while paused", func() error { return db.RecordRead(ctx, m.ID, a.ID, curatorNow.Add(time.Minute)) }, false},
			{"resume", func() error { return db.SetHistoryPaused(ctx, m.ID, false, curatorNow.Add(2*time.Minute)) }, true},
			{"clear the history", func() error { return db.ClearHistory(ctx, m.ID, curatorNow.Add(3*time.Minute)) }, true},
			{"unfollow", func() error { return db.Unfollow(ctx, m.ID, masthead.FollowTopic, "energy") }, true},
			{"followed in bulk", func() error {
				return db.FollowAll(ctx, []string{"reader@example.com"}, masthead.FollowRegion, "asia", masthead.AlertOff, curatorNow)
			}, true},
		} {
			if err := c.change(); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			v := version(mine)
			if c.raises && v <= last {
				t.Errorf("%s: version %d, was %d", c.name, v, last)
			}
			if !c.raises && v != last {
				t.Errorf("%s: version %d, was %d; nothing changed", c.name, v, last)
			}
			last = v
		}
		if v := version(theirs); v != otherStart {
			t.Errorf("another reader's version moved from %d to %d", otherStart, v)
		}
	})
}
