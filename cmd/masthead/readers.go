package main

import (
	"errors"
	"flag"
	"fmt"
	"html/template"
	"net/netip"
	"os"
	"strings"
	"time"

	"masthead/access"
	mhttp "masthead/http"
)

// readerSettings are the serve settings of the wall: the meter, the
// proxies whose forwarding headers are believed, and the ad slots.
type readerSettings struct {
	MeterCredits     int
	MeterPeriod      string
	TrustedProxies   string
	Ads              bool
	AdAfterParagraph int
	AdSidebar        bool
	AdHTMLFile       string
}

// readerFlags registers the wall's settings of serve.
func (s *readerSettings) readerFlags(fs *flag.FlagSet) {
	fs.IntVar(&s.MeterCredits, "meter-credits", 3, "free articles of their choice a verified registered reader may read each meter period")
	fs.StringVar(&s.MeterPeriod, "meter-period", "month", "the meter's period: month (calendar months) or week (from Monday), in the publication's time zone")
	fs.StringVar(&s.TrustedProxies, "trusted-proxies", "", "comma-separated CIDR networks of the proxies in front of the site, whose X-Forwarded-For is believed (e.g. 10.0.0.0/8,127.0.0.1/32)")
	fs.BoolVar(&s.Ads, "ads", true, "show ad slots on article pages to readers not entitled to ad-free reading")
	fs.IntVar(&s.AdAfterParagraph, "ad-after-paragraph", 3, "place the in-article ad after this paragraph; 0 turns the in-article slot off")
	fs.BoolVar(&s.AdSidebar, "ad-sidebar", true, "show the ad slot beside the article")
	fs.StringVar(&s.AdHTMLFile, "ad-html-file", "", "a file of the publisher's own ad HTML for both slots (default: house ads). "+
		"It is trusted as is, but served under the site's Content-Security-Policy: scripts and anything from other origins will not load")
}

// maxAdHTML bounds the publisher's ad file: an ad, not a page.
const maxAdHTML = 64 << 10

// httpSettings validates the settings and turns them into the site's.
func (s *readerSettings) httpSettings(loc *time.Location) (access.Policy, []netip.Prefix, mhttp.AdConfig, error) {
	var errs []error
	if s.MeterCredits < 0 {
		errs = append(errs, fmt.Errorf("--meter-credits %d: must not be negative", s.MeterCredits))
	}
	if s.MeterPeriod != "month" && s.MeterPeriod != "week" {
		errs = append(errs, fmt.Errorf("--meter-period %q: want month or week", s.MeterPeriod))
	}
	var proxies []netip.Prefix
	for part := range strings.SplitSeq(s.TrustedProxies, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			// A bare address is a network of one.
			a, aerr := netip.ParseAddr(part)
			if aerr != nil {
				errs = append(errs, fmt.Errorf("--trusted-proxies: %q is not a CIDR network or an address", part))
				continue
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		proxies = append(proxies, p.Masked())
	}
	ads := mhttp.AdConfig{Off: !s.Ads, AfterParagraph: s.AdAfterParagraph, NoSidebar: !s.AdSidebar}
	if s.AdAfterParagraph <= 0 {
		ads.AfterParagraph = -1
	}
	if s.AdHTMLFile != "" {
		b, err := os.ReadFile(s.AdHTMLFile)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("--ad-html-file: %w", err))
		case len(b) > maxAdHTML:
			errs = append(errs, fmt.Errorf("--ad-html-file %s: larger than %d KB", s.AdHTMLFile, maxAdHTML>>10))
		default:
			// The operator's own markup, trusted as the templates are.
			ads.HTML = template.HTML(b)
		}
	}
	policy := access.Policy{Credits: s.MeterCredits, Period: s.MeterPeriod, Location: loc}
	return policy, proxies, ads, errors.Join(errs...)
}
