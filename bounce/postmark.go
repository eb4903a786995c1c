package bounce

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// postmarkRecord is the part of a Postmark bounce or spam-complaint
// webhook body that matters here.
type postmarkRecord struct {
	RecordType  string      `json:"RecordType"`
	ID          json.Number `json:"ID"`
	Type        string      `json:"Type"`
	TypeCode    int         `json:"TypeCode"`
	Email       string      `json:"Email"`
	Description string      `json:"Description"`
	Details     string      `json:"Details"`
	BouncedAt   string      `json:"BouncedAt"`
	Inactive    bool        `json:"Inactive"`
}

// postmarkKinds maps Postmark bounce types to kinds. Types missing here
// (auto-responders, address changes, subscribe requests, challenge
// verifications) are not failures and give no event.
var postmarkKinds = map[string]Kind{
	"HardBounce":          HardBounce,
	"BadEmailAddress":     HardBounce,
	"ManuallyDeactivated": HardBounce,
	"SpamComplaint":       Complaint,
	"Unsubscribe":         Complaint,
	"Transient":           SoftBounce,
	"SoftBounce":          SoftBounce,
	"DnsError":            SoftBounce,
	"Blocked":             SoftBounce,
	"SpamNotification":    SoftBounce,
	"VirusNotification":   SoftBounce,
	"DMARCPolicy":         SoftBounce,
	"Undeliverable":       SoftBounce,
	"SMTPApiError":        SoftBounce,
	"Unknown":             SoftBounce,
}

// ParsePostmark turns the body of a Postmark bounce or spam-complaint
// webhook into events: none for record types other than Bounce and
// SpamComplaint (deliveries, opens, clicks) and for bounce types that are
// not failures. at is the fallback time when the body has none.
func ParsePostmark(body []byte, at time.Time) ([]Event, error) {
	var r postmarkRecord
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return nil, malformed("Postmark body is not a JSON object: %v", err)
	}
	switch r.RecordType {
	case "Bounce", "SpamComplaint":
	case "":
		return nil, malformed("Postmark body has no RecordType")
	default:
		return nil, nil
	}
	kind, ok := postmarkKinds[r.Type]
	if r.RecordType == "SpamComplaint" {
		kind, ok = Complaint, true
	}
	if !ok {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, r.BouncedAt); err == nil {
		at = t
	}
	detail := joinDetail(r.Type, r.Description, r.Details)
	if r.TypeCode != 0 {
		detail = joinDetail(r.Type+" ("+strconv.Itoa(r.TypeCode)+")", r.Description, r.Details)
	}
	e, err := event("postmark", r.ID.String(), r.Email, kind, detail, at)
	if err != nil {
		return nil, err
	}
	return []Event{e}, nil
}
