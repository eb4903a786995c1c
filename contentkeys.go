package masthead

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Content keys name what a public page shows, so that a change forgets
// only the pages it touches: the in-process page cache of every
// instance, and a CDN in front of them, which reads the same keys from
// the Surrogate-Key (Fastly) or Cache-Tag (Cloudflare) header. A page
// carries KeySite and the keys of what it shows; a write records the keys
// of what it changed with the content version it raised (ContentChange),
// and the pages carrying any of them are dropped.
const (
	// KeySite is on every public page: a change recorded with it (the
	// site settings, a taxonomy edit, an import) drops them all.
	KeySite = "site"
	// KeyHome is the home page.
	KeyHome = "home"
	// KeyFeeds is the site's own feeds (RSS and Atom).
	KeyFeeds = "feeds"
	// KeyLists is every list of the whole library: the archive, the
	// sitemaps, the index pages of columns, authors, topics and regions.
	KeyLists = "lists"
)

// ArticleKey is the key of article id: its page, and every list page
// that shows it.
func ArticleKey(id int64) string { return "a:" + strconv.FormatInt(id, 10) }

// ColumnKey, AuthorKey, TopicKey and RegionKey are the keys of a
// taxonomy page (and its feeds), by slug.
func ColumnKey(slug string) string { return "column:" + slug }

// AuthorKey is the key of an author's page.
func AuthorKey(slug string) string { return "author:" + slug }

// TopicKey is the key of a topic's page and feeds.
func TopicKey(slug string) string { return "topic:" + slug }

// RegionKey is the key of a region's page.
func RegionKey(slug string) string { return "region:" + slug }

// ContentChange is one raise of the content version with the keys of what
// it changed. Every instance reads the changes after the version it last
// saw and drops the pages carrying their keys; a change whose Keys hold
// KeySite drops everything.
type ContentChange struct {
	Version int64
	Keys    []string
	At      time.Time
}

// All reports whether the change touches every page.
func (c ContentChange) All() bool { return slices.Contains(c.Keys, KeySite) }

// JobCDNPurge asks the CDN in front of the site to drop the pages that
// carry some keys (CDNPurge), once per content change. The write that
// changes the content enqueues it in its transaction, when a CDN is set.
const JobCDNPurge = "cdn-purge"

// CDNPurgeAttempts bounds the attempts of one purge: with the queue's
// backoff doubling from 30 s, the last is about two hours after the
// change, past which the pages have expired at the edge anyway.
const CDNPurgeAttempts = 8

// CDNPurge is the payload of a JobCDNPurge: the content version and its
// keys.
type CDNPurge struct {
	Version int64    `json:"version"`
	Keys    []string `json:"keys"`
}

// CDNPurgeJob returns the job that purges the keys of content version v,
// due now.
func CDNPurgeJob(v int64, keys []string) Job {
	j, _ := NewJob(JobCDNPurge, CDNPurge{Version: v, Keys: keys})
	j.Key = fmt.Sprintf("version %d", v)
	j.MaxAttempts = CDNPurgeAttempts
	return j
}
