package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/unroll/unroll/internal/clitest"
	"github.com/unroll/unroll/train"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// TestMain removes the binary trainBinary built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binary != "" {
		os.RemoveAll(filepath.Dir(binary))
	}
	os.Exit(code)
}

// trainBinary builds cmd/train once for the tests that need a real
// process: signals, kill -9, resource limits.
func trainBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "unroll-train-test-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "train")
		// The same tags as this test binary: the tests compare the
		// child's bits with runs made in this process.
		out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// patience bounds the waits of the tests that run the binary: what takes
// a tiny run well under a second may take far longer on a loaded machine
// (go test runs packages in parallel), and a bound only matters when a
// test fails.
const patience = 3 * time.Minute

// waitFor polls for path to exist, for at most patience.
func waitFor(t *testing.T, path string, cmd *exec.Cmd) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatalf("%s did not appear within %v", path, patience)
}

// waitForLine polls for path to hold a complete line (the writer may have
// created it and not yet written it), for at most a minute, and returns
// the line.
func waitForLine(t *testing.T, path string, cmd *exec.Cmd) string {
	t.Helper()
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && bytes.HasSuffix(b, []byte("\n")) {
			return strings.TrimSpace(string(b))
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatalf("%s did not hold a line within %v", path, patience)
	return ""
}

// exitCode runs cmd to its end and returns its exit status.
func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Wait()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode()
}

// TestSignalSavesAndResumes is acceptance test 3 (second half): SIGINT or
// SIGTERM during training lets the minibatch finish, saves a checkpoint,
// prints the command that continues the run and exits with 130 or 143;
// that command, run with a final -epochs, continues and finishes the run
// exactly as an uninterrupted one would (perplexities and parameters).
func TestSignalSavesAndResumes(t *testing.T) {
	bin := trainBinary(t)
	data := text(t)
	for _, tc := range []struct {
		sig  syscall.Signal
		name string
		code int
	}{
		{syscall.SIGINT, "SIGINT", 130},
		{syscall.SIGTERM, "SIGTERM", 143},
		{syscall.SIGHUP, "SIGHUP", 129},   // a closed terminal or SSH session
		{syscall.SIGQUIT, "SIGQUIT", 131}, // Ctrl-\\: not Go's dump and exit 2
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			// Far more epochs than the run gets to before the signal.
			cmd := exec.Command(bin, small(data, "-epochs", "1000000", "-checkpoint", b, "-metrics", b+".jsonl")...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			waitFor(t, filepath.Join(b, "latest"), cmd) // a first checkpoint
			// An epoch takes about 0.1 s here: 60 ms later the run is most
			// likely inside epoch 2 (at an epoch boundary is right too).
			time.Sleep(60 * time.Millisecond)
			cmd.Process.Signal(tc.sig)
			code := exitCode(t, cmd)
			c := badCase{tc.name + " during training", nil, tc.code, []string{"interrupted by " + tc.name + " ", ": saved ", "; continue with: " + bin + " "}}
			clitest.Check(t, "train", clitest.Case(c), code, stderr.String())
			ck, err := train.OpenCheckpoint(b)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(stderr.String(), "saved "+ck.Path+";") {
				t.Errorf("stderr %q does not name the latest checkpoint %s", stderr.String(), ck.Path)
			}
			// Continue with the printed command, up to two epochs more.
			_, resume, _ := strings.Cut(strings.TrimSpace(stderr.String()), "continue with: ")
			epochs := ck.Epoch + 2
			out, err := exec.Command("sh", "-c", fmt.Sprintf("%s -epochs %d", resume, epochs)).CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", resume, err, out)
			}
			if !strings.Contains(string(out), "resumed from "+ck.Path) || !strings.Contains(string(out), "tokens/sec on cpu") {
				t.Errorf("the resumed run did not say where it resumed, or did not finish:\n%s", out)
			}
			mustRun(t, small(data, "-epochs", fmt.Sprint(epochs), "-checkpoint", a, "-metrics", a+".jsonl")...)
			sameRun(t, a, b, epochs)
			t.Logf("%sresumed from %s to epoch %d", stderr.String(), ck.Name(), epochs)
		})
	}
}

