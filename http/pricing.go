package http

import "net/http"

// pricingPage is where every "Subscribe" leads: what All-Access gives, and
// how to get it. Until a payment provider is configured, it says plainly
// that subscriptions are not set up rather than offering a button that
// cannot work.
type pricingPage struct {
	base
	Benefits  []string
	Available bool
}

// allAccessBenefits is what a subscriber gets, in the words the wall and
// the house ads use too.
var allAccessBenefits = []string{
	"Every article, with no monthly limit",
	"The full searchable library, with snippets from every article",
	"The Daily Review and the Weekly Review by email",
	"No ads",
}

func (s *Server) handlePricing(w http.ResponseWriter, r *http.Request) error {
	v := pricingPage{
		base:     s.newBase(r, "Subscribe", "All-Access to "+s.cfg.SiteName+": every article, the searchable library, the Daily and Weekly Review, no ads.", "/pricing"),
		Benefits: allAccessBenefits,
	}
	return s.render(w, "pricing", v)
}
