package bounce_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"masthead/bounce"
)

func newHandler(t *testing.T, f *snsFixture, s *sink) (*bounce.Handler, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	cfg := bounce.Config{
		PostmarkUser: "hook", PostmarkPassword: "s3cret",
		GenericSecret: []byte("generic-secret"),
		Logger:        slog.New(slog.NewTextHandler(&logs, nil)),
		Now:           func() time.Time { return now },
	}
	if f != nil {
		cfg.SNS = f.options()
	}
	return bounce.New(cfg, s), &logs
}

func TestSESHandler(t *testing.T) {
	f := newSNSFixture(t)
	tests := []struct {
		name       string
		body       func() []byte
		wantStatus int
		wantCode   string
		want       []string
	}{
		{name: "hard bounce suppresses", wantStatus: 200, want: []string{"gone@example.com bounce"},
			body: func() []byte { return f.sign(t, notification(sesBounce("Permanent", "gone@example.com")), "1") }},
		{name: "complaint suppresses", wantStatus: 200, want: []string{"angry@example.com complaint"},
			body: func() []byte { return f.sign(t, notification(sesComplaint("angry@example.com", "abuse")), "2") }},
		{name: "soft bounce does not", wantStatus: 200,
			body: func() []byte { return f.sign(t, notification(sesBounce("Transient", "full@example.com")), "2") }},
		{name: "forged", wantStatus: 403, wantCode: "forbidden", body: func() []byte {
			return []byte(strings.Replace(string(f.sign(t, notification(sesBounce("Permanent", "gone@example.com")), "2")), "gone@", "victim@", 1))
		}},
		{name: "unsigned", wantStatus: 403, wantCode: "forbidden", body: func() []byte {
			return []byte(`{"Type":"Notification","MessageId":"a","TopicArn":"` + topic + `","Message":"{}","Timestamp":"2026-03-04T10:00:00Z"}`)
		}},
		{name: "signed but the message is not SES JSON", wantStatus: 400, wantCode: "invalid",
			body: func() []byte { return f.sign(t, notification("hello"), "2") }},
		{name: "malformed", wantStatus: 400, wantCode: "invalid", body: func() []byte { return []byte("{") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sink{}
			h, logs := newHandler(t, f, s)
			w := post(t, h.SES(), tt.body(), nil)
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantCode != "" {
				if got := errorCode(t, w); got != tt.wantCode {
					t.Errorf("code %q, want %q", got, tt.wantCode)
				}
				if !strings.Contains(logs.String(), "notification refused") {
					t.Errorf("refusal not logged: %s", logs)
				}
			}
			if diff := cmp.Diff(tt.want, s.suppressed()); diff != "" {
				t.Errorf("suppressed (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSESSubscriptionConfirmation(t *testing.T) {
	f := newSNSFixture(t)
	confirmation := func(subscribeURL string) map[string]string {
		return map[string]string{
			"Type": "SubscriptionConfirmation", "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
			"Token": "tok-123", "TopicArn": topic,
			"Message":      "You have chosen to subscribe to the topic " + topic + ".",
			"SubscribeURL": subscribeURL,
			"Timestamp":    now.Format(time.RFC3339Nano),
		}
	}
	s := &sink{}
	h, _ := newHandler(t, f, s)

	w := post(t, h.SES(), f.sign(t, confirmation(f.srv.URL+"/confirm?Action=ConfirmSubscription&Token=tok-123"), "1"), nil)
	if w.Code != 200 || f.confirmed.Load() != 1 {
		t.Fatalf("confirmation: status %d, confirmed %d: %s", w.Code, f.confirmed.Load(), w.Body)
	}
	// A SubscribeURL on another host is never fetched, even when the
	// message is signed.
	w = post(t, h.SES(), f.sign(t, confirmation("https://evil.example/confirm?Token=tok-123"), "2"), nil)
	if w.Code != 403 || f.confirmed.Load() != 1 {
		t.Fatalf("foreign SubscribeURL: status %d, confirmed %d", w.Code, f.confirmed.Load())
	}
	// A forged confirmation is not followed.
	forgedBody := strings.Replace(string(f.sign(t, confirmation(f.srv.URL+"/confirm?Token=tok-123"), "2")), "tok-123", "tok-124", 1)
	if w := post(t, h.SES(), []byte(forgedBody), nil); w.Code != 403 || f.confirmed.Load() != 1 {
		t.Fatalf("forged confirmation: status %d, confirmed %d", w.Code, f.confirmed.Load())
	}
}

const postmarkBounce = `{"RecordType":"Bounce","MessageStream":"outbound","ID":4323372036854775807,"Type":"HardBounce",
"TypeCode":1,"Name":"Hard bounce","Tag":"","MessageID":"883953f4-6105-42a2-a16a-77a8eac79483",
"Description":"The server was unable to deliver your message (ex: unknown user, mailbox not found).",
"Details":"smtp;550 5.1.1 The email account that you tried to reach does not exist.","Email":"Gone@Example.com",
"From":"daily@example.com","BouncedAt":"2026-03-04T09:59:54.9070259Z","DumpAvailable":true,"Inactive":true,
"CanActivate":true,"Subject":"The Daily Review","ServerID":23,"Content":""}`

const postmarkComplaint = `{"RecordType":"SpamComplaint","MessageStream":"outbound","ID":42,"Type":"SpamComplaint",
"TypeCode":100001,"Name":"Spam complaint","Email":"angry@example.com","BouncedAt":"2026-03-04T09:58:00Z",
"Description":"The subscriber explicitly marked this message as spam."}`

func TestParsePostmark(t *testing.T) {
	got, err := bounce.ParsePostmark([]byte(postmarkBounce), now)
	if err != nil {
		t.Fatal(err)
	}
	want := []bounce.Event{{
		Email: "gone@example.com", Kind: bounce.HardBounce, Source: "postmark", ID: "4323372036854775807",
		Detail: "HardBounce (1); The server was unable to deliver your message (ex: unknown user, mailbox not found).; smtp;550 5.1.1 The email account that you tried to reach does not exist.",
		At:     time.Date(2026, 3, 4, 9, 59, 54, 907025900, time.UTC),
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bounce (-want +got):\n%s", diff)
	}
	for body, wantKind := range map[string]bounce.Kind{
		postmarkComplaint: bounce.Complaint,
		strings.Replace(postmarkBounce, `"HardBounce"`, `"Transient"`, 1):     bounce.SoftBounce,
		strings.Replace(postmarkBounce, `"HardBounce"`, `"AutoResponder"`, 1): "",
		`{"RecordType":"Delivery","Email":"a@example.com"}`:                   "",
	} {
		got, err := bounce.ParsePostmark([]byte(body), now)
		if err != nil {
			t.Fatalf("%.60s: %v", body, err)
		}
		if wantKind == "" && len(got) != 0 || wantKind != "" && (len(got) != 1 || got[0].Kind != wantKind) {
			t.Errorf("%.60s: got %+v, want kind %q", body, got, wantKind)
		}
	}
	for _, body := range []string{`[]`, `{}`, `{"RecordType":"Bounce","Type":"HardBounce","Email":"nope"}`} {
		if _, err := bounce.ParsePostmark([]byte(body), now); !errors.Is(err, bounce.ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", body, err)
		}
	}
}

func TestPostmarkHandler(t *testing.T) {
	tests := []struct {
		name       string
		user, pass string
		body       string
		wantStatus int
		want       []string
		wantSoft   int
	}{
		{name: "hard bounce", user: "hook", pass: "s3cret", body: postmarkBounce, wantStatus: 200, want: []string{"gone@example.com bounce"}},
		{name: "spam complaint", user: "hook", pass: "s3cret", body: postmarkComplaint, wantStatus: 200, want: []string{"angry@example.com complaint"}},
		{name: "soft bounce recorded only", user: "hook", pass: "s3cret", wantStatus: 200, wantSoft: 1,
			body: strings.Replace(postmarkBounce, `"HardBounce"`, `"SoftBounce"`, 1)},
		{name: "wrong password", user: "hook", pass: "guess", body: postmarkBounce, wantStatus: 403},
		{name: "no credentials", body: postmarkBounce, wantStatus: 401},
		{name: "malformed", user: "hook", pass: "s3cret", body: `{"RecordType":`, wantStatus: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sink{}
			h, _ := newHandler(t, nil, s)
			r := newRequest(tt.body)
			if tt.user != "" {
				r.SetBasicAuth(tt.user, tt.pass)
			}
			w := serve(h.Postmark(), r)
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if diff := cmp.Diff(tt.want, s.suppressed()); diff != "" {
				t.Errorf("suppressed (-want +got):\n%s", diff)
			}
			if len(s.soft) != tt.wantSoft {
				t.Errorf("soft bounces recorded %d, want %d", len(s.soft), tt.wantSoft)
			}
		})
	}
}

func TestGenericHandler(t *testing.T) {
	secret := []byte("generic-secret")
	hard := `{"email":"gone@example.com","type":"bounce","permanent":true,"detail":"550 5.1.1 user unknown"}`
	tests := []struct {
		name       string
		body       string
		sig        string
		wantStatus int
		want       []string
	}{
		{name: "hard bounce", body: hard, sig: bounce.SignGeneric(secret, []byte(hard)), wantStatus: 200, want: []string{"gone@example.com bounce"}},
		{name: "complaint", body: `{"email":"a@example.com","type":"complaint"}`,
			sig: bounce.SignGeneric(secret, []byte(`{"email":"a@example.com","type":"complaint"}`)), wantStatus: 200, want: []string{"a@example.com complaint"}},
		{name: "soft bounce", body: `{"email":"a@example.com","type":"bounce"}`,
			sig: bounce.SignGeneric(secret, []byte(`{"email":"a@example.com","type":"bounce"}`)), wantStatus: 200},
		{name: "unsigned", body: hard, wantStatus: 403},
		{name: "wrong secret", body: hard, sig: bounce.SignGeneric([]byte("guess"), []byte(hard)), wantStatus: 403},
		{name: "body changed", body: strings.Replace(hard, "gone@", "victim@", 1), sig: bounce.SignGeneric(secret, []byte(hard)), wantStatus: 403},
		{name: "not hex", body: hard, sig: "sha256=zz", wantStatus: 403},
		{name: "signed but unknown type", body: `{"email":"a@example.com","type":"bounced"}`,
			sig: bounce.SignGeneric(secret, []byte(`{"email":"a@example.com","type":"bounced"}`)), wantStatus: 400},
		{name: "signed but unknown field", body: `{"email":"a@example.com","type":"bounce","x":1}`,
			sig: bounce.SignGeneric(secret, []byte(`{"email":"a@example.com","type":"bounce","x":1}`)), wantStatus: 400},
		{name: "replay of an old notification", body: `{"email":"a@example.com","type":"complaint","at":"2026-03-01T00:00:00Z"}`,
			sig: bounce.SignGeneric(secret, []byte(`{"email":"a@example.com","type":"complaint","at":"2026-03-01T00:00:00Z"}`)), wantStatus: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sink{}
			h, _ := newHandler(t, nil, s)
			w := post(t, h.Generic(), []byte(tt.body), map[string]string{bounce.SignatureHeader: tt.sig})
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if diff := cmp.Diff(tt.want, s.suppressed()); diff != "" {
				t.Errorf("suppressed (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUnconfiguredEndpoints checks an endpoint without settings takes
// nothing in, and a store failure asks the provider to retry.
func TestUnconfiguredEndpoints(t *testing.T) {
	s := &sink{}
	h := bounce.New(bounce.Config{}, s)
	for name, ep := range map[string]http.Handler{"ses": h.SES(), "postmark": h.Postmark(), "generic": h.Generic()} {
		if w := post(t, ep, []byte(postmarkBounce), nil); w.Code != 404 {
			t.Errorf("%s: status %d, want 404", name, w.Code)
		}
	}
	if len(s.suppressed()) != 0 {
		t.Error("an unconfigured endpoint suppressed an address")
	}

	failing := &sink{fail: errors.New("database is down")}
	h, _ = newHandler(t, nil, failing)
	r := newRequest(postmarkBounce)
	r.SetBasicAuth("hook", "s3cret")
	if w := serve(h.Postmark(), r); w.Code != 500 {
		t.Errorf("store failure: status %d, want 500", w.Code)
	}
}

func FuzzParsePostmark(f *testing.F) {
	f.Add([]byte(postmarkBounce))
	f.Add([]byte(postmarkComplaint))
	f.Add([]byte(`{"RecordType":"Bounce","Type":"Transient","Email":"a@b.co","BouncedAt":"x"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := bounce.ParsePostmark(body, now)
		if err == nil {
			checkEvents(t, events)
		}
	})
}

func FuzzParseGeneric(f *testing.F) {
	f.Add([]byte(`{"email":"gone@example.com","type":"bounce","permanent":true,"detail":"550"}`))
	f.Add([]byte(`{"email":"a@example.com","type":"complaint","at":"2026-03-04T09:00:00Z"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := bounce.ParseGeneric(body, now, time.Hour)
		if err == nil {
			if len(events) != 1 {
				t.Fatalf("%d events", len(events))
			}
			checkEvents(t, events)
		}
	})
}

// TestObserve checks every applied event is reported once, for metrics,
// and a refused one never is.
func TestObserve(t *testing.T) {
	secret := []byte("generic-secret")
	var seen []bounce.Kind
	h := bounce.New(bounce.Config{GenericSecret: secret, Now: func() time.Time { return now },
		Observe: func(e bounce.Event) { seen = append(seen, e.Kind) }}, &sink{})
	for _, body := range []string{
		`{"email":"a@example.com","type":"complaint"}`,
		`{"email":"b@example.com","type":"bounce"}`,
	} {
		post(t, h.Generic(), []byte(body), map[string]string{bounce.SignatureHeader: bounce.SignGeneric(secret, []byte(body))})
	}
	post(t, h.Generic(), []byte(`{"email":"c@example.com","type":"complaint"}`), nil)
	if diff := cmp.Diff([]bounce.Kind{bounce.Complaint, bounce.SoftBounce}, seen); diff != "" {
		t.Errorf("observed (-want +got):\n%s", diff)
	}
	if c := h.Counts(); c.Complaints != 1 || c.SoftBounces != 1 || c.Refused != 1 {
		t.Errorf("counts: %+v", c)
	}
}
