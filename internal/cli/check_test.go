package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, tc := range []struct {
		path, want string // want "" : no error
	}{
		{filepath.Join(dir, "new", "nested"), ""},
		{file, "is a file, not a directory"},
		{filepath.Join(file, "sub"), "cannot create directory"},
		{"/proc/self", "cannot write in /proc/self"},
	} {
		err := CheckWritableDir("-checkpoint", tc.path)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("CheckWritableDir(%s) = %v, want %q", tc.path, err, tc.want)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "new", "nested", "*")); len(left) > 0 {
		t.Errorf("the probe left %v", left)
	}
	if err := CheckWritableFile("-metrics", dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("CheckWritableFile(a directory) = %v", err)
	}
	if err := CheckWritableFile("-metrics", filepath.Join(dir, "runs", "m.jsonl")); err != nil {
		t.Errorf("CheckWritableFile(a new file in a new directory) = %v", err)
	}
}

func TestCheckMemory(t *testing.T) {
	if memTotal() == 0 {
		t.Skip("no /proc/meminfo")
	}
	if err := CheckMemory(1<<20, "a run", "lower -x"); err != nil {
		t.Errorf("1 MiB: %v", err)
	}
	// 1e30 bytes is more than any machine has.
	err := CheckMemory(1e30, "a run", "lower -x")
	if err == nil || !regexp.MustCompile(`^a run needs about .* EiB of memory, more than this machine's .*: lower -x$`).MatchString(err.Error()) {
		t.Errorf("1e30 bytes: %v", err)
	}
}

func TestRecover(t *testing.T) {
	var stderr bytes.Buffer
	code := func() (code int) {
		defer Recover("cmd", &stderr, &code)
		var m map[string]int
		m["x"] = 1 // a nil map: panics
		return ExitOK
	}()
	line := stderr.String()
	if code != ExitRuntime || strings.Count(line, "\n") != 1 || !strings.HasPrefix(line, "cmd: internal error: assignment to entry in nil map: this is a bug") {
		t.Fatalf("code %d, stderr %q", code, line)
	}
	trace := regexp.MustCompile(`stack trace in (\S+)\)`).FindStringSubmatch(line)
	if trace == nil {
		t.Fatalf("stderr names no trace file: %q", line)
	}
	b, err := os.ReadFile(trace[1])
	os.Remove(trace[1])
	if err != nil || !strings.Contains(string(b), "goroutine") {
		t.Errorf("trace file: %v, %q", err, b)
	}
}

// TestSignalContext sends this process SIGTERM: the context is cancelled
// with it as the cause, and the exit status is 143.
func TestSignalContext(t *testing.T) {
	ctx, stop := SignalContext(context.Background())
	defer stop()
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not cancel the context")
	}
	se, ok := Interrupted(ctx)
	if !ok || se.Signal != syscall.SIGTERM || se.ExitCode() != 143 {
		t.Errorf("Interrupted = %v, %v; want SIGTERM, 143", se, ok)
	}
	if _, ok := Interrupted(context.Background()); ok {
		t.Error("Interrupted(Background) = true")
	}
}

// TestCheckPaths: an output that is an input (by name, through a
// symlink, through a hard link), two outputs on one file, and an output
// inside the checkpoint directory are refused; distinct paths pass.
func TestCheckPaths(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "text.txt")
	os.WriteFile(data, []byte("abc"), 0o644)
	link := filepath.Join(dir, "link.txt")
	os.Symlink(data, link)
	hard := filepath.Join(dir, "hard.txt")
	os.Link(data, hard)
	ck := filepath.Join(dir, "ck")
	os.Mkdir(ck, 0o755)
	ckLink := filepath.Join(dir, "ck-link")
	os.Symlink(ck, ckLink)
	reads := []PathUse{{Flag: "-data", Path: data}}
	for _, tc := range []struct {
		writes []PathUse
		want   string
	}{
		{[]PathUse{{Flag: "-metrics", Path: filepath.Join(dir, "m.jsonl")}, {Flag: "-checkpoint", Path: ck, Dir: true}}, ""},
		{[]PathUse{{Flag: "-metrics", Path: data}}, "-metrics " + data + " is the -data file " + data},
		{[]PathUse{{Flag: "-dot", Path: link}}, "is the -data file"},
		{[]PathUse{{Flag: "-cpuprofile", Path: hard}}, "is the -data file"},
		{[]PathUse{{Flag: "-metrics", Path: filepath.Join(dir, "x.svg")}, {Flag: "-plot", Path: filepath.Join(dir, ".", "x.svg")}}, "-metrics and -plot both name"},
		{[]PathUse{{Flag: "-checkpoint", Path: ck, Dir: true}, {Flag: "-metrics", Path: filepath.Join(ck, "latest")}}, "-metrics " + filepath.Join(ck, "latest") + " is inside the -checkpoint directory"},
		{[]PathUse{{Flag: "-checkpoint", Path: ck, Dir: true}, {Flag: "-metrics", Path: filepath.Join(ckLink, "epoch-000001", "params.npz")}}, "is inside the -checkpoint directory"},
	} {
		err := CheckPaths(tc.writes, reads)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("CheckPaths(%v) = %v, want %q", tc.writes, err, tc.want)
		}
	}
}
