package access_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"masthead"
	"masthead/access"
)

func TestDecide(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	policy := access.Policy{Credits: 3, Period: "month", Location: paris}
	// 14 March 2025, 10:00 in Paris.
	now := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	// The first second of March in Paris is 23:00 UTC on 28 February.
	marchStart := time.Date(2025, 2, 28, 23, 0, 0, 0, time.UTC)

	article := func(a masthead.Access) *masthead.Article {
		return &masthead.Article{Slug: "x", Access: a, Status: masthead.StatusPublished, PublishedAt: now.Add(-time.Hour)}
	}
	verified := &masthead.Member{ID: 7, Email: "r@example.com", VerifiedAt: now.Add(-24 * time.Hour)}
	unverified := &masthead.Member{ID: 8, Email: "u@example.com"}
	staff := func(r masthead.Role) *masthead.Member {
		return &masthead.Member{ID: 9, Email: "s@example.com", Role: r, VerifiedAt: now}
	}
	times := func(ts ...time.Time) []time.Time { return ts }
	// A subscriber who shared a gift link.
	giver := access.Giver{Member: &masthead.Member{ID: 10, Email: "g@example.com", VerifiedAt: now}, Subscriber: true}
	thisMonth := now.Add(-48 * time.Hour)
	lastMonth := marchStart.Add(-time.Second)

	metered, subs, free := article(masthead.AccessMetered), article(masthead.AccessSubscribers), article(masthead.AccessFree)
	tests := []struct {
		name    string
		reader  access.Reader
		article *masthead.Article
		meter   access.Meter
		now     time.Time
		want    access.Decision
	}{
		{"free, anonymous", access.Reader{}, free, access.Meter{}, now,
			access.Decision{Full: true, Reason: access.ReasonFreeArticle}},
		{"free, member shows credits", access.Reader{Member: verified}, free, access.Meter{Unlocks: times(thisMonth)}, now,
			access.Decision{Full: true, Reason: access.ReasonFreeArticle, CreditsLeft: 2}},
		{"metered, anonymous", access.Reader{}, metered, access.Meter{}, now,
			access.Decision{Reason: access.ReasonAnonymous, Offer: access.OfferRegister}},
		{"subscribers, anonymous", access.Reader{}, subs, access.Meter{}, now,
			access.Decision{Reason: access.ReasonSubscribersOnly, Offer: access.OfferSubscribe}},
		{"metered, unverified member", access.Reader{Member: unverified}, metered, access.Meter{}, now,
			access.Decision{Reason: access.ReasonUnverified, CreditsLeft: 3, Offer: access.OfferVerify}},
		{"metered, verified with credits", access.Reader{Member: verified}, metered, access.Meter{}, now,
			access.Decision{Reason: access.ReasonMeterAvailable, CreditsLeft: 3, Offer: access.OfferUnlock}},
		{"the last credit is still offered", access.Reader{Member: verified}, metered, access.Meter{Unlocks: times(thisMonth, thisMonth)}, now,
			access.Decision{Reason: access.ReasonMeterAvailable, CreditsLeft: 1, Offer: access.OfferUnlock}},
		{"no credits left", access.Reader{Member: verified}, metered, access.Meter{Unlocks: times(thisMonth, thisMonth, thisMonth)}, now,
			access.Decision{Reason: access.ReasonMeterExhausted, Offer: access.OfferSubscribe}},
		{"more unlocks than credits never goes negative", access.Reader{Member: verified}, metered, access.Meter{Unlocks: times(thisMonth, thisMonth, thisMonth, thisMonth)}, now,
			access.Decision{Reason: access.ReasonMeterExhausted, Offer: access.OfferSubscribe}},
		{"unlocked this month", access.Reader{Member: verified}, metered, access.Meter{Unlocked: true, Unlocks: times(thisMonth)}, now,
			access.Decision{Full: true, Reason: access.ReasonUnlocked, CreditsLeft: 2}},
		{"unlocked last month stays open with the meter exhausted", access.Reader{Member: verified}, metered,
			access.Meter{Unlocked: true, Unlocks: times(thisMonth, thisMonth, thisMonth, lastMonth)}, now,
			access.Decision{Full: true, Reason: access.ReasonUnlocked}},
		{"unlocks of last month do not count", access.Reader{Member: verified}, metered, access.Meter{Unlocks: times(lastMonth, lastMonth, lastMonth)}, now,
			access.Decision{Reason: access.ReasonMeterAvailable, CreditsLeft: 3, Offer: access.OfferUnlock}},
		{"last second of February in Paris: exhausted", access.Reader{Member: verified}, metered,
			access.Meter{Unlocks: times(lastMonth.Add(-time.Hour), lastMonth.Add(-time.Minute), lastMonth)}, lastMonth,
			access.Decision{Reason: access.ReasonMeterExhausted, Offer: access.OfferSubscribe}},
		{"first second of March in Paris: credits again", access.Reader{Member: verified}, metered,
			access.Meter{Unlocks: times(lastMonth.Add(-time.Hour), lastMonth.Add(-time.Minute), lastMonth)}, marchStart,
			access.Decision{Reason: access.ReasonMeterAvailable, CreditsLeft: 3, Offer: access.OfferUnlock}},
		{"an unlock at the first second counts in the new month", access.Reader{Member: verified}, metered,
			access.Meter{Unlocks: times(marchStart)}, marchStart.Add(time.Minute),
			access.Decision{Reason: access.ReasonMeterAvailable, CreditsLeft: 2, Offer: access.OfferUnlock}},
		{"subscribers-only is never unlocked by credits", access.Reader{Member: verified}, subs, access.Meter{Unlocked: true}, now,
			access.Decision{Reason: access.ReasonSubscribersOnly, CreditsLeft: 3, Offer: access.OfferSubscribe}},
		{"registration unlock opens that article", access.Reader{RegistrationUnlock: true}, metered, access.Meter{}, now,
			access.Decision{Full: true, Reason: access.ReasonRegistrationUnlock}},
		{"registration unlock never opens subscribers-only", access.Reader{RegistrationUnlock: true}, subs, access.Meter{}, now,
			access.Decision{Reason: access.ReasonSubscribersOnly, Offer: access.OfferSubscribe}},
		{"subscriber", access.Reader{Member: verified, Subscriber: true}, subs, access.Meter{}, now,
			access.Decision{Full: true, Reason: access.ReasonSubscriber, CreditsLeft: 3}},
		{"subscriber needs a member", access.Reader{Subscriber: true}, subs, access.Meter{}, now,
			access.Decision{Reason: access.ReasonSubscribersOnly, Offer: access.OfferSubscribe}},
		{"institution without an account", access.Reader{Institution: "Univ"}, subs, access.Meter{}, now,
			access.Decision{Full: true, Reason: access.ReasonInstitution}},
		{"verified crawler", access.Reader{VerifiedCrawler: true}, subs, access.Meter{}, now,
			access.Decision{Full: true, Reason: access.ReasonVerifiedCrawler}},
		{"gift link", access.Reader{GiftLink: true, Giver: giver}, subs, access.Meter{}, now,
			access.Decision{Full: true, Reason: access.ReasonGiftLink}},
		{"gift link spends nothing for a member", access.Reader{Member: verified, GiftLink: true, Giver: giver}, metered, access.Meter{Unlocks: times(thisMonth)}, now,
			access.Decision{Full: true, Reason: access.ReasonGiftLink, CreditsLeft: 2}},
		{"gift link from staff", access.Reader{GiftLink: true, Giver: access.Giver{Member: staff(masthead.RoleEditor)}}, subs, access.Meter{}, now,
			access.Decision{Full: true, Reason: access.ReasonGiftLink}},
		// The link lends the giver's standing, and ends with it.
		{"gift link whose giver no longer subscribes", access.Reader{GiftLink: true, Giver: access.Giver{Member: verified}}, subs, access.Meter{}, now,
			access.Decision{Reason: access.ReasonSubscribersOnly, Offer: access.OfferSubscribe}},
		{"gift link whose giver no longer subscribes, metered", access.Reader{GiftLink: true, Giver: access.Giver{Member: verified}}, metered, access.Meter{}, now,
			access.Decision{Reason: access.ReasonAnonymous, Offer: access.OfferRegister}},
		{"gift link whose giver is no longer staff", access.Reader{GiftLink: true, Giver: access.Giver{Member: staff(masthead.RoleNone)}}, subs, access.Meter{}, now,
			access.Decision{Reason: access.ReasonSubscribersOnly, Offer: access.OfferSubscribe}},
		{"gift link whose giver's account is gone", access.Reader{GiftLink: true, Giver: access.Giver{Subscriber: true}}, subs, access.Meter{}, now,
			access.Decision{Reason: access.ReasonSubscribersOnly, Offer: access.OfferSubscribe}},
		{"gift link with no giver known", access.Reader{Member: verified, GiftLink: true}, metered, access.Meter{Unlocks: times(thisMonth)}, now,
			access.Decision{Reason: access.ReasonMeterAvailable, CreditsLeft: 2, Offer: access.OfferUnlock}},
		{"a giver is not a gift link", access.Reader{Giver: giver}, subs, access.Meter{}, now,
			access.Decision{Reason: access.ReasonSubscribersOnly, Offer: access.OfferSubscribe}},
		{"author", access.Reader{Member: staff(masthead.RoleAuthor)}, subs, access.Meter{}, now,
			access.Decision{Full: true, Reason: access.ReasonStaff, CreditsLeft: 3}},
		{"admin", access.Reader{Member: staff(masthead.RoleAdmin)}, metered, access.Meter{}, now,
			access.Decision{Full: true, Reason: access.ReasonStaff, CreditsLeft: 3}},
		{"unknown role is not staff", access.Reader{Member: staff("owner")}, metered, access.Meter{}, now,
			access.Decision{Reason: access.ReasonMeterAvailable, CreditsLeft: 3, Offer: access.OfferUnlock}},
		{"unknown access level closes", access.Reader{Member: staff(masthead.RoleAdmin)}, article("open"), access.Meter{}, now,
			access.Decision{Reason: access.ReasonSubscribersOnly, CreditsLeft: 3, Offer: access.OfferSubscribe}},
		{"empty access level closes", access.Reader{}, article(""), access.Meter{}, now,
			access.Decision{Reason: access.ReasonSubscribersOnly, Offer: access.OfferSubscribe}},
		{"nil article closes", access.Reader{Member: staff(masthead.RoleAdmin)}, nil, access.Meter{}, now,
			access.Decision{Reason: access.ReasonAnonymous, CreditsLeft: 3, Offer: access.OfferRegister}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := access.Decide(tt.reader, tt.article, tt.meter, policy, tt.now)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decide() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPeriods(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	month := access.Policy{Period: "month", Location: ny}
	week := access.Policy{Period: "week", Location: ny}
	// 1 March 2025, 04:59:59 UTC is still 28 February in New York.
	at := time.Date(2025, 3, 1, 4, 59, 59, 0, time.UTC)
	if got, want := month.PeriodStart(at), time.Date(2025, 2, 1, 0, 0, 0, 0, ny); !got.Equal(want) {
		t.Errorf("month start %v, want %v", got, want)
	}
	if got, want := month.PeriodEnd(at), time.Date(2025, 3, 1, 0, 0, 0, 0, ny); !got.Equal(want) {
		t.Errorf("month end %v, want %v", got, want)
	}
	// Sunday 9 March 2025 (the day clocks change) belongs to the week of
	// Monday 3 March.
	sunday := time.Date(2025, 3, 9, 12, 0, 0, 0, ny)
	if got, want := week.PeriodStart(sunday), time.Date(2025, 3, 3, 0, 0, 0, 0, ny); !got.Equal(want) {
		t.Errorf("week start %v, want %v", got, want)
	}
	if got, want := week.PeriodEnd(sunday), time.Date(2025, 3, 10, 0, 0, 0, 0, ny); !got.Equal(want) {
		t.Errorf("week end %v, want %v", got, want)
	}
}

func TestAnonymous(t *testing.T) {
	if !(access.Reader{}).Anonymous() {
		t.Error("the zero reader is not anonymous")
	}
	for name, r := range map[string]access.Reader{
		"member":              {Member: &masthead.Member{ID: 1}},
		"crawler":             {VerifiedCrawler: true},
		"institution":         {Institution: "Univ"},
		"gift":                {GiftLink: true},
		"gift's giver":        {Giver: access.Giver{Subscriber: true}},
		"registration unlock": {RegistrationUnlock: true},
	} {
		if r.Anonymous() {
			t.Errorf("%s counted anonymous: a shared cache could hand its page to another reader", name)
		}
	}
}
