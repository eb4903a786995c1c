package bounce_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"masthead/bounce"
)

// now is the tests' clock: every notification is signed "now" unless a
// test says otherwise.
var now = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

const topic = "arn:aws:sns:eu-west-1:123456789012:ses-bounces"

// snsFixture is a stand-in for Amazon: an RSA key with a certificate, an
// https server publishing the certificate and answering subscription
// URLs, and a signer that builds the canonical string as AWS documents it.
type snsFixture struct {
	key     *rsa.PrivateKey
	srv     *httptest.Server
	certURL string
	// confirmed counts GETs of the subscription URL; certFetches of the
	// certificate.
	confirmed, certFetches atomic.Int64
}

func newSNSFixture(t *testing.T) *snsFixture {
	t.Helper()
	f := &snsFixture{key: mustKey(t)}
	certPEM := mustCert(t, f.key, now.Add(-24*time.Hour), now.Add(365*24*time.Hour))
	f.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/SimpleNotificationService-test.pem":
			f.certFetches.Add(1)
			w.Write(certPEM)
		case "/confirm":
			if r.URL.Query().Get("Token") == "tok-123" {
				f.confirmed.Add(1)
				w.Write([]byte("<ConfirmSubscriptionResponse/>"))
				return
			}
			http.Error(w, "bad token", http.StatusBadRequest)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.srv.Close)
	f.certURL = f.srv.URL + "/SimpleNotificationService-test.pem"
	return f
}

// host is the fixture server's host:port, the only host it allows.
func (f *snsFixture) host() string {
	u, _ := url.Parse(f.srv.URL)
	return u.Host
}

func (f *snsFixture) options() bounce.SNSOptions {
	return bounce.SNSOptions{
		Client:    f.srv.Client(),
		AllowHost: func(h string) bool { return h == f.host() },
		Topics:    []string{topic},
		Now:       func() time.Time { return now },
	}
}

func mustKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustCert(t *testing.T, key *rsa.PrivateKey, from, until time.Time) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sns.eu-west-1.amazonaws.com"},
		NotBefore:    from,
		NotAfter:     until,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// awsStringToSign is written from the AWS documentation ("Verifying the
// signatures of Amazon SNS messages"), independently of the package.
func awsStringToSign(m map[string]string) string {
	var keys []string
	if m["Type"] == "Notification" {
		keys = []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	} else {
		keys = []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	}
	var b strings.Builder
	for _, k := range keys {
		v, ok := m[k]
		if !ok {
			continue
		}
		b.WriteString(k + "\n" + v + "\n")
	}
	return b.String()
}

// sign fills in the signature fields of m with version 1 or 2 and
// returns the JSON body.
func (f *snsFixture) sign(t *testing.T, m map[string]string, version string) []byte {
	t.Helper()
	return signWith(t, f.key, f.certURL, m, version)
}

func signWith(t *testing.T, key *rsa.PrivateKey, certURL string, m map[string]string, version string) []byte {
	t.Helper()
	text := []byte(awsStringToSign(m))
	var sig []byte
	var err error
	if version == "1" {
		d := sha1.Sum(text)
		sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA1, d[:])
	} else {
		d := sha256.Sum256(text)
		sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:])
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	out["SignatureVersion"] = version
	out["Signature"] = base64.StdEncoding.EncodeToString(sig)
	out["SigningCertURL"] = certURL
	body, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// sesBounce is an SES bounce notification as SES publishes it.
func sesBounce(bounceType, email string) string {
	return `{"notificationType":"Bounce","bounce":{"bounceType":"` + bounceType + `","bounceSubType":"General",` +
		`"bouncedRecipients":[{"emailAddress":"` + email + `","action":"failed","status":"5.1.1",` +
		`"diagnosticCode":"smtp; 550 5.1.1 user unknown"}],"timestamp":"2026-03-04T09:59:30.000Z",` +
		`"feedbackId":"0100-abc"},"mail":{"timestamp":"2026-03-04T09:59:00.000Z","source":"daily@example.com",` +
		`"messageId":"0100-xyz","destination":["` + email + `"]}}`
}

func sesComplaint(email, feedbackType string) string {
	return `{"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"` + email + `"}],` +
		`"timestamp":"2026-03-04T09:58:00.000Z","feedbackId":"0100-def","complaintFeedbackType":"` + feedbackType + `"},` +
		`"mail":{"timestamp":"2026-03-04T09:50:00.000Z","source":"daily@example.com","messageId":"0100-xyz"}}`
}

func notification(message string) map[string]string {
	return map[string]string{
		"Type":      "Notification",
		"MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
		"TopicArn":  topic,
		"Message":   message,
		"Timestamp": now.Add(-2 * time.Minute).Format("2006-01-02T15:04:05.000Z"),
	}
}

// sink records what the handler asks of the store.
type sink struct {
	mu   sync.Mutex
	sup  []string // "email reason"
	soft []string
	fail error
}

func (s *sink) Suppress(_ context.Context, email, reason, detail string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.sup = append(s.sup, email+" "+reason)
	return nil
}

func (s *sink) RecordSoftBounce(_ context.Context, email, detail string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.soft = append(s.soft, email)
	return nil
}

func (s *sink) suppressed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sup...)
}

func post(t *testing.T, h http.Handler, body []byte, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("POST", "/webhook", strings.NewReader(string(body)))
	r.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// errorCode reads the code of a JSON error answer.
func errorCode(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var v struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("answer is not JSON: %q", w.Body.String())
	}
	return v.Error.Code
}

func newRequest(body string) *http.Request {
	return httptest.NewRequest("POST", "/webhook", strings.NewReader(body))
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}