// TestKillDuringSave is acceptance test 3 (first half): kill -9 while a
// checkpoint is being written (its files complete in the temporary
// directory, not yet renamed into place: the test hook
// savePauseEnv holds the process there) leaves the previous
// checkpoint as latest, loadable; -resume then finishes the run exactly as
// an uninterrupted one, and removes the temporary directory.
func TestKillDuringSave(t *testing.T) {
	bin := trainBinary(t)
	data := text(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	marker := filepath.Join(dir, "pausing")
	cmd := exec.Command(bin, small(data, "-epochs", "3", "-checkpoint", b, "-metrics", b+".jsonl")...)
	cmd.Env = append(os.Environ(), savePauseEnv+"=2:"+marker) // the second save: epoch 2's
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tmp := waitForLine(t, marker, cmd)
	for _, f := range []string{"manifest.json", "params.npz"} {
		if _, err := os.Stat(filepath.Join(tmp, f)); err != nil {
			t.Errorf("the save paused before writing %s: %v", f, err)
		}
	}
	cmd.Process.Kill() // SIGKILL
	if code := exitCode(t, cmd); code != -1 {
		t.Errorf("exit %d, want death by SIGKILL", code)
	}
	clitest.Documented(t, "train", "kill -9 during a checkpoint save", 137, "the previous checkpoint stays latest")
	ck, err := train.OpenCheckpoint(b)
	if err != nil {
		t.Fatalf("after kill -9 during a save: %v", err)
	}
	if ck.Epoch != 1 {
		t.Errorf("latest is epoch %d, want the previous checkpoint, epoch 1", ck.Epoch)
	}
	if _, err := ck.NewModel(); err != nil {
		t.Error(err)
	}
	out := mustRun(t, small(data, "-epochs", "3", "-checkpoint", b, "-metrics", b+".jsonl", "-resume")...)
	if !strings.Contains(out, "1 of 3 epochs done") {
		t.Errorf("resumed run:\n%s", out)
	}
	left, _ := filepath.Glob(filepath.Join(b, ".tmp-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left after resuming: %v", left)
	}
	mustRun(t, small(data, "-epochs", "3", "-checkpoint", a, "-metrics", a+".jsonl")...)
	sameRun(t, a, b, 3)
}

// TestWriteErrorWhileSaving: a write that fails while a checkpoint is
// saved (here the file size limit of ulimit -f, which makes write return
// EFBIG as a full disk returns ENOSPC) stops the run with one line naming
// the error, the intact checkpoint and the command that continues it.
func TestWriteErrorWhileSaving(t *testing.T) {
	bin := trainBinary(t)
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to set ulimit -f with")
	}
	data := text(t)
	dir := filepath.Join(t.TempDir(), "ck")
	mustRun(t, small(data, "-epochs", "1", "-checkpoint", dir)...)
	// ulimit -f 4: 4 blocks of 512 bytes (dash; bash counts 1024), enough
	// for the probe file (60 bytes) but not for params.npz (about 5 kB).
	args := small(data, "-epochs", "3", "-checkpoint", dir, "-resume")
	cmd := exec.Command("sh", append([]string{"-c", `ulimit -f 4 && exec "$0" "$@"`, bin}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	code := exitCode(t, cmd)
	c := badCase{"write error while saving a checkpoint", args, 1, []string{"file too large", "the latest checkpoint, " + filepath.Join(dir, "epoch-000001") + " (epoch 1), is intact: once fixed, continue with: " + bin + " "}}
	clitest.Check(t, "train", clitest.Case(c), code, stderr.String())
	if ck, err := train.OpenCheckpoint(dir); err != nil || ck.Epoch != 1 {
		t.Errorf("after the failed save: %v, %v; want epoch 1", ck, err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".tmp-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left after the failed save: %v", left)
	}
}

// TestSecondInterruptQuits: a second SIGINT while the first one's
// checkpoint is being written ends the process at once (the default
// action, restored after the first), and leaves no checkpoint half
// written: only a temporary directory that the next run removes.
func TestSecondInterruptQuits(t *testing.T) {
	bin := trainBinary(t)
	dir := t.TempDir()
	ck, marker := filepath.Join(dir, "ck"), filepath.Join(dir, "pausing")
	// -checkpoint-every 1000000: the interrupt's save is the run's first.
	cmd := exec.Command(bin, small(text(t), "-epochs", "1000000", "-checkpoint", ck, "-checkpoint-every", "1000000")...)
	cmd.Env = append(os.Environ(), savePauseEnv+"=1:"+marker)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the first epoch's line: training has started, so the
	// interrupt has something to save (the first save comes with it).
	trained := make(chan bool, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			if strings.HasPrefix(s.Text(), "epoch ") {
				select {
				case trained <- true:
				default:
				}
			}
		}
	}()
	select {
	case <-trained:
	case <-time.After(patience):
		cmd.Process.Kill()
		t.Fatal("no epoch finished in time")
	}
	cmd.Process.Signal(syscall.SIGINT)
	waitFor(t, marker, cmd) // the interrupt's save, paused before its rename
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan int)
	go func() { done <- exitCode(t, cmd) }()
	select {
	case code := <-done:
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if code != -1 || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
			t.Errorf("exit %d (%v); want death by the second SIGINT", code, ws)
		}
	case <-time.After(patience):
		cmd.Process.Kill()
		t.Fatal("the second SIGINT did not end the process")
	}
	if _, err := os.Stat(filepath.Join(ck, "latest")); err == nil {
		t.Error("a latest checkpoint exists, though its save was cut short")
	}
	clitest.Documented(t, "train", "second SIGINT while saving", 130, "the process ends at once")
}

