package http

import "net/http"

// curatorRoutes lists the routes of the personal curator
// (docs/curator.md): following, the For-you page, saving for later, the
// reading history's controls and the topic picker. The follow and save
// forms are on shared, cached pages, so their posts go through action(),
// which resolves the session and sends a signed-out reader to log in;
// everything else is a signed-in reader's own (personal). The account
// page's "What you follow" section is the account's (routes_accounts.go).
func (s *Server) curatorRoutes(mux *http.ServeMux) {
	if !s.curating() {
		return
	}
	// Following (follow.go).
	mux.Handle("POST /follow", s.action(s.handleFollow))
	mux.Handle("POST /follow/alert", s.personal(s.signedIn(s.handleFollowAlert)))

	// Saving for later (follow.go) and the reading list (foryou.go).
	mux.Handle("POST /articles/{slug}/save", s.action(s.handleSave))
	mux.Handle("GET /saved", s.personal(s.signedIn(s.handleSaved)))

	// The For-you page and the picker offered after registering
	// (foryou.go).
	mux.Handle("GET /for-you", s.personal(s.signedIn(s.handleForYou)))
	mux.Handle("GET /welcome/follow", s.personal(s.signedIn(s.handlePicker)))
	mux.Handle("POST /welcome/follow", s.personal(s.signedIn(s.handlePick)))

	// The reading history's controls on the account page (follow.go).
	mux.Handle("POST /account/history", s.personal(s.signedIn(s.handleHistory)))
}
