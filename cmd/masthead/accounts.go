package main

import (
	"flag"
	"fmt"
	"time"

	mhttp "masthead/http"
)

// accountSettings are the serve settings of reader sign-in and gift links.
type accountSettings struct {
	GiftsPerMonth    int
	GiftReaders      int
	GiftLifetime     time.Duration
	SignInPerAddress int
	SignInPerIP      int
}

// accountFlags registers the reader-account settings of serve.
func (a *accountSettings) accountFlags(fs *flag.FlagSet) {
	fs.IntVar(&a.GiftsPerMonth, "gift-links-per-month", 10, "gift links a subscriber may make per calendar month")
	fs.IntVar(&a.GiftReaders, "gift-link-readers", 20, "distinct readers (members or browsers) one gift link opens its article for")
	fs.DurationVar(&a.GiftLifetime, "gift-link-lifetime", 30*24*time.Hour, "how long a gift link works")
	fs.IntVar(&a.SignInPerAddress, "signin-emails-per-hour", 5, "sign-in and registration emails one address may receive per hour")
	fs.IntVar(&a.SignInPerIP, "signin-attempts-per-ip", 20, "sign-in attempts (by email or password) one client address may make per hour")
}

// httpConfig validates the settings and turns them into the site's.
func (a *accountSettings) httpConfig() (mhttp.AccountConfig, error) {
	if a.GiftsPerMonth <= 0 || a.GiftReaders <= 0 || a.GiftLifetime <= 0 || a.SignInPerAddress <= 0 || a.SignInPerIP <= 0 {
		return mhttp.AccountConfig{}, fmt.Errorf("--gift-links-per-month, --gift-link-readers, --gift-link-lifetime, --signin-emails-per-hour and --signin-attempts-per-ip must be positive")
	}
	return mhttp.AccountConfig{
		GiftsPerMonth: a.GiftsPerMonth, GiftReaders: a.GiftReaders, GiftLifetime: a.GiftLifetime,
		SignInPerAddress: a.SignInPerAddress, SignInPerIP: a.SignInPerIP,
	}, nil
}
