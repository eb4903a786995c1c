package main

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestStaticDeps: the binary builds with CGO_ENABLED=0, as the Dockerfile
// builds it for a distroless image: every package it links is found with
// cgo off and none needs cgo.
func TestStaticDeps(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the image is Linux")
	}
	list := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{len .CgoFiles}} {{.Incomplete}}", ".")
	list.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	out, err := list.CombinedOutput()
	if err != nil {
		t.Fatalf("CGO_ENABLED=0 go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || f[1] != "0" || f[2] != "false" {
			t.Errorf("with CGO_ENABLED=0: %s (import path, cgo files, incomplete)", line)
		}
	}
}

// TestStaticBuild builds the static binary (minutes on a cold cache, as
// .ci/build-static does; set MASTHEAD_TEST_STATIC=1) and checks that it
// asks for no dynamic loader or shared library, and starts.
func TestStaticBuild(t *testing.T) {
	if os.Getenv("MASTHEAD_TEST_STATIC") == "" || runtime.GOOS != "linux" {
		t.Skip("set MASTHEAD_TEST_STATIC=1 to build the static binary")
	}
	bin := filepath.Join(t.TempDir(), "masthead")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary asks for a dynamic loader (PT_INTERP)")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs shared libraries: %v", libs)
	}
	out, err := exec.Command(bin, "help").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "health") {
		t.Errorf("the static binary's help: %v\n%s", err, out)
	}
}
