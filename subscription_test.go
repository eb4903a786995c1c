package masthead_test

import (
	"testing"
	"time"

	"masthead"
)

// TestSubscriptionAccess walks each status across the boundaries that
// matter: the period's start and end, and the grace period's end.
func TestSubscriptionAccess(t *testing.T) {
	day := 24 * time.Hour
	grace := 7 * day
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 1, 0)
	sub := func(status masthead.SubscriptionStatus, mod ...func(*masthead.Subscription)) masthead.Subscription {
		s := masthead.Subscription{ID: "sub_1", Status: status, StartedAt: start.AddDate(0, -2, 0),
			PeriodStart: start, PeriodEnd: end}
		for _, m := range mod {
			m(&s)
		}
		return s
	}
	cancelAtEnd := func(s *masthead.Subscription) { s.CancelAtPeriodEnd = true }
	failed := func(s *masthead.Subscription) { s.PaymentFailed = true }
	noPeriod := func(s *masthead.Subscription) { s.PeriodStart, s.PeriodEnd = time.Time{}, time.Time{} }
	tests := []struct {
		name  string
		sub   masthead.Subscription
		grace time.Duration
		at    time.Time
		want  bool
	}{
		{"active mid-period", sub(masthead.StatusActive), grace, start.Add(10 * day), true},
		{"active before it started", sub(masthead.StatusActive), grace, start.AddDate(0, -3, 0), false},
		{"active at period end (renewal not yet reported)", sub(masthead.StatusActive), grace, end, true},
		{"active just before grace ends", sub(masthead.StatusActive), grace, end.Add(grace - time.Second), true},
		{"active at grace end", sub(masthead.StatusActive), grace, end.Add(grace), false},
		{"active without grace at period end", sub(masthead.StatusActive), 0, end, false},
		{"trialing mid-trial", sub(masthead.StatusTrialing), grace, start.Add(day), true},
		{"trialing after trial and grace", sub(masthead.StatusTrialing), grace, end.Add(grace + day), false},
		{"cancel at period end: before end", sub(masthead.StatusActive, cancelAtEnd), grace, end.Add(-time.Second), true},
		{"cancel at period end: at end, no grace", sub(masthead.StatusActive, cancelAtEnd), grace, end, false},
		{"past_due within grace", sub(masthead.StatusPastDue), grace, start.Add(grace - time.Second), true},
		{"past_due at grace end", sub(masthead.StatusPastDue), grace, start.Add(grace), false},
		{"past_due with no grace", sub(masthead.StatusPastDue), 0, start.Add(time.Second), false},
		{"canceled keeps the paid period", sub(masthead.StatusCanceled), grace, end.Add(-time.Second), true},
		{"canceled after the paid period", sub(masthead.StatusCanceled), grace, end, false},
		{"canceled for failed payment: within grace", sub(masthead.StatusCanceled, failed), grace, start.Add(day), true},
		{"canceled for failed payment: after grace", sub(masthead.StatusCanceled, failed), grace, start.Add(grace), false},
		{"canceled for failed payment: grace longer than period", sub(masthead.StatusCanceled, failed), 60 * day, end, false},
		{"unpaid", sub(masthead.StatusUnpaid), grace, start.Add(day), false},
		{"incomplete", sub(masthead.StatusIncomplete), grace, start.Add(day), false},
		{"incomplete_expired", sub(masthead.StatusIncompleteExpired), grace, start.Add(day), false},
		{"paused", sub(masthead.StatusPaused), grace, start.Add(day), false},
		{"unknown status", sub("ended"), grace, start.Add(day), false},
		{"no period known", sub(masthead.StatusActive, noPeriod), grace, start.Add(day), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := masthead.SubscriptionAccess(tt.sub, tt.grace, tt.at); got != tt.want {
				s, e, ok := masthead.SubscriptionWindow(tt.sub, tt.grace)
				t.Errorf("SubscriptionAccess at %s = %v, want %v (window %s – %s, %v)", tt.at, got, tt.want, s, e, ok)
			}
		})
	}
}

func TestPlanValidate(t *testing.T) {
	ok := masthead.Plan{Slug: "monthly", Name: "Monthly", Interval: masthead.IntervalMonth, Amount: 900, Currency: "USD"}
	if err := ok.Validate(); err != nil || ok.Currency != "usd" {
		t.Fatalf("valid plan: %v (currency %q)", err, ok.Currency)
	}
	for name, mod := range map[string]func(*masthead.Plan){
		"no name":        func(p *masthead.Plan) { p.Name = " " },
		"bad interval":   func(p *masthead.Plan) { p.Interval = "week" },
		"zero amount":    func(p *masthead.Plan) { p.Amount = 0 },
		"bad currency":   func(p *masthead.Plan) { p.Currency = "dollars" },
		"negative trial": func(p *masthead.Plan) { p.TrialDays = -1 },
		"bad price id":   func(p *masthead.Plan) { p.StripePriceID = "prod_1" },
	} {
		p := ok
		mod(&p)
		if err := p.Validate(); masthead.ErrorCode(err) != masthead.EINVALID {
			t.Errorf("%s: Validate = %v, want invalid", name, err)
		}
	}
}
