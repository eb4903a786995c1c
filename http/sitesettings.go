package http

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"net/http"
	"time"

	"masthead"
	"masthead/access"
)

// The site settings staff change at /admin/settings (name, tagline,
// logo, accent colour, footer links, social accounts, the ads' HTML and
// the meter) are read from the store into one snapshot: at start, and
// whenever the content version moves (a save raises it), before the page
// cache is emptied, so no page is cached with the old ones. A setting not
// set keeps the value of Config, which the operator's flags and
// environment fill. Every request reads the snapshot through one atomic
// load.

// SettingsSource is where the settings staff save are kept.
type SettingsSource interface {
	Settings(ctx context.Context) (*masthead.SiteSettings, error)
	// HomeLayout is the home page as an editor arranged it (home.go).
	HomeLayout(ctx context.Context) (*masthead.HomeLayout, error)
}

// siteNow is the settings in force.
type siteNow struct {
	name, tagline, logo string
	footer, social      []masthead.Link
	ads                 ads
	policy              access.Policy
	home                masthead.HomeLayout
	// css sets the accent colour, served at cssURL; empty without one.
	css    []byte
	cssURL string
	// ai is the AI crawlers' policies (aicrawlers.go).
	ai aiTerms
	// recency is how much search favours recent articles.
	recency masthead.SearchRecency
}

// settingsCSSPath serves the stylesheet of the accent colour; the
// site's security policy allows no inline style.
const settingsCSSPath = "/site-settings.css"

// loadSettings reads the settings and puts them in force.
func (s *Server) loadSettings(ctx context.Context) error {
	cur := &siteNow{name: s.cfg.SiteName, tagline: s.cfg.Tagline, ads: newAds(s.cfg.Ads), policy: s.cfg.Policy,
		recency: masthead.DefaultRecency}
	if s.settingsSrc != nil {
		st, err := s.settingsSrc.Settings(ctx)
		if err != nil {
			return err
		}
		if st.Name != "" {
			cur.name = st.Name
		}
		if st.Tagline != "" {
			cur.tagline = st.Tagline
		}
		cur.logo, cur.footer, cur.social = st.LogoURL, st.FooterLinks, st.Social
		cur.ai = newAITerms(st.AICrawlers)
		cur.ai.offer = newLicenceOffer(st)
		if st.AdsHTML != "" {
			c := s.cfg.Ads
			// Trusted as the operator's --ad-html-file is: staff with the
			// admin role wrote it (ads.go).
			c.HTML = template.HTML(st.AdsHTML)
			cur.ads = newAds(c)
		}
		if st.MeterCredits != nil {
			cur.policy.Credits = *st.MeterCredits
		}
		if st.MeterPeriod != "" {
			cur.policy.Period = st.MeterPeriod
		}
		if st.SearchRecency != "" {
			cur.recency = st.SearchRecency
		}
		home, err := s.settingsSrc.HomeLayout(ctx)
		if err != nil {
			return err
		}
		cur.home = *home
		if st.Accent != "" {
			cur.css = []byte(":root{--accent:" + st.Accent + "}\n")
			sum := sha256.Sum256(cur.css)
			cur.cssURL = settingsCSSPath + "?v=" + hex.EncodeToString(sum[:5])
		}
	}
	s.siteNow.Store(cur)
	// The use cases and every surface that asks them (the APIs too)
	// decide with the same meter.
	s.reading.SetPolicy(cur.policy)
	return nil
}

// site returns the settings in force.
func (s *Server) site() *siteNow { return s.siteNow.Load() }

// SiteName is the publication's name in force: the site settings' when
// staff set one, else Config's. It comes from the snapshot the content
// version keeps in step on every instance, so asking costs no query; the
// staff area's header shows it (admin.Deps.SiteName).
func (s *Server) SiteName() string { return s.site().name }

// SearchRecency is how much search favours recent articles, as the
// settings in force say: the site's search and the Content API's rank
// alike.
func (s *Server) SearchRecency() masthead.SearchRecency { return s.site().recency }

// policy is the meter's policy in force, for access.Decide.
func (s *Server) policy() access.Policy { return s.site().policy }

// handleSettingsCSS serves the accent colour's stylesheet. Its address
// carries a hash of the content, so it may be kept long.
func (s *Server) handleSettingsCSS(w http.ResponseWriter, r *http.Request) error {
	cur := s.site()
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(cur.css)
	return nil
}

// initSettings puts the settings in force at start; a store that cannot
// answer leaves the operator's values in force until the poller reads
// them.
func (s *Server) initSettings(src SettingsSource) {
	s.settingsSrc = src
	_ = s.loadSettings(context.Background()) // the settings of Config, which cannot fail
	if src == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.loadSettings(ctx); err != nil {
		s.log.Warn("site settings: read at start", "err", err)
	}
}
