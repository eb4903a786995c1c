package mail

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
)

// SendRaw delivers a message that is already built — headers and body,
// CRLF line endings, as bulk senders make them — from the envelope sender
// from to the address to, over the same pool of connections as Send. It
// signs the message with DKIM when the Mailer has a key. Errors are
// classified as Send's are (a *SendError; temporary or permanent).
//
// Like Send, a cancellation of ctx does not cut a transaction under way.
func (s *SMTP) SendRaw(ctx context.Context, from, to string, msg []byte) error {
	if s.o.dkim != nil {
		signed, err := s.signRaw(msg)
		if err != nil {
			return fmt.Errorf("mail: DKIM: %w", err)
		}
		msg = signed
	}
	for attempt := 0; ; attempt++ {
		c, reused, err := s.acquire(ctx)
		if err != nil {
			return classify(to, StageConnect, err)
		}
		stage, reusable, err := s.transactRaw(ctx, c, from, to, msg)
		if err == nil {
			c.sent++
			s.release(c, true)
			return nil
		}
		s.release(c, reusable)
		// As in Send: a pooled connection dropped while idle fails
		// before any data went out, so one more try cannot duplicate.
		if reused && attempt == 0 && stage == StageMail && !reusable && ctx.Err() == nil {
			continue
		}
		return classify(to, stage, err)
	}
}

// transactRaw runs MAIL, RCPT and DATA for one prepared message.
func (s *SMTP) transactRaw(ctx context.Context, c *conn, from, to string, msg []byte) (stage string, reusable bool, err error) {
	if reusable, err := s.arm(ctx, c); err != nil {
		return StageMail, reusable, err
	}
	if err := c.c.Mail(from); err != nil {
		return StageMail, replied(err), err
	}
	if err := c.c.Rcpt(to); err != nil {
		ok := replied(err) && c.c.Reset() == nil
		return StageRcpt, ok, err
	}
	// DATA by hand on the session's textproto connection: the
	// library's writer stuffs dots a byte at a time, which is a third
	// of a bulk sender's CPU; here the message is written in the few
	// large pieces between the lines that need a dot added.
	text := c.c.Text
	id, err := text.Cmd("DATA")
	if err != nil {
		return StageData, false, err
	}
	text.StartResponse(id)
	_, _, err = text.ReadResponse(354)
	text.EndResponse(id)
	if err != nil {
		ok := replied(err) && c.c.Reset() == nil
		return StageData, ok, err
	}
	id = text.Next()
	text.StartRequest(id)
	err = writeDotStuffed(text.W, msg)
	if err == nil {
		err = text.W.Flush()
	}
	text.EndRequest(id)
	if err != nil {
		return StageData, false, err
	}
	text.StartResponse(id)
	_, _, err = text.ReadResponse(250)
	text.EndResponse(id)
	if err != nil {
		return StageData, replied(err), err
	}
	return "", true, nil
}

// writeDotStuffed writes msg as SMTP DATA (RFC 5321 4.5.2): a line that
// starts with a dot gets another, and the data ends with CRLF.CRLF. msg
// has CRLF line endings.
func writeDotStuffed(w *bufio.Writer, msg []byte) error {
	if len(msg) > 0 && msg[0] == '.' {
		w.WriteByte('.')
	}
	for {
		i := bytes.Index(msg, []byte("\r\n."))
		if i < 0 {
			break
		}
		w.Write(msg[:i+3])
		w.WriteByte('.')
		msg = msg[i+3:]
	}
	w.Write(msg)
	if !bytes.HasSuffix(msg, []byte("\r\n")) {
		w.WriteString("\r\n")
	}
	_, err := w.WriteString(".\r\n")
	return err
}

// dkimReady holds, per signer, the sync.Once of its set-up: the signer
// settles its algorithm on first use, which must not race, and learns to
// sign the List-Unsubscribe headers that one-click unsubscription needs
// covered (RFC 8058 section 4).
var dkimReady sync.Map // *gomail.DKIMSigner → *sync.Once

// signRaw prepends a DKIM-Signature header to msg.
func (s *SMTP) signRaw(msg []byte) ([]byte, error) {
	i := bytes.Index(msg, []byte("\r\n\r\n"))
	if i < 0 {
		return nil, errors.New("message has no header/body separator")
	}
	head, body := msg[:i+2], msg[i+4:]
	once, _ := dkimReady.LoadOrStore(s.o.dkim, new(sync.Once))
	once.(*sync.Once).Do(func() {
		// The h= tag must fit on one folded line: go-mail wraps a
		// longer one inside the tag, which relaxed verifiers read as
		// an extra space, and the signature fails.
		s.o.dkim.SignHeaders("From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post")
		s.o.dkim.Sign([]byte("From: a@b\r\n"), nil)
	})
	line, err := s.o.dkim.Sign(head, body)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(line)+2+len(msg))
	out = append(out, line...)
	if !bytes.HasSuffix(out, []byte("\r\n")) {
		out = append(out, "\r\n"...)
	}
	return append(out, msg...), nil
}

// SMTPStatus reports the stage a delivery failed at and the server's
// reply code (0 when there was no reply), for bulk senders that tell a
// server in trouble from a refused recipient without importing this
// package.
func (e *SendError) SMTPStatus() (stage string, code int) { return e.Stage, e.Code }
