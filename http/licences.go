package http

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"masthead"
	"masthead/http/web"
	"masthead/reading"
)

// Licensed access and the price for AI crawlers on article pages
// (docs/licensing.md). crawlerGate stands before the article page: it
// checks a licence key sent with the request (Authorization: Bearer),
// answers a verified crawler of a family refused with a price 402, and
// counts every AI crawler's request by family and decision for the
// dashboard (one atomic increment). The licence then joins the reader's
// facts (readerRequest), the decision is made as for anyone, and
// renderArticle admits the request against the licence's rates and logs
// it for billing.

// licenceKey carries a checked licence key in a request's context.
type licenceKey struct{}

// licenceOf returns the licence key crawlerGate checked for r, or nil.
func licenceOf(r *http.Request) *masthead.APIKey {
	k, _ := r.Context().Value(licenceKey{}).(*masthead.APIKey)
	return k
}

// licenceToken returns the content key sent as a bearer token, or "":
// other Authorization headers (a staging site's basic auth, a metrics
// token) are none of the article page's business.
func licenceToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return ""
	}
	tok := strings.TrimSpace(h[7:])
	if !strings.HasPrefix(tok, masthead.APIKeyPrefix(masthead.APIKeyContent)) {
		return ""
	}
	return tok
}

// crawlerGate wraps the article page (see the top of this file).
func (s *Server) crawlerGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := s.requestAgent(r)
		claim, claimed := v.ai, v.aiOK
		if tok := licenceToken(r); tok != "" {
			key, err := s.readers.Licensee(r.Context(), tok, claim.Family, s.clock.Now())
			if err != nil {
				if errors.Is(err, reading.ErrLicenceAgent) {
					s.insights.Crawler(crawlerFamily(claim.Family), masthead.CrawlerGotSpoofed)
				}
				s.serveCrawlerError(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), licenceKey{}, key)))
			return
		}
		if !claimed {
			next.ServeHTTP(w, r)
			return
		}
		got := s.crawlerDecision(claim, r)
		s.insights.Crawler(claim.Family, got)
		if got == masthead.CrawlerGotPrice {
			s.servePrice(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// crawlerFamily names the family a licensed request counts under.
func crawlerFamily(f string) string {
	if f == "" {
		return masthead.OtherCrawler
	}
	return f
}

// crawlerDecision says what the AI crawler claim of r gets without a
// licence: an unverified claim is spoofed and gets the anonymous page;
// a verified one its family's policy.
func (s *Server) crawlerDecision(claim masthead.AICrawler, r *http.Request) string {
	if !s.aiVerified(claim.Family, s.clientIP(r)) {
		return masthead.CrawlerGotSpoofed
	}
	switch s.site().ai.policy[claim.Family] {
	case masthead.CrawlerFull:
		return masthead.CrawlerGotFull
	case masthead.CrawlerRefuse:
		return masthead.CrawlerGotRefused
	case masthead.CrawlerPrice:
		return masthead.CrawlerGotPrice
	}
	return masthead.CrawlerGotTeaser
}

// crawlerErrorBody is the JSON of every answer to a crawler that is not
// the page: the Content API's error shape, with the licensing terms.
type crawlerErrorBody struct {
	Error   web.ErrorJSON   `json:"error"`
	Price   *priceJSON      `json:"price,omitempty"`
	Licence *licenceOfferJS `json:"licence,omitempty"`
}

type priceJSON struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
	Per      string `json:"per"`
}

type licenceOfferJS struct {
	URL     string `json:"url,omitempty"`
	Contact string `json:"contact,omitempty"`
	// How says how a licensee's crawler sends its key.
	How string `json:"how"`
}

// licenceHow is the sentence every crawler answer carries.
const licenceHow = "Send the licence key with every request: Authorization: Bearer <key>."

// serveCrawlerError answers a licensed request that cannot go on (a bad
// key: 401; a key of another crawler: 403) in JSON, never stored.
func (s *Server) serveCrawlerError(w http.ResponseWriter, r *http.Request, err error) {
	status := web.Status(err)
	if status >= 500 {
		s.logError(r, status, err)
	}
	body := crawlerErrorBody{Error: web.ErrorJSON{Code: masthead.ErrorCode(err), Message: masthead.ErrorMessage(err)}}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="licence", error="invalid_token"`)
	}
	s.writeCrawlerJSON(w, r, status, body)
}

// servePrice answers 402 Payment Required with the price per article
// and how to license, in the body and in headers (docs/licensing.md).
func (s *Server) servePrice(w http.ResponseWriter, r *http.Request) {
	offer := s.site().ai.offer
	body := crawlerErrorBody{
		Error: web.ErrorJSON{Code: masthead.EPAYMENTREQUIRED,
			Message: "This publication licenses its articles to AI crawlers; read the licence's terms and ask for a key."},
		Licence: &licenceOfferJS{URL: offer.url, Contact: offer.contact, How: licenceHow},
	}
	if offer.price.Amount != "" {
		body.Price = &priceJSON{Amount: offer.price.Amount, Currency: offer.price.Currency, Per: "article"}
		// Cloudflare's pay-per-crawl header, read by crawlers that
		// take part in it.
		w.Header().Set("Crawler-Price", offer.price.Currency+" "+offer.price.Amount)
	}
	if offer.url != "" {
		w.Header().Add("Link", "<"+offer.url+`>; rel="license"`)
	}
	s.writeCrawlerJSON(w, r, http.StatusPaymentRequired, body)
}

func (s *Server) writeCrawlerJSON(w http.ResponseWriter, r *http.Request, status int, body crawlerErrorBody) {
	if err := web.WriteNoStoreJSON(w, r, status, body); err != nil {
		s.serveError(w, r, err)
	}
}

// admitLicensed logs the licensed request of r for a and holds it to
// its licence's rates; over one it answers 429 with Retry-After and
// reports false. full and bytes are what the page will send.
func (s *Server) admitLicensed(w http.ResponseWriter, r *http.Request, key *masthead.APIKey, a *masthead.Article, full bool, bytes int) (bool, error) {
	wait, err := s.readers.AdmitLicensed(r.Context(), key, a, full, bytes)
	if err != nil {
		return false, err
	}
	if wait > 0 {
		web.RateLimited(w, r, wait)
		return false, nil
	}
	family := key.Licence.Family
	if family == "" {
		family = s.requestAgent(r).ai.Family
	}
	s.insights.Crawler(crawlerFamily(family), masthead.CrawlerGotLicensed)
	return true, nil
}
