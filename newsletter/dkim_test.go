package newsletter_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// verifyDKIM checks a message's DKIM-Signature (RFC 6376, relaxed/relaxed,
// ed25519-sha256 as RFC 8463) against the public key, written from the
// RFC rather than from the signer, so the two are checked against each
// other.
func verifyDKIM(raw []byte, pub ed25519.PublicKey) error {
	i := bytes.Index(raw, []byte("\r\n\r\n"))
	if i < 0 {
		return errors.New("no body")
	}
	headBlock, body := string(raw[:i+2]), raw[i+4:]
	// Unfolded header fields, in order.
	var fields []string
	for _, line := range strings.SplitAfter(headBlock, "\r\n") {
		if line == "" {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && len(fields) > 0 {
			fields[len(fields)-1] += line
			continue
		}
		fields = append(fields, line)
	}
	var sigField string
	for _, f := range fields {
		if strings.HasPrefix(strings.ToLower(f), "dkim-signature:") {
			sigField = f
			break
		}
	}
	if sigField == "" {
		return errors.New("no DKIM-Signature")
	}
	tags := map[string]string{}
	for _, kv := range strings.Split(sigField[len("DKIM-Signature:"):], ";") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		tags[strings.TrimSpace(k)] = strings.Join(strings.Fields(v), "")
	}
	if tags["a"] != "ed25519-sha256" || tags["c"] != "relaxed/relaxed" {
		return fmt.Errorf("a=%s c=%s", tags["a"], tags["c"])
	}
	// Body hash.
	bh := sha256.Sum256(relaxedBody(body))
	if base64.StdEncoding.EncodeToString(bh[:]) != tags["bh"] {
		return errors.New("body hash differs")
	}
	// Header hash: the listed fields, bottom-up per name, then the
	// signature field with b= emptied.
	used := map[string]int{}
	var in bytes.Buffer
	for _, name := range strings.Split(tags["h"], ":") {
		name = strings.ToLower(strings.TrimSpace(name))
		var matches []string
		for _, f := range fields {
			if k, _, _ := strings.Cut(f, ":"); strings.ToLower(strings.TrimSpace(k)) == name && !strings.HasPrefix(name, "dkim-signature") {
				matches = append(matches, f)
			}
		}
		n := used[name]
		used[name]++
		if n >= len(matches) {
			continue // an absent field signs as nothing
		}
		in.WriteString(relaxedHeader(matches[len(matches)-1-n]))
		in.WriteString("\r\n")
	}
	emptied := regexp.MustCompile(`(b=)[^;]*$`).ReplaceAllString(strings.TrimRight(sigField, "\r\n"), "${1}")
	in.WriteString(relaxedHeader(emptied))
	sig, err := base64.StdEncoding.DecodeString(tags["b"])
	if err != nil {
		return err
	}
	h := sha256.Sum256(in.Bytes())
	if !ed25519.Verify(pub, h[:], sig) {
		return errors.New("signature does not verify")
	}
	return nil
}

var wsp = regexp.MustCompile(`[ \t]+`)

func relaxedHeader(f string) string {
	k, v, _ := strings.Cut(f, ":")
	v = strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", ""), "\n", "")
	v = strings.TrimSpace(wsp.ReplaceAllString(v, " "))
	return strings.ToLower(strings.TrimSpace(k)) + ":" + v
}

func relaxedBody(b []byte) []byte {
	lines := strings.Split(string(b), "\r\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(wsp.ReplaceAllString(l, " "), " ")
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return nil
	}
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}
