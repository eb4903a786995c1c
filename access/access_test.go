package access_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"masthead"
	"masthead/access"
)

func TestDecide(t *testing.T) {
	now := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	article := func(a masthead.Access) *masthead.Article {
		return &masthead.Article{Slug: "x", Access: a, Status: masthead.StatusPublished, PublishedAt: now.Add(-time.Hour)}
	}
	member := func(r masthead.Role) *masthead.Member {
		return &masthead.Member{ID: 7, Email: "r@example.com", Role: r}
	}
	policy := access.DefaultPolicy()

	tests := []struct {
		name    string
		reader  access.Reader
		article *masthead.Article
		meter   access.Meter
		want    access.Decision
	}{
		{"free article, anonymous", access.Reader{}, article(masthead.AccessFree), access.Meter{},
			access.Decision{Full: true, Reason: access.ReasonFreeArticle, CreditsLeft: 3}},
		{"free article, reader", access.Reader{Member: member(masthead.RoleNone)}, article(masthead.AccessFree), access.Meter{Used: 1},
			access.Decision{Full: true, Reason: access.ReasonFreeArticle, CreditsLeft: 2}},
		{"metered, anonymous", access.Reader{}, article(masthead.AccessMetered), access.Meter{},
			access.Decision{Reason: access.ReasonAnonymous, CreditsLeft: 3, Offer: access.OfferRegister}},
		{"subscribers, anonymous", access.Reader{}, article(masthead.AccessSubscribers), access.Meter{},
			access.Decision{Reason: access.ReasonAnonymous, CreditsLeft: 3, Offer: access.OfferSubscribe}},
		{"metered, reader without role", access.Reader{Member: member(masthead.RoleNone)}, article(masthead.AccessMetered), access.Meter{},
			access.Decision{Reason: access.ReasonAnonymous, CreditsLeft: 3, Offer: access.OfferRegister}},
		{"metered, author", access.Reader{Member: member(masthead.RoleAuthor)}, article(masthead.AccessMetered), access.Meter{},
			access.Decision{Full: true, Reason: access.ReasonStaff, CreditsLeft: 3}},
		{"subscribers, editor", access.Reader{Member: member(masthead.RoleEditor)}, article(masthead.AccessSubscribers), access.Meter{},
			access.Decision{Full: true, Reason: access.ReasonStaff, CreditsLeft: 3}},
		{"subscribers, admin", access.Reader{Member: member(masthead.RoleAdmin)}, article(masthead.AccessSubscribers), access.Meter{},
			access.Decision{Full: true, Reason: access.ReasonStaff, CreditsLeft: 3}},
		{"unknown role is not staff", access.Reader{Member: member("owner")}, article(masthead.AccessMetered), access.Meter{},
			access.Decision{Reason: access.ReasonAnonymous, CreditsLeft: 3, Offer: access.OfferRegister}},
		{"unknown access level closes", access.Reader{}, article("open"), access.Meter{},
			access.Decision{Reason: access.ReasonAnonymous, CreditsLeft: 3, Offer: access.OfferSubscribe}},
		{"empty access level closes", access.Reader{}, article(""), access.Meter{},
			access.Decision{Reason: access.ReasonAnonymous, CreditsLeft: 3, Offer: access.OfferSubscribe}},
		{"nil article closes", access.Reader{Member: member(masthead.RoleAdmin)}, nil, access.Meter{},
			access.Decision{Reason: access.ReasonAnonymous, CreditsLeft: 3, Offer: access.OfferRegister}},
		{"credits never negative", access.Reader{}, article(masthead.AccessMetered), access.Meter{Used: 9},
			access.Decision{Reason: access.ReasonAnonymous, CreditsLeft: 0, Offer: access.OfferRegister}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := access.Decide(tt.reader, tt.article, tt.meter, policy, now)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decide mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
