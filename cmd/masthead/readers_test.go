package main

import (
	"flag"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReaderSettings(t *testing.T) {
	adFile := filepath.Join(t.TempDir(), "ad.html")
	if err := os.WriteFile(adFile, []byte(`<p class="sponsor">Our sponsor</p>`), 0o644); err != nil {
		t.Fatal(err)
	}
	parse := func(args ...string) (*readerSettings, error) {
		var s readerSettings
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		s.readerFlags(fs)
		return &s, fs.Parse(args)
	}

	s, _ := parse()
	policy, proxies, ads, err := s.httpSettings(time.UTC)
	if err != nil || policy.Credits != 3 || policy.Period != "month" || policy.Location != time.UTC ||
		len(proxies) != 0 || ads.Off || ads.AfterParagraph != 3 || ads.NoSidebar || ads.HTML != "" {
		t.Errorf("defaults: %+v %v %+v %v", policy, proxies, ads, err)
	}

	s, _ = parse("--meter-credits", "5", "--meter-period", "week", "--trusted-proxies", "10.0.0.0/8, 127.0.0.1,::1",
		"--ad-after-paragraph", "0", "--ad-sidebar=false", "--ad-html-file", adFile)
	policy, proxies, ads, err = s.httpSettings(time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
	if policy.Credits != 5 || policy.Period != "week" || len(proxies) != 3 || proxies[0] != want[0] || proxies[1] != want[1] || proxies[2] != want[2] {
		t.Errorf("settings: %+v %v", policy, proxies)
	}
	if ads.AfterParagraph >= 0 || !ads.NoSidebar || !strings.Contains(string(ads.HTML), "Our sponsor") {
		t.Errorf("ads: %+v", ads)
	}

	for _, args := range [][]string{
		{"--meter-period", "year"},
		{"--meter-credits", "-1"},
		{"--trusted-proxies", "10.0.0.0/33"},
		{"--trusted-proxies", "proxy.example"},
		{"--ad-html-file", filepath.Join(t.TempDir(), "missing.html")},
	} {
		s, err := parse(args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if _, _, _, err := s.httpSettings(time.UTC); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
}
