package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// desktopChrome is a reader's Chromium, where the test's headless one
// says HeadlessChrome.
const desktopChrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

// TestBrowserBeacon runs the site behind a CDN (--cdn webhook, which
// counts views by beacon unless told otherwise) and opens an article in
// Chromium: the view reaches the dashboard's counts through the page's
// beacon, once however often the page is reloaded, and headless
// Chromium's own user agent (a scraper's) counts nothing.
func TestBrowserBeacon(t *testing.T) {
	browserCtx := browser(t, chromiumPath(t))
	purges := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(purges.Close)
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			inst := startServe(t, "--db", dsn, "--demo", "--demo-articles", "30",
				"--cdn", "webhook", "--cdn-api", purges.URL, "--cdn-token", "a-secret-of-the-purger", "--shutdown-grace", "15s")
			db, err := store.Open(context.Background(), dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			ctx := context.Background()
			list, _, err := db.Articles(ctx, masthead.ArticleFilter{Live: true, Now: time.Now(), Limit: 1})
			if err != nil || len(list) == 0 {
				t.Fatalf("no published article: %v", err)
			}
			a := list[0]
			today := time.Now().UTC().Truncate(24 * time.Hour)
			views := func() int64 {
				t.Helper()
				top, err := db.InsightTopArticles(ctx, masthead.InsightRange{From: today, To: today.AddDate(0, 0, 1)}, 1000)
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range top {
					if v.Slug == a.Slug {
						return v.Views
					}
				}
				return 0
			}
			before := views()

			tabCtx, cancel := chromedp.NewContext(browserCtx)
			t.Cleanup(cancel)
			if err := chromedp.Do(tabCtx); err != nil {
				t.Fatalf("open a tab: %v", err)
			}
			b := tab{t: t, ctx: tabCtx}
			page := inst.URL + "/articles/" + a.Slug

			// As itself, headless Chromium is a scraper: the image is
			// fetched and answered, and not counted.
			b.open(page)
			if src := eval[string](b, `(document.querySelector('article img[src^="/v/"]') || {}).src || ''`); !strings.Contains(src, "/v/") {
				t.Fatalf("no beacon on %s", page)
			}
			if !eval[bool](b, `document.querySelector('article img[src^="/v/"]').complete`) {
				t.Errorf("the beacon did not load")
			}
			waitMetric(t, inst.URL, "masthead_beacon_ignored_total", 1)

			// As a reader's browser: shown, then reloaded twice.
			ectx, ecancel := context.WithTimeout(tabCtx, stepTimeout)
			_, err = chromedp.Call(ectx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: desktopChrome, AcceptLanguage: "en-GB"})
			ecancel()
			if err != nil {
				t.Fatalf("set the user agent: %v", err)
			}
			for range 3 {
				b.open(page)
			}
			waitMetric(t, inst.URL, "masthead_beacon_counted_total", 1)
			waitMetric(t, inst.URL, "masthead_beacon_repeated_total", 2)

			// The recorder writes within five seconds; the count is the
			// dashboard's.
			deadline := time.Now().Add(time.Minute)
			for views() < before+1 && time.Now().Before(deadline) {
				time.Sleep(200 * time.Millisecond)
			}
			if got := views(); got != before+1 {
				t.Errorf("views of %s today: %d, want %d (one more, by the beacon)", a.Slug, got, before+1)
			}
			if n := metric(t, inst.URL, "masthead_beacon_counted_total"); n != 1 {
				t.Errorf("beacons counted: %v, want 1", n)
			}
		})
	}
}

// metric reads one unlabelled figure from the instance's /metrics.
func metric(t *testing.T, base, name string) float64 {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			var f float64
			if _, err := fmt.Sscan(v, &f); err != nil {
				t.Fatalf("%s: %q", name, v)
			}
			return f
		}
	}
	t.Fatalf("no %s at /metrics", name)
	return 0
}

// waitMetric waits until name reaches want: the browser may still be
// sending the beacon when the page's load event has fired.
func waitMetric(t *testing.T, base, name string, want float64) {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for metric(t, base, name) < want && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if got := metric(t, base, name); got != want {
		t.Fatalf("%s = %v, want %v", name, got, want)
	}
}
