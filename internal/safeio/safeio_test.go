package safeio

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	os.WriteFile(p, []byte("12345"), 0o644)
	if b, err := ReadFile(p, 5); err != nil || string(b) != "12345" {
		t.Errorf("ReadFile(5 bytes, max 5) = %q, %v", b, err)
	}
	var tl *TooLargeError
	if _, err := ReadFile(p, 4); !errors.As(err, &tl) || tl.Max != 4 {
		t.Errorf("ReadFile(5 bytes, max 4) = %v, want a TooLargeError", err)
	}
	link := filepath.Join(dir, "link")
	os.Symlink(p, link)
	if b, err := ReadFile(link, 5); err != nil || string(b) != "12345" {
		t.Errorf("ReadFile(a symlink to a file) = %q, %v", b, err)
	}
}

// TestRefusesSpecialFiles: a directory, /dev/zero (also through a
// symlink) and a FIFO with no writer fail at once, without reading or
// blocking.
func TestRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	zero := filepath.Join(dir, "zero-link")
	os.Symlink("/dev/zero", zero)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		dir: "is a directory", "/dev/zero": "is a character device", zero: "is a character device", fifo: "is a FIFO (named pipe)",
	} {
		start := time.Now()
		_, err := ReadFile(path, 1<<30)
		if !IsNotRegular(err) || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadFile(%s) = %v, want %q", path, err, want)
		}
		// Seconds, not the minutes of 1 GiB of /dev/zero or forever of a
		// FIFO: the check comes before any read.
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("ReadFile(%s) took %v", path, d)
		}
	}
}
