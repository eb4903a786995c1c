package http

import "net/http"

// accountRoutes lists the routes of a reader's account: registration on
// the wall and the meter, sign-in and sign-out, the account page, gift
// links, checkout and the billing portal, and gift subscriptions. The
// use cases behind them are package reading's; every response is
// personal and never cached (personal, action). The pricing page is the
// reader site's (routes.go).
func (s *Server) accountRoutes(mux *http.ServeMux) {
	// Registration and the meter (register.go, unlock.go).
	mux.Handle("POST /register", s.action(s.handleRegister))
	mux.Handle("POST /articles/{slug}/unlock", s.action(s.handleUnlock))

	// Sign-in by password or emailed link, sign-out (signin.go).
	mux.Handle("GET /login", s.personal(s.handleLoginForm))
	mux.Handle("POST /login", s.personal(s.handleLogin))
	mux.Handle("GET /signin", s.personal(s.handleSignInForm))
	mux.Handle("POST /signin", s.personal(s.handleSignIn))
	mux.Handle("POST /logout", s.personal(s.handleLogout))

	// Checkout, the portal and gift subscriptions (billing.go). A
	// reader who is not signed in may check out with their address.
	mux.Handle("POST /checkout", s.personal(s.handleCheckout))
	mux.Handle("POST /checkout/demo", s.personal(s.handleDemoCheckout))
	mux.Handle("GET /checkout/return", s.personal(s.handleCheckoutReturn))
	mux.Handle("POST /account/billing", s.personal(s.signedIn(s.handlePortal)))
	mux.Handle("POST /gifts/checkout", s.personal(s.handleGiftCheckout))
	mux.Handle("GET /gifts/redeem/{token}", s.personal(s.handleGiftPage))
	mux.Handle("POST /gifts/redeem/{token}", s.personal(s.handleGiftRedeem))

	if s.accounts == nil {
		return
	}
	// The account page and its forms (account.go), gift links
	// (gifts.go).
	mux.Handle("GET /account", s.personal(s.signedIn(s.handleAccount)))
	mux.Handle("POST /account/name", s.personal(s.signedIn(s.handleAccountName)))
	mux.Handle("POST /account/newsletters", s.personal(s.signedIn(s.handleAccountNewsletters)))
	mux.Handle("POST /account/password", s.personal(s.signedIn(s.handleAccountPassword)))
	mux.Handle("POST /account/sessions/revoke", s.personal(s.signedIn(s.handleRevokeSessions)))
	mux.Handle("GET /account/export.json", s.personal(s.signedIn(s.handleAccountExport)))
	mux.Handle("POST /account/delete", s.personal(s.signedIn(s.handleAccountDelete)))
	mux.Handle("POST /account/gifts/{id}/revoke", s.personal(s.signedIn(s.handleRevokeGift)))
	mux.Handle("POST /articles/{slug}/gift", s.personal(s.signedIn(s.handleCreateGift)))
}
