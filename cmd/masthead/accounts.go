package main

import (
	"flag"
	"fmt"
	"runtime"
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
	SessionCacheTTL  time.Duration
	PasswordHashes   int
	PasswordHashWait time.Duration
}

// accountFlags registers the reader-account settings of serve.
func (a *accountSettings) accountFlags(fs *flag.FlagSet) {
	fs.IntVar(&a.GiftsPerMonth, "gift-links-per-month", 10, "gift links a subscriber may make per calendar month")
	fs.IntVar(&a.GiftReaders, "gift-link-readers", 20, "distinct readers (members or browsers) one gift link opens its article for")
	fs.DurationVar(&a.GiftLifetime, "gift-link-lifetime", 30*24*time.Hour, "how long a gift link works")
	fs.IntVar(&a.SignInPerAddress, "signin-emails-per-hour", 5, "sign-in and registration emails one mailbox (all spellings of an address) may receive per hour")
	fs.IntVar(&a.SignInPerIP, "signin-attempts-per-ip", 20, "sign-in attempts (by email or password) one client network (an IPv4 address, an IPv6 /64) may make per hour; its /24 or /48 may make four times as many")
	fs.IntVar(&a.PasswordHashes, "password-hashes", runtime.GOMAXPROCS(0), "passwords this instance hashes at once (each Argon2id hash holds 19 MiB); more requests wait for a slot")
	fs.DurationVar(&a.PasswordHashWait, "password-hash-wait", 2*time.Second, "how long a password sign-in or change waits for a hashing slot before it is answered 503 with Retry-After")
	fs.DurationVar(&a.SessionCacheTTL, "session-cache-ttl", 5*time.Second, "how long an instance reuses a signed-in reader's member, subscription and meter before reading them again "+
		"(a sign-out or change on another instance shows within it); 0 turns the cache off")
}

// maxSessionCacheTTL bounds --session-cache-ttl: the window in which a
// change made on another instance may not show yet must stay short.
const maxSessionCacheTTL = time.Minute

// maxPasswordHashes bounds --password-hashes: at 19 MiB a hash, 64 at once
// is over a gigabyte.
const maxPasswordHashes = 64

// httpConfig validates the settings and turns them into the site's.
func (a *accountSettings) httpConfig() (mhttp.AccountConfig, error) {
	if a.GiftsPerMonth <= 0 || a.GiftReaders <= 0 || a.GiftLifetime <= 0 || a.SignInPerAddress <= 0 || a.SignInPerIP <= 0 {
		return mhttp.AccountConfig{}, fmt.Errorf("--gift-links-per-month, --gift-link-readers, --gift-link-lifetime, --signin-emails-per-hour and --signin-attempts-per-ip must be positive")
	}
	if a.PasswordHashes <= 0 || a.PasswordHashes > maxPasswordHashes {
		return mhttp.AccountConfig{}, fmt.Errorf("--password-hashes %d: want 1 to %d (each hash at once holds 19 MiB)", a.PasswordHashes, maxPasswordHashes)
	}
	if a.PasswordHashWait <= 0 {
		return mhttp.AccountConfig{}, fmt.Errorf("--password-hash-wait %s: must be positive", a.PasswordHashWait)
	}
	if a.SessionCacheTTL < 0 || a.SessionCacheTTL > maxSessionCacheTTL {
		return mhttp.AccountConfig{}, fmt.Errorf("--session-cache-ttl %s: want between 0 (off) and %s", a.SessionCacheTTL, maxSessionCacheTTL)
	}
	ttl := a.SessionCacheTTL
	if ttl == 0 {
		ttl = -1 // off, in the site's terms
	}
	return mhttp.AccountConfig{
		GiftsPerMonth: a.GiftsPerMonth, GiftReaders: a.GiftReaders, GiftLifetime: a.GiftLifetime,
		SignInPerAddress: a.SignInPerAddress, SignInPerIP: a.SignInPerIP, SessionCacheTTL: ttl,
		PasswordHashes: a.PasswordHashes, PasswordHashWait: a.PasswordHashWait,
	}, nil
}
