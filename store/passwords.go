package store

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"masthead"
)

// Argon2id parameters: OWASP's recommended minimum (19 MiB, two passes,
// one lane). They are written into every hash, so raising them later
// leaves existing hashes verifiable.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Password length bounds, in characters and bytes. Long passphrases are
// welcome; the byte bound only keeps a hash request from being a denial of
// service.
const (
	minPasswordChars = 10
	maxPasswordBytes = 512
)

// dummyHash is verified against when there is no real hash to check (an
// unknown address, a member without a password), so every failed attempt
// costs the same time and says nothing about who has an account.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// checkPassword validates a new password's form.
func checkPassword(pw string) error {
	msg := ""
	switch {
	case utf8.RuneCountInString(pw) < minPasswordChars:
		msg = fmt.Sprintf("Choose a password of at least %d characters.", minPasswordChars)
	case len(pw) > maxPasswordBytes:
		msg = fmt.Sprintf("Choose a password of at most %d characters.", maxPasswordBytes)
	case !utf8.ValidString(pw):
		msg = "The password holds characters that cannot be read."
	}
	if msg != "" {
		return &masthead.Error{Code: masthead.EINVALID, Message: msg, Fields: map[string]string{"password": msg}}
	}
	return nil
}

// hashPassword returns an encoded Argon2id hash of pw with a fresh salt,
// in the PHC string format other tools read.
func hashPassword(pw string) string {
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// verifyPassword reports whether pw matches encoded, comparing in constant
// time. A malformed hash never matches.
func verifyPassword(encoded, pw string) bool {
	if len(pw) > maxPasswordBytes {
		pw = pw[:maxPasswordBytes]
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var mem, iters uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil ||
		mem == 0 || mem > 1<<20 || iters == 0 || iters > 10 || threads == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, iters, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
