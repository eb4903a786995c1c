package bounce_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"masthead/bounce"
)

// TestStringToSign pins the canonical string against the AWS
// documentation's rule, with and without a Subject.
func TestStringToSign(t *testing.T) {
	subject := "Amazon SES Email Event Notification"
	m := &bounce.SNSMessage{Type: "Notification", MessageID: "id-1", TopicArn: topic, Message: "{}", Timestamp: "2026-03-04T10:00:00.000Z"}
	want := "Message\n{}\nMessageId\nid-1\nTimestamp\n2026-03-04T10:00:00.000Z\nTopicArn\n" + topic + "\nType\nNotification\n"
	if diff := cmp.Diff(want, m.StringToSign()); diff != "" {
		t.Errorf("without subject (-want +got):\n%s", diff)
	}
	m.Subject = &subject
	want = "Message\n{}\nMessageId\nid-1\nSubject\n" + subject + "\nTimestamp\n2026-03-04T10:00:00.000Z\nTopicArn\n" + topic + "\nType\nNotification\n"
	if diff := cmp.Diff(want, m.StringToSign()); diff != "" {
		t.Errorf("with subject (-want +got):\n%s", diff)
	}
	c := &bounce.SNSMessage{Type: "SubscriptionConfirmation", MessageID: "id-2", Token: "tok", TopicArn: topic,
		Message: "You have chosen", SubscribeURL: "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription", Timestamp: "2026-03-04T10:00:00.000Z"}
	want = "Message\nYou have chosen\nMessageId\nid-2\nSubscribeURL\nhttps://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription\n" +
		"Timestamp\n2026-03-04T10:00:00.000Z\nToken\ntok\nTopicArn\n" + topic + "\nType\nSubscriptionConfirmation\n"
	if diff := cmp.Diff(want, c.StringToSign()); diff != "" {
		t.Errorf("confirmation (-want +got):\n%s", diff)
	}
}

