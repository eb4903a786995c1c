package mailtest

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/emersion/go-msgauth/dkim"
)

// VerifyDKIM checks every DKIM-Signature of a message as a receiving
// server would, with go-msgauth's verifier, answering its DNS query for
// the selector's key with pub (an ed25519.PublicKey or *rsa.PublicKey).
// A message without a signature is an error.
func VerifyDKIM(raw []byte, pub crypto.PublicKey) error {
	var record string
	switch k := pub.(type) {
	case ed25519.PublicKey:
		record = "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k)
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return err
		}
		record = "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
	default:
		return fmt.Errorf("mailtest: DKIM key of type %T", pub)
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT: func(string) ([]string, error) { return []string{record}, nil },
	})
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		return errors.New("mailtest: no DKIM-Signature")
	}
	for _, v := range vs {
		if v.Err != nil {
			return fmt.Errorf("DKIM signature of %s: %w", v.Domain, v.Err)
		}
	}
	return nil
}