// TestTwoTrainersOneDirectory is acceptance item 2 of issue 13: while a
// run trains in a checkpoint directory, a second run there (new or
// -resume) fails at once naming the first's PID, and the first's
// checkpoints are intact; once the first is killed (kill -9: its lock is
// released by the kernel, the LOCK file stays with its dead PID), -resume
// takes the directory over.
func TestTwoTrainersOneDirectory(t *testing.T) {
	bin := trainBinary(t)
	data := text(t)
	dir := filepath.Join(t.TempDir(), "ck")
	first := exec.Command(bin, small(data, "-epochs", "1000000", "-checkpoint", dir)...)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Process.Kill()
	waitFor(t, filepath.Join(dir, "latest"), first)
	pid := fmt.Sprint(first.Process.Pid)
	for _, c := range []badCase{
		{"second run in a checkpoint directory in use", small(data, "-epochs", "3", "-checkpoint", dir), 1, []string{"is in use by another run (process ", "(process " + pid + " holds " + filepath.Join(dir, "LOCK") + "): wait for it to finish or stop it, or choose another -checkpoint DIR"}},
		{"second run in a checkpoint directory in use", small(data, "-epochs", "1000001", "-checkpoint", dir, "-resume"), 1, []string{"is in use by another run (process ", "(process " + pid + " holds"}},
	} {
		second := exec.Command(bin, c.Args...)
		var stderr bytes.Buffer
		second.Stderr = &stderr
		start := time.Now()
		if err := second.Start(); err != nil {
			t.Fatal(err)
		}
		code := exitCode(t, second)
		clitest.Check(t, "train", clitest.Case(c), code, stderr.String())
		// "At once": before reading the text or building anything. A
		// generous bound, for a loaded machine; it takes milliseconds.
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("the second run took %v to fail", d)
		}
	}
	first.Process.Kill()
	exitCode(t, first)
	ck, err := train.OpenCheckpoint(dir)
	if err != nil || ck.Epoch < 1 {
		t.Fatalf("the first run's checkpoints after the second's attempts: %v, %v", ck, err)
	}
	if _, err := ck.NewModel(); err != nil {
		t.Error(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "LOCK"))
	if string(b) != "pid "+pid+"\n" {
		t.Errorf("LOCK holds %q, want the dead first run's pid %s", b, pid)
	}
	out := mustRun(t, small(data, "-epochs", fmt.Sprint(ck.Epoch+1), "-checkpoint", dir, "-resume")...)
	if !strings.Contains(out, "resumed from") {
		t.Errorf("-resume after the holder died:\n%s", out)
	}
	clitest.Documented(t, "train", "a stale lock (its holder died)", 0, "taken over")
}

// TestSignalBeforeTraining: a signal while the graph is compiled (here
// -steps 3000, which takes seconds) ends the run at once with its status
// and one line. (Should compiling become fast enough that training has
// begun, the signal is handled there: the status is the same.)
func TestSignalBeforeTraining(t *testing.T) {
	bin := trainBinary(t)
	data := writeText(t, strings.Repeat("the time traveller was expounding a recondite matter to us ", 400))
	cmd := exec.Command(bin, "-data", data, "-max-tokens", "0", "-batch", "1", "-steps", "3000", "-hiddens", "8", "-predict-every", "0", "-progress", "lines")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	loaded := make(chan bool, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			if strings.HasPrefix(s.Text(), "corpus ") {
				loaded <- true
			}
		}
	}()
	select {
	case <-loaded:
	case <-time.After(patience):
		cmd.Process.Kill()
		t.Fatal("the text was not loaded in time")
	}
	start := time.Now()
	cmd.Process.Signal(syscall.SIGHUP)
	code := exitCode(t, cmd)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the run took %v to end after SIGHUP", d)
	}
	c := badCase{"signal before training (reading the text, compiling)", nil, 129, []string{"interrupted by SIGHUP "}}
	clitest.Check(t, "train", clitest.Case(c), code, stderr.String())
	t.Logf("%v after the signal: %s", time.Since(start), stderr.String())
}
