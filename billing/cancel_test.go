package billing_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"masthead/billing"
)

// TestCancelSubscription cancels against stripe-mock, which checks the
// request against Stripe's description; a subscription Stripe no longer
// knows is not an error, and any other refusal is.
func TestCancelSubscription(t *testing.T) {
	if err := mockClient(t).CancelSubscription(context.Background(), "sub_123"); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	for _, c := range []struct {
		name    string
		code    string
		wantErr bool
	}{
		{"unknown to Stripe", "resource_missing", false},
		{"refused", "", true},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			status := http.StatusBadRequest
			if c.code == "resource_missing" {
				status = http.StatusNotFound
			}
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
				"type": "invalid_request_error", "code": c.code, "message": "No such subscription: 'sub_x'"}})
		}))
		cl, err := billing.New(billing.Config{SecretKey: "sk_test_123", WebhookSecret: whsec, APIURL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		err = cl.CancelSubscription(context.Background(), "sub_x")
		srv.Close()
		if (err != nil) != c.wantErr || (err != nil && !strings.Contains(err.Error(), "sub_x")) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
