package http

import (
	"net/http"
	"net/url"

	"masthead"
)

// An offer's own page, /offers/{slug}: what the offer gives, the plan's
// price while it applies, and the checkout form that carries the offer's
// slug (reading.Service.StartCheckout checks it again). An offer that
// has ended, been taken up in full or been switched off says so, and the
// page shows the normal plans instead. The page is personal, like the
// pricing page: it names the reader's state and carries ?next=.

// offerNotes say why an offer's page shows the normal plans.
var offerNotes = map[masthead.OfferState]string{
	masthead.OfferExpired:   "This offer has ended. The plans below are still on offer.",
	masthead.OfferExhausted: "This offer has been taken up in full. The plans below are still on offer.",
	masthead.OfferInactive:  "This offer is not available. The plans below are still on offer.",
}

func (s *Server) handleOffer(w http.ResponseWriter, r *http.Request) error {
	return s.renderOffer(w, r, "")
}

func (s *Server) renderOffer(w http.ResponseWriter, r *http.Request, errMsg string) error {
	o, p, err := s.reading.Offer(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	v, err := s.pricingView(r, "/offers/"+url.PathEscape(o.Slug), errMsg)
	if err != nil {
		return err
	}
	v.Title = o.Name
	state := o.State(s.clock.Now())
	if state == masthead.OfferRunning && !p.Active {
		state = masthead.OfferInactive
	}
	if state != masthead.OfferRunning {
		v.OfferNote = offerNotes[state]
	} else if v.Available {
		v.Offer = s.attachOffer(v.Plans, o)
		// The page is about the offer: its plan's card alone.
		for _, c := range v.Plans {
			if c.Offer != nil {
				v.Plans = []planView{c}
				break
			}
		}
	}
	if errMsg != "" {
		w.WriteHeader(http.StatusBadRequest)
	}
	return s.render(w, "billing/offer", v)
}
