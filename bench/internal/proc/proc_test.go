package proc

import (
	"os"
	"testing"
)

func TestReadMemoryOfThisProcess(t *testing.T) {
	rss, hwm, err := ReadMemory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if rss < 1<<20 || hwm < rss {
		t.Errorf("VmRSS %d, VmHWM %d: want a resident size of at least 1 MB and a high-water mark not below it", rss, hwm)
	}
}

func TestLoadStaysOnLoopback(t *testing.T) {
	for u, ok := range map[string]bool{
		"http://127.0.0.1:8080": true,
		"http://[::1]:8080":     true,
		"http://10.0.0.1:8080":  false,
		"http://example.com":    false,
	} {
		if err := checkLoopback(u); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v", u, err)
		}
	}
}
