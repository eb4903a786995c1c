package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// parse fills m from the raw message with the standard library only, so
// the test server judges what the sender wrote independently of the
// library that wrote it.
func parse(m *Message, raw []byte) error {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("read message: %w", err)
	}
	dec := new(mime.WordDecoder)
	m.Headers = make(map[string][]string, len(msg.Header))
	for k, vs := range msg.Header {
		for _, v := range vs {
			if d, err := dec.DecodeHeader(v); err == nil {
				v = d
			}
			m.Headers[k] = append(m.Headers[k], v)
		}
	}
	m.Subject = m.Header("Subject")
	if from, err := msg.Header.AddressList("From"); err == nil && len(from) > 0 {
		m.From, m.FromName = from[0].Address, from[0].Name
	} else {
		return fmt.Errorf("From header: %v", err)
	}
	if to, err := msg.Header.AddressList("To"); err == nil && len(to) > 0 {
		m.To = to[0].Address
	}
	m.ContentType = "text/plain"
	if ct := msg.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil {
			return fmt.Errorf("Content-Type %q: %w", ct, err)
		}
		m.ContentType = mt
	}
	return walk(m, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
}

// walk decodes one MIME entity and, for multipart ones, each part in
// turn; the first text/plain and text/html parts win.
func walk(m *Message, contentType, cte string, body io.Reader) error {
	mt, params := "text/plain", map[string]string{}
	if contentType != "" {
		var err error
		if mt, params, err = mime.ParseMediaType(contentType); err != nil {
			return fmt.Errorf("Content-Type %q: %w", contentType, err)
		}
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextPart decodes quoted-printable on its own and
			// drops the header; base64 is left to us.
			p, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := walk(m, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips line breaks itself
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s body: %w", mt, err)
	}
	if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" && cs != "us-ascii" {
		return fmt.Errorf("%s part in charset %q; expected UTF-8", mt, cs)
	}
	switch mt {
	case "text/plain":
		if m.Text == "" {
			m.Text = strings.ReplaceAll(string(b), "\r\n", "\n")
		}
	case "text/html":
		if m.HTML == "" {
			m.HTML = strings.ReplaceAll(string(b), "\r\n", "\n")
		}
	}
	return nil
}

var linkRE = regexp.MustCompile(`https?://[^\s<>"')\]]+`)

// FirstLink returns the first http(s) URL in a plain-text body, or "":
// the sign-in link of a sign-in email.
func FirstLink(text string) string {
	return strings.TrimRight(linkRE.FindString(text), ".,;:!?")
}

// selfSigned makes a throwaway certificate for 127.0.0.1 and localhost
// and a pool that trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("mailtest: key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mailtest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("mailtest: certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("mailtest: certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}
