package http_test

// Deleting an account to start again, and what the deleted account held:
// its institution seat is free at once, its subscription is cancelled at
// Stripe (stripe-mock) before anything is deleted, and neither its old
// session, a late webhook about its subscription, nor a new account at
// the same address gets anything from what it held. When Stripe refuses
// the cancellation, nothing is deleted and the reader is sent to the
// portal.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"masthead"
	"masthead/billing"
	"masthead/billing/billingtest"
	mhttp "masthead/http"
)

// stripeCalls records the requests the billing client makes.
type stripeCalls struct {
	mu    sync.Mutex
	calls []string
	next  http.RoundTripper
}

func (s *stripeCalls) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.calls = append(s.calls, r.Method+" "+r.URL.Path)
	s.mu.Unlock()
	return s.next.RoundTrip(r)
}

func (s *stripeCalls) saw(call string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.calls {
		if c == call {
			return true
		}
	}
	return false
}

// accountsSite runs fn with a readers site whose Stripe is at apiURL,
// every call recorded, and an institution at univ.edu with one seat.
func accountsSite(t *testing.T, apiURL string, fn func(t *testing.T, rs *readers, calls *stripeCalls)) {
	calls := &stripeCalls{next: http.DefaultTransport}
	eachReaders(t, func(c *mhttp.Config, d *mhttp.Deps) {
		c.Billing = mhttp.BillingConfig{Grace: 3 * 24 * time.Hour}
		d.Billing = d.Meter.(masthead.BillingService)
		client, err := billing.New(billing.Config{SecretKey: "sk_test_1", WebhookSecret: testWhsec, APIURL: apiURL,
			HTTPClient: &http.Client{Transport: calls, Timeout: 10 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		d.Payments = client
	}, func(t *testing.T, rs *readers) {
		in, err := masthead.InstitutionInput{Name: "Univ", Domains: "univ.edu", SeatLimit: "1"}.Parse(time.UTC, now.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rs.db.CreateInstitution(context.Background(), in, 0); err != nil {
			t.Fatal(err)
		}
		fn(t, rs, calls)
	})
}

// subscribe gives m an active Stripe subscription through the webhook,
// as Stripe reports a checkout: customer cus_<id>, subscription sub_<id>.
func (rs *readers) subscribe(t *testing.T, m *masthead.Member) (sub, customer string) {
	t.Helper()
	member := strconv.FormatInt(m.ID, 10)
	sub, customer = "sub_"+member, "cus_"+member
	t0 := rs.clock.Now()
	for _, body := range [][]byte{
		billingtest.Event("evt_co_"+member, masthead.EventCheckoutCompleted, t0,
			billingtest.CheckoutSession("cs_"+member, member, customer, sub, "", "paid")),
		billingtest.Event("evt_sub_"+member, masthead.EventSubscriptionCreated, t0,
			billingtest.Subscription(billingtest.Sub{ID: sub, Customer: customer, Status: "active", MemberID: member,
				Start: t0.Add(-time.Minute), PeriodStart: t0.Add(-time.Minute), PeriodEnd: t0.AddDate(0, 1, 0)})),
	} {
		if res, out := rs.webhook(t, body, testWhsec, t0); res.StatusCode != 200 {
			t.Fatalf("webhook: %d %s", res.StatusCode, out)
		}
	}
	return sub, customer
}

func TestBypassDeletedAccountHoldsNothing(t *testing.T) {
	accountsSite(t, billingtest.StripeMock(t), func(t *testing.T, rs *readers, calls *stripeCalls) {
		ctx := context.Background()
		leaver, cookie := rs.verified(t, "leaver@univ.edu")
		sub, customer := rs.subscribe(t, leaver)
		if !rs.reads(t, cookie) {
			t.Fatal("the institutional subscriber does not read in full")
		}
		// Every seat is taken: a colleague reads the teaser.
		_, colleague := rs.verified(t, "colleague@univ.edu")
		if rs.reads(t, colleague) {
			t.Fatal("a colleague read past a full institution")
		}

		res, body := rs.send(t, req{url: "/account/delete", form: url.Values{"confirm": {"DELETE"}}, cookies: []*http.Cookie{cookie}})
		if res.StatusCode != 200 || !strings.Contains(body, "Your account is deleted") {
			t.Fatalf("delete: %d\n%s", res.StatusCode, excerpt(body))
		}
		if !calls.saw("DELETE /v1/subscriptions/" + sub) {
			t.Errorf("the subscription was not cancelled at Stripe; calls: %v", calls.calls)
		}

		// The old session reads nothing.
		if rs.reads(t, cookie) {
			t.Error("the deleted account's session still reads in full")
		}
		// The seat is free at once: the next member at the domain reads.
		if _, newcomer := rs.verified(t, "newcomer@univ.edu"); !rs.reads(t, newcomer) {
			t.Error("the freed seat went to no one")
		}
		// Stripe's late word about the cancelled subscription, or one
		// still saying active, attaches to nothing.
		member := strconv.FormatInt(leaver.ID, 10)
		for i, status := range []string{"canceled", "active"} {
			body := billingtest.Event("evt_late_"+strconv.Itoa(i), masthead.EventSubscriptionUpdated, rs.clock.Now().Add(time.Minute),
				billingtest.Subscription(billingtest.Sub{ID: sub, Customer: customer, Status: status, MemberID: member,
					Start: now.Add(-time.Hour), PeriodStart: now.Add(-time.Hour), PeriodEnd: now.AddDate(0, 1, 0)}))
			if res, out := rs.webhook(t, body, testWhsec, rs.clock.Now()); res.StatusCode != 200 {
				t.Fatalf("late webhook: %d %s", res.StatusCode, out)
			}
		}
		if ok, _ := rs.db.Entitled(ctx, leaver.ID, rs.clock.Now()); ok {
			t.Error("a late webhook reopened the deleted account's access")
		}
		var links int
		if err := rawCount(rs, `SELECT COUNT(*) FROM billing_customers WHERE customer_id = ?`, customer).Scan(&links); err != nil || links != 0 {
			t.Errorf("billing customer rows after deletion: %d, %v", links, err)
		}
		// A new account at the same address starts with nothing: the
		// seat is taken and the subscription belonged to the old one.
		again, againCookie := rs.verified(t, "leaver@univ.edu")
		if again.ID == leaver.ID {
			t.Fatal("the new account is the old row")
		}
		if rs.reads(t, againCookie) {
			t.Error("a new account at the deleted address reads in full")
		}
	})
}

// TestStaffDeletionCancelsNothing: a staff account is closed by an
// administrator; posting the deletion form cancels no subscription first.
func TestStaffDeletionCancelsNothing(t *testing.T) {
	accountsSite(t, billingtest.StripeMock(t), func(t *testing.T, rs *readers, calls *stripeCalls) {
		editor, err := rs.db.MemberByEmail(context.Background(), "editor@example.com")
		if err != nil {
			t.Fatal(err)
		}
		sub, _ := rs.subscribe(t, editor)
		staff := []*http.Cookie{{Name: mhttp.SessionCookie, Value: rs.staff}}
		res, body := rs.send(t, req{url: "/account/delete", form: url.Values{"confirm": {"DELETE"}}, cookies: staff})
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "closed by an administrator") {
			t.Fatalf("staff deletion: %d", res.StatusCode)
		}
		if calls.saw("DELETE /v1/subscriptions/" + sub) {
			t.Error("a staff member's subscription was cancelled by a refused deletion")
		}
	})
}

func TestAccountDeletionRefusedWhenCancelFails(t *testing.T) {
	// A Stripe that refuses every request, as with a revoked key.
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
			"type": "invalid_request_error", "message": "This request cannot be made now."}})
	}))
	t.Cleanup(refusing.Close)
	accountsSite(t, refusing.URL, func(t *testing.T, rs *readers, calls *stripeCalls) {
		ctx := context.Background()
		m, cookie := rs.verified(t, "payer@example.com")
		sub, _ := rs.subscribe(t, m)
		res, body := rs.send(t, req{url: "/account/delete", form: url.Values{"confirm": {"DELETE"}}, cookies: []*http.Cookie{cookie}})
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("delete with a failing cancellation: %d\n%s", res.StatusCode, excerpt(body))
		}
		mustContain(t, "refusal", body, "Your account was not deleted", "could not be cancelled",
			`action="/account/billing"`, "Open the billing portal to cancel")
		if !calls.saw("DELETE /v1/subscriptions/" + sub) {
			t.Errorf("no cancellation was tried; calls: %v", calls.calls)
		}
		// Nothing changed: the account, its session and its access stay.
		if got, err := rs.db.Member(ctx, m.ID); err != nil || got.Email != "payer@example.com" {
			t.Fatalf("member after a refused deletion: %+v, %v", got, err)
		}
		if !rs.reads(t, cookie) {
			t.Error("the subscriber lost access though the deletion was refused")
		}
		if c, err := rs.db.BillingCustomer(ctx, m.ID); err != nil || c == "" {
			t.Errorf("customer after a refused deletion: %q, %v", c, err)
		}
	})
}
