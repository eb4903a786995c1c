package http

import "net/http"

// BounceWebhooks are the endpoints mail providers post bounces and
// complaints to (package bounce). Each authenticates the raw body itself
// and answers in JSON; none reads a session or touches the page cache.
type BounceWebhooks interface {
	// SES takes Amazon SES notifications delivered by SNS.
	SES() http.Handler
	// Postmark takes Postmark's bounce and spam-complaint webhooks.
	Postmark() http.Handler
	// Generic takes the documented signed JSON form.
	Generic() http.Handler
}
