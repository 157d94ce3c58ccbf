package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/unroll/unroll/train"
)

func TestRelaunchPieces(t *testing.T) {
	// Where go 1.26 run puts its binary: the work directory, or the
	// build cache (seen on this machine).
	for _, p := range []string{"/tmp/go-build1234/b001/exe/train",
		"/root/.cache/go-build/01/015e355c4b75420826f46ad979af6869866db3db2635838ec217f6d8f38a8dec-d/train"} {
		if !isGoRun(p) {
			t.Errorf("isGoRun(%q) = false", p)
		}
	}
	for _, p := range []string{"/home/u/go/bin/train", "./train", "train", "/srv/01/015e355c-d/train"} {
		if isGoRun(p) {
			t.Errorf("isGoRun(%q) = true", p)
		}
	}
	// Run from cmd/train (the test's directory) and from the module root.
	bi := &debug.BuildInfo{Path: "github.com/unroll/unroll/cmd/train", Main: debug.Module{Path: "github.com/unroll/unroll"}}
	if got := packageDir(bi); got != "." {
		t.Errorf("packageDir from cmd/train = %q, want .", got)
	}
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir("../..")
	if got := packageDir(bi); got != "./cmd/train" {
		t.Errorf("packageDir from the module root = %q, want ./cmd/train", got)
	}
	os.Chdir(t.TempDir())
	if got := packageDir(bi); got != bi.Path {
		t.Errorf("packageDir outside the module = %q, want the import path", got)
	}
	os.Chdir(wd)
	// The test binary itself stands for an installed cmd/train.
	exe, _ := os.Executable()
	if got := binaryPath(exe); got != exe {
		t.Errorf("binaryPath(%q) = %q", exe, got)
	}
	for _, arg0 := range []string{"train", "./no/such/train", filepath.Base(exe)} {
		if got := binaryPath(arg0); got != exe {
			t.Errorf("binaryPath(%q) = %q, want the absolute %q (not runnable as given)", arg0, got, exe)
		}
	}
	if got := resumeCommand([]string{"-data", "my text.txt", "-checkpoint", "ck"}); got != progName+" -data 'my text.txt' -checkpoint ck -resume" {
		t.Errorf("resumeCommand = %q", got)
	}
}

// TestGoRunInterruptResume is issue 15's acceptance test 2: Ctrl-C (SIGINT
// to the process group, as a terminal sends it) stops `go run ./cmd/train`,
// whose "continue with:" command, run through sh -c from the same
// directory, resumes and finishes the run exactly as an uninterrupted run
// does (per-epoch perplexities and final parameters, bit for bit). go run
// itself then reports "exit status 130" and exits with 1; our line comes
// just before that.
func TestGoRunInterruptResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/train with go run (-short)")
	}
	root, _ := filepath.Abs("../..")
	data := text(t)
	builds := [][]string{nil}
	for _, tags := range builds {
		name := "plain"
		if tags != nil {
			name = tags[1]
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			goRun := func(args ...string) *exec.Cmd {
				cmd := exec.Command("go", append(append(append([]string{"run"}, tags...), "./cmd/train"), args...)...)
				cmd.Dir = root
				return cmd
			}
			cmd := goRun(small(data, "-epochs", "1000000", "-checkpoint", b, "-metrics", b+".jsonl")...)
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// go run compiles first: allow for a cold build cache.
			deadline := time.Now().Add(5 * time.Minute)
			for {
				if _, err := os.Stat(filepath.Join(b, "latest")); err == nil {
					break
				}
				if time.Now().After(deadline) {
					syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
					t.Fatalf("no checkpoint within 5 minutes; stderr:\n%s", stderr.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(60 * time.Millisecond)
			syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) // Ctrl-C: the whole process group
			code := exitCode(t, cmd)
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if code != 1 || len(lines) != 2 || lines[1] != "exit status 130" || !strings.Contains(lines[0], "; continue with: go run ") {
				t.Fatalf("exit %d, stderr %q; want our line, then go run's \"exit status 130\", exit 1", code, stderr.String())
			}
			_, resume, _ := strings.Cut(lines[0], "continue with: ")
			want := strings.Join(append(append([]string{"go", "run"}, tags...), "./cmd/train"), " ") + " "
			if !strings.HasPrefix(resume, want) {
				t.Errorf("continue with %q, want it to start with %q", resume, want)
			}
			ck, err := train.OpenCheckpoint(b)
			if err != nil {
				t.Fatal(err)
			}
			epochs := ck.Epoch + 2 // the interrupted epoch and one more
			out, err := exec.Command("sh", "-c", fmt.Sprintf("cd %s && %s -epochs %d", shellQuote(root), resume, epochs)).CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", resume, err, out)
			}
			if !strings.Contains(string(out), "resumed from ") || !strings.Contains(string(out), "tokens/sec on cpu") {
				t.Errorf("the resumed run did not resume or did not finish:\n%s", out)
			}
			if o, err := goRun(small(data, "-epochs", fmt.Sprint(epochs), "-checkpoint", a, "-metrics", a+".jsonl")...).CombinedOutput(); err != nil {
				t.Fatalf("uninterrupted run: %v\n%s", err, o)
			}
			sameRun(t, a, b, epochs)
			t.Logf("%s\n%s", lines[0], lines[1])
		})
	}
}
