package mail

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"

	"masthead"
)

// SendRaw keeps a message that is already built, as a bulk sender hands
// it to SMTP.SendRaw, so a demo's newsletters land in the outbox beside
// its sign-in emails. The message is read back into its subject, parts
// and list headers; the envelope recipient to is the one kept.
func (o *Outbox) SendRaw(ctx context.Context, from, to string, msg []byte) error {
	e, err := parseRaw(msg)
	if err != nil {
		return masthead.Errorf(masthead.EINVALID, "The message to %s could not be read: %v", to, err)
	}
	e.To = to
	return o.Send(ctx, e)
}

// rawMaxPart bounds a decoded part: an outbox keeps a few hundred
// messages in memory, and a newsletter is far smaller.
const rawMaxPart = 4 << 20

// rawHeaders are the headers of a raw message the outbox shows beside its
// parts; the others are the mailer's own (check refuses them).
var rawHeaders = []string{"From", "Reply-To", "Message-Id", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post"}

// parseRaw reads a message (RFC 5322, MIME) into an Email: the subject
// decoded, the first text/plain and text/html parts at any depth, and
// rawHeaders. Category is "newsletter" for a message with List-Id, the
// bulk sender's mark, and "bulk" otherwise.
func parseRaw(raw []byte) (masthead.Email, error) {
	var e masthead.Email
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return e, err
	}
	dec := new(mime.WordDecoder)
	e.Subject = decodeHeader(dec, msg.Header.Get("Subject"))
	e.Category = "bulk"
	for _, k := range rawHeaders {
		v := msg.Header.Get(k)
		if v == "" {
			continue
		}
		if e.Headers == nil {
			e.Headers = map[string]string{}
		}
		// Folded headers (List-Unsubscribe's two URIs) come back with
		// their line breaks; the outbox keeps them on one line.
		v = strings.Join(strings.Fields(decodeHeader(dec, v)), " ")
		e.Headers[k] = v
		if k == "List-Id" {
			e.Category = "newsletter"
		}
	}
	if err := walkRaw(&e, textproto.MIMEHeader(msg.Header), msg.Body, 0); err != nil {
		return e, err
	}
	return e, nil
}

// decodeHeader decodes RFC 2047 encoded words, keeping the raw value
// when they are malformed.
func decodeHeader(dec *mime.WordDecoder, v string) string {
	if d, err := dec.DecodeHeader(v); err == nil {
		return d
	}
	return v
}

// walkRaw decodes one MIME entity, descending into multipart ones (to a
// depth of 8); the first text/plain and text/html parts win.
func walkRaw(e *masthead.Email, h textproto.MIMEHeader, body io.Reader, depth int) error {
	mt, params := "text/plain", map[string]string{}
	if ct := h.Get("Content-Type"); ct != "" {
		var err error
		if mt, params, err = mime.ParseMediaType(ct); err != nil {
			return fmt.Errorf("Content-Type: %w", err)
		}
	}
	if strings.HasPrefix(mt, "multipart/") {
		if depth >= 8 || params["boundary"] == "" {
			return fmt.Errorf("multipart: nested too deep or without boundary")
		}
		// The raw reader, so the parts' encodings are decoded here
		// rather than by NextPart, which drops the header that says so.
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := walkRaw(e, p.Header, p, depth+1); err != nil {
				return err
			}
		}
	}
	var dst *string
	switch mt {
	case "text/plain":
		dst = &e.Text
	case "text/html":
		dst = &e.HTML
	default:
		return nil
	}
	if *dst != "" {
		return nil
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		// The decoder skips the body's line breaks itself.
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(io.LimitReader(body, rawMaxPart+1))
	if err != nil {
		return fmt.Errorf("%s part: %w", mt, err)
	}
	if len(b) > rawMaxPart {
		return fmt.Errorf("%s part larger than %d bytes", mt, rawMaxPart)
	}
	*dst = strings.ReplaceAll(string(b), "\r\n", "\n")
	return nil
}