func TestDefaultSNSHost(t *testing.T) {
	for host, want := range map[string]bool{
		"sns.us-east-1.amazonaws.com":          true,
		"sns.eu-west-1.amazonaws.com":          true,
		"sns.us-east-1.amazonaws.com:443":      false,
		"sns.us-east-1.amazonaws.com.evil.com": false,
		"evil-sns.us-east-1.amazonaws.com":     false,
		"sns.us-east-1.amazonaws.com@evil.com": false,
		"s3.amazonaws.com":                     false,
		"sns.amazonaws.com":                    false,
		"example.com":                          false,
	} {
		if got := bounce.DefaultSNSHost(host); got != want {
			t.Errorf("DefaultSNSHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestSNSVerify(t *testing.T) {
	f := newSNSFixture(t)
	other := mustKey(t)
	msg := sesBounce("Permanent", "gone@example.com")
	subject := func(m map[string]string) map[string]string {
		m["Subject"] = "Amazon SES Email Event Notification"
		return m
	}

	tests := []struct {
		name    string
		body    func() []byte
		opts    func(*bounce.SNSOptions)
		wantErr error // nil means valid
	}{
		{name: "version 1", body: func() []byte { return f.sign(t, notification(msg), "1") }},
		{name: "version 2", body: func() []byte { return f.sign(t, notification(msg), "2") }},
		{name: "version 2 with subject", body: func() []byte { return f.sign(t, subject(notification(msg)), "2") }},
		{name: "message changed after signing", wantErr: bounce.ErrForged, body: func() []byte {
			return []byte(strings.Replace(string(f.sign(t, notification(msg), "2")), "gone@example.com", "victim@example.com", 1))
		}},
		{name: "subject added after signing", wantErr: bounce.ErrForged, body: func() []byte {
			b := f.sign(t, notification(msg), "1")
			return []byte(strings.Replace(string(b), `"Type"`, `"Subject":"x","Type"`, 1))
		}},
		{name: "signed by another key", wantErr: bounce.ErrForged, body: func() []byte {
			return signWith(t, other, f.certURL, notification(msg), "2")
		}},
		{name: "certificate on a host not allowed", wantErr: bounce.ErrForged, body: func() []byte {
			return signWith(t, f.key, "https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem", notification(msg), "2")
		}},
		{name: "certificate over http", wantErr: bounce.ErrForged, body: func() []byte {
			return signWith(t, f.key, strings.Replace(f.certURL, "https://", "http://", 1), notification(msg), "2")
		}},
		{name: "certificate URL with user info", wantErr: bounce.ErrForged, body: func() []byte {
			return signWith(t, f.key, strings.Replace(f.certURL, "https://", "https://"+f.host()+"@", 1), notification(msg), "2")
		}},
		{name: "default host rule refuses the test server", wantErr: bounce.ErrForged,
			opts: func(o *bounce.SNSOptions) { o.AllowHost = nil },
			body: func() []byte { return f.sign(t, notification(msg), "2") }},
		{name: "topic not configured", wantErr: bounce.ErrForged, body: func() []byte {
			m := notification(msg)
			m["TopicArn"] = "arn:aws:sns:eu-west-1:999999999999:someone-else"
			return f.sign(t, m, "2")
		}},
		{name: "replay of an old message", wantErr: bounce.ErrStale, body: func() []byte {
			m := notification(msg)
			m["Timestamp"] = now.Add(-3 * time.Hour).Format(time.RFC3339Nano)
			return f.sign(t, m, "2")
		}},
		{name: "old message accepted with the check off",
			opts: func(o *bounce.SNSOptions) { o.MaxAge = -1 },
			body: func() []byte {
				m := notification(msg)
				m["Timestamp"] = now.Add(-3 * time.Hour).Format(time.RFC3339Nano)
				return f.sign(t, m, "2")
			}},
		{name: "unknown signature version", wantErr: bounce.ErrForged, body: func() []byte { return f.sign(t, notification(msg), "3") }},
		{name: "unsigned", wantErr: bounce.ErrUnsigned, body: func() []byte {
			return []byte(`{"Type":"Notification","MessageId":"a","TopicArn":"` + topic + `","Message":"{}","Timestamp":"2026-03-04T10:00:00Z"}`)
		}},
		{name: "not JSON", wantErr: bounce.ErrMalformed, body: func() []byte { return []byte("Type=Notification") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := f.options()
			if tt.opts != nil {
				tt.opts(&o)
			}
			v := bounce.NewSNSVerifier(o)
			m, err := bounce.ParseSNSMessage(tt.body())
			if err == nil {
				err = v.Verify(context.Background(), m)
			}
			if tt.wantErr == nil && err != nil {
				t.Fatalf("verify: %v", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("verify: got %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// TestSNSCertificateCached checks the certificate is fetched once, and
// never from a host that is not allowed.
func TestSNSCertificateCached(t *testing.T) {
	f := newSNSFixture(t)
	v := bounce.NewSNSVerifier(f.options())
	for range 3 {
		m, err := bounce.ParseSNSMessage(f.sign(t, notification("{}"), "2"))
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Verify(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.certFetches.Load(); n != 1 {
		t.Errorf("certificate fetched %d times, want 1", n)
	}
}

func TestSNSExpiredCertificate(t *testing.T) {
	key := mustKey(t)
	pemBytes := mustCert(t, key, now.Add(-48*time.Hour), now.Add(-time.Hour))
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(pemBytes) }))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	v := bounce.NewSNSVerifier(bounce.SNSOptions{
		Client: srv.Client(), AllowHost: func(h string) bool { return h == u.Host },
		Topics: []string{topic}, Now: func() time.Time { return now },
	})
	m, err := bounce.ParseSNSMessage(signWith(t, key, srv.URL+"/cert.pem", notification("{}"), "2"))
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(context.Background(), m); !errors.Is(err, bounce.ErrForged) {
		t.Fatalf("expired certificate: got %v, want ErrForged", err)
	}
}

func TestParseSESNotification(t *testing.T) {
	at := now
	tests := []struct {
		name    string
		message string
		want    []bounce.Event
		wantErr bool
	}{
		{name: "permanent bounce", message: sesBounce("Permanent", "Gone@Example.com"), want: []bounce.Event{{
			Email: "gone@example.com", Kind: bounce.HardBounce, Source: "ses", ID: "m1",
			Detail: "Permanent/General; 5.1.1; smtp; 550 5.1.1 user unknown",
			At:     time.Date(2026, 3, 4, 9, 59, 30, 0, time.UTC),
		}}},
		{name: "transient bounce", message: sesBounce("Transient", "full@example.com"), want: []bounce.Event{{
			Email: "full@example.com", Kind: bounce.SoftBounce, Source: "ses", ID: "m1",
			Detail: "Transient/General; 5.1.1; smtp; 550 5.1.1 user unknown",
			At:     time.Date(2026, 3, 4, 9, 59, 30, 0, time.UTC),
		}}},
		{name: "undetermined bounce is soft", message: sesBounce("Undetermined", "x@example.com"), want: []bounce.Event{{
			Email: "x@example.com", Kind: bounce.SoftBounce, Source: "ses", ID: "m1",
			Detail: "Undetermined/General; 5.1.1; smtp; 550 5.1.1 user unknown",
			At:     time.Date(2026, 3, 4, 9, 59, 30, 0, time.UTC),
		}}},
		{name: "complaint", message: sesComplaint("angry@example.com", "abuse"), want: []bounce.Event{{
			Email: "angry@example.com", Kind: bounce.Complaint, Source: "ses", ID: "m1", Detail: "complaint; abuse",
			At: time.Date(2026, 3, 4, 9, 58, 0, 0, time.UTC),
		}}},
		{name: "not-spam feedback", message: sesComplaint("fine@example.com", "not-spam")},
		{name: "event publishing form", message: `{"eventType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"a@example.com"}]}}`,
			want: []bounce.Event{{Email: "a@example.com", Kind: bounce.Complaint, Source: "ses", ID: "m1", Detail: "complaint", At: at}}},
		{name: "delivery", message: `{"notificationType":"Delivery","delivery":{}}`},
		{name: "bounce without recipients", message: `{"notificationType":"Bounce","bounce":{"bounceType":"Permanent"}}`, wantErr: true},
		{name: "bad address", message: sesBounce("Permanent", "not an address"), wantErr: true},
		{name: "no type", message: `{}`, wantErr: true},
		{name: "not JSON", message: `Bounce!`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := bounce.ParseSESNotification("m1", tt.message, at)
			if tt.wantErr {
				if !errors.Is(err, bounce.ErrMalformed) {
					t.Fatalf("got %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseSNSMessage(f *testing.F) {
	f.Add([]byte(`{"Type":"Notification","MessageId":"a","TopicArn":"t","Message":"{}","Timestamp":"2026-03-04T10:00:00Z","SignatureVersion":"1","Signature":"AA==","SigningCertURL":"https://sns.us-east-1.amazonaws.com/a.pem"}`))
	f.Add([]byte(`{"Type":"SubscriptionConfirmation","Token":"x","SubscribeURL":"https://x"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := bounce.ParseSNSMessage(body)
		if err != nil {
			if m != nil {
				t.Fatal("message returned with an error")
			}
			return
		}
		if m.Signature == "" || m.TopicArn == "" {
			t.Fatalf("accepted without signature or topic: %+v", m)
		}
		_ = m.StringToSign()
	})
}

func FuzzParseSESNotification(f *testing.F) {
	f.Add(sesBounce("Permanent", "a@example.com"))
	f.Add(sesComplaint("a@example.com", "abuse"))
	f.Add(`{"eventType":"Bounce","bounce":{"bouncedRecipients":[{"emailAddress":"a@b.co"}]}}`)
	f.Fuzz(func(t *testing.T, message string) {
		events, err := bounce.ParseSESNotification("id", message, now)
		if err != nil {
			return
		}
		checkEvents(t, events)
	})
}

// checkEvents holds what every parsed event must satisfy.
func checkEvents(t *testing.T, events []bounce.Event) {
	t.Helper()
	for _, e := range events {
		if e.Email == "" || strings.ToLower(e.Email) != e.Email || !strings.Contains(e.Email, "@") {
			t.Fatalf("bad email %q", e.Email)
		}
		switch e.Kind {
		case bounce.HardBounce, bounce.SoftBounce, bounce.Complaint:
		default:
			t.Fatalf("bad kind %q", e.Kind)
		}
		if len(e.Detail) > bounce.MaxDetail {
			t.Fatalf("detail of %d bytes", len(e.Detail))
		}
	}
}
