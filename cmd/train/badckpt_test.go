package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unroll/unroll/internal/clitest"
	"github.com/unroll/unroll/train"
)

// countdown is a context that is cancelled at the n-th Err call: the
// trainer calls Err once before each minibatch, so it interrupts a run
// after n-1 minibatches, as a signal would (without one, the command
// reports SIGINT).
type countdown struct {
	context.Context
	n int
}

func (c *countdown) Err() error {
	if c.n--; c.n <= 0 {
		return context.Canceled
	}
	return nil
}

// copyDir copies the checkpoint directory src (files and subdirectories
// one level deep) to a new directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "ck")
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestBadCheckpoint is the train rows of docs/errors.md about checkpoints:
// -resume from a damaged checkpoint, one of another format, or one whose
// model, optimizer, vocabulary or text differ from the flags; each gives
// one line naming the problem and the fix, before any training.
func TestBadCheckpoint(t *testing.T) {
	data := text(t)
	other := writeText(t, strings.Repeat("Quick zebras jump over the lazy dog, quietly.\n", 20))
	// The last line reversed: the same characters in the same first-seen
	// order, so the same vocabulary, but another text.
	line := "The Time Traveller (for so it will be convenient to speak of him) was expounding a recondite matter to us."
	rev := []byte(line)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	sameVocab := writeText(t, strings.Repeat(line+"\n", 5)+string(rev)+"\n")

	// Two epochs, so that a damaged latest (epoch 2) has an intact epoch 1.
	good := filepath.Join(t.TempDir(), "ck")
	mustRun(t, small(data, "-epochs", "2", "-checkpoint", good)...)
	// A run interrupted inside its second epoch and saved there: the 494
	// training tokens make epochs of 48 or 49 minibatches of 2 x 5 tokens
	// (depending on the epoch's random offset), so stopping after 53
	// minibatches lands 4 or 5 into the second.
	inside := filepath.Join(t.TempDir(), "ck")
	var o, e strings.Builder
	if code := run(&countdown{Context: context.Background(), n: 54}, small(data, "-epochs", "3", "-checkpoint", inside), &o, &e); code != 130 {
		t.Fatalf("interrupted run: exit %d, stderr %q", code, e.String())
	}
	if ck, err := train.OpenCheckpoint(inside); err != nil || ck.Epoch != 1 || ck.Batch == 0 {
		t.Fatalf("interrupted run saved %+v, %v; want a checkpoint inside epoch 2", ck, err)
	}

	resume := func(dir string, args ...string) []string {
		return small(data, append([]string{"-epochs", "4", "-checkpoint", dir, "-resume"}, args...)...)
	}
	spoil := func(file string, f func([]byte) []byte) string {
		dir := copyDir(t, good)
		p := filepath.Join(dir, "epoch-000002", file)
		b, _ := os.ReadFile(p)
		os.WriteFile(p, f(b), 0o644)
		return dir
	}
	truncParams := spoil("params.npz", func(b []byte) []byte { return b[:len(b)/2] })
	truncManifest := spoil("manifest.json", func(b []byte) []byte { return b[:100] })
	v3 := spoil("manifest.json", func(b []byte) []byte {
		return []byte(strings.Replace(string(b), `"format_version": 3`, `"format_version": 4`, 1))
	})
	dangling := copyDir(t, good)
	os.RemoveAll(filepath.Join(dangling, "epoch-000002"))
	lost := copyDir(t, good)
	os.Remove(filepath.Join(lost, "latest"))
	nan := clitest.NaNCheckpoint(t, filepath.Join(good, "epoch-000002"))

	cases := []badCase{
		{"-resume: -hiddens differs from the checkpoint", resume(good, "-hiddens", "32"), 2, []string{"-hiddens is 32 here but 16 in the checkpoint: pass -hiddens 16 to continue it, or start a new run with another -checkpoint DIR"}},
		{"-resume: -model differs from the checkpoint", resume(good, "-model", "mlp"), 2, []string{"-model is mlp here but rnn in the checkpoint: pass -model rnn"}},
		{"-resume: -activation differs from the checkpoint", resume(good, "-activation", "relu"), 2, []string{"-activation is relu here but tanh in the checkpoint"}},
		{"-resume: -optimizer differs from the checkpoint", resume(good, "-optimizer", "adam"), 2, []string{"-optimizer is adam here but sgd in the checkpoint"}},
		{"-resume: -val-frac differs from the checkpoint", resume(good, "-val-frac", "0.3"), 2, []string{"-val-frac is 0.3 here but 0.2 in the checkpoint"}},
		{"-resume: vocabulary differs from the checkpoint", small(other, "-epochs", "4", "-checkpoint", good, "-resume"), 2, []string{"the vocabulary differs from the checkpoint's", "train on the same text as the run that wrote it"}},
		{"-resume: text differs, vocabulary the same", small(sameVocab, "-epochs", "4", "-checkpoint", good, "-resume"), 2, []string{"the text differs from the checkpoint's", "train on the same text"}},
		{"-resume: -epochs already reached", small(data, "-epochs", "2", "-checkpoint", good, "-resume"), 2, []string{"is at epoch 2 and -epochs is 2: nothing to train; pass a larger -epochs"}},
		{"-resume: no checkpoint in the directory", resume(filepath.Join(t.TempDir(), "none")), 2, []string{"(no latest file): drop -resume to start a new run there"}},
		{"-resume: an epoch directory instead of the run's", resume(filepath.Join(good, "epoch-000002")), 2, []string{"-resume continues a run from its latest checkpoint: pass the run's directory"}},
		{"-resume: inside-epoch checkpoint, other -batch", resume(inside, "-batch", "3"), 2, []string{"it was saved inside epoch 2, whose rest needs the same minibatches: -batch is 3 here but 2 in the checkpoint: pass -batch 2"}},
		{"new run in a directory with checkpoints", small(data, "-epochs", "1", "-checkpoint", good), 1, []string{"already holds a run's checkpoints (latest epoch-000002): pass -resume to continue that run, -overwrite to replace it, or choose another -checkpoint DIR"}},
		{"new run in a directory whose latest is lost", small(data, "-epochs", "1", "-checkpoint", lost), 1, []string{"already holds a run's checkpoints (epoch-000001 to epoch-000002, no latest): pass -resume to continue that run, -overwrite to replace it"}},
		{"-resume: checkpoint with NaN parameters", resume(nan), 1, []string{"parameter W_xh holds NaN: the checkpoint is from a run that had diverged"}},
		{"-resume and -overwrite", resume(good, "-overwrite"), 2, []string{"-resume and -overwrite both given"}},
		{"-resume: truncated params.npz", resume(truncParams), 1, []string{"the file is truncated or changed", "epoch-000001 is intact: to continue from it, run  echo epoch-000001 >"}},
		{"-resume: truncated manifest.json", resume(truncManifest), 1, []string{"is not valid JSON", "the checkpoint is corrupt or truncated", "epoch-000001 is intact"}},
		{"-resume: checkpoint of another format version", resume(v3), 1, []string{"has format version 4 but this program reads versions 1 to 3: use the unroll version that wrote it, or start a new run"}},
		{"-resume: latest names a missing directory", resume(dangling), 1, []string{"names epoch-000002, which does not exist: point it at one of the epoch-* directories", "epoch-000001 is intact"}},
	}
	for _, c := range cases {
		code, _, errOut := runCmd(c.Args...)
		clitest.Check(t, "train", clitest.Case(c), code, errOut)
	}
	// Nothing above trained or wrote: the good run is as it was.
	if ck, err := train.OpenCheckpoint(good); err != nil || ck.Epoch != 2 {
		t.Errorf("the good checkpoint after the bad resumes: %v, %v", ck, err)
	}
}

// TestDiverged: a learning rate that makes the loss overflow stops the run
// with one line naming the likely cause and the fix, and keeps the last
// good checkpoint.
func TestDiverged(t *testing.T) {
	data := text(t)
	dir := filepath.Join(t.TempDir(), "ck")
	mustRun(t, small(data, "-epochs", "1", "-checkpoint", dir)...)
	// lr 1e38 is near float32's largest value (3.4e38): after one update
	// the logits overflow. -clip 0 turns clipping off.
	for _, c := range []badCase{
		{"NaN or Inf loss", small(data, "-epochs", "3", "-checkpoint", dir, "-resume", "-lr", "1e38", "-clip", "0"), 1, []string{
			"the run diverged, most likely because the learning rate is too high or the gradients are not clipped: set -clip 1 (gradient clipping is off) or lower -lr (now 1e+38)",
			"the last good checkpoint, " + filepath.Join(dir, "epoch-000001") + " (epoch 1), is kept: continue from it by adding -resume and a lower -lr"}},
		{"NaN or Inf loss, no -checkpoint", small(data, "-epochs", "3", "-lr", "1e38", "-clip", "0"), 1, []string{"the run diverged", "(nothing was saved: no -checkpoint DIR)"}},
	} {
		code, _, errOut := runCmd(c.Args...)
		clitest.Check(t, "train", clitest.Case(c), code, errOut)
	}
	if ck, err := train.OpenCheckpoint(dir); err != nil || ck.Epoch != 1 {
		t.Errorf("after the divergence, latest is %v, %v; want the good epoch 1", ck, err)
	}
}

// TestInterruptInProcess: a run cancelled between two minibatches saves
// where it stopped and prints how to continue; the continued run ends as
// the uninterrupted one, perplexities and parameters bit for bit.
func TestInterruptInProcess(t *testing.T) {
	data := text(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	mustRun(t, small(data, "-epochs", "3", "-checkpoint", a, "-metrics", a+".jsonl")...)
	args := small(data, "-epochs", "3", "-checkpoint", b, "-metrics", b+".jsonl")
	var o, e strings.Builder
	// Epochs of 48 or 49 minibatches (see TestBadCheckpoint): stopping
	// after 70 lands 21 or 22 into the second.
	code := run(&countdown{Context: context.Background(), n: 71}, args, &o, &e)
	ck, err := train.OpenCheckpoint(b)
	if err != nil || ck.Epoch != 1 || ck.Batch < 21 || ck.Batch > 22 {
		t.Fatalf("the interrupted run saved %v, %v; want a checkpoint 21 or 22 minibatches into epoch 2", ck, err)
	}
	want := fmt.Sprintf("interrupted by SIGINT in epoch 2 after %d minibatches: saved %s; continue with: train ", ck.Batch, ck.Path)
	if code != 130 || !strings.HasPrefix(e.String(), "train: "+want) || !strings.HasSuffix(e.String(), " -resume\n") {
		t.Fatalf("exit %d, stderr %q; want 130 and %q", code, e.String(), want)
	}
	out := mustRun(t, append(args, "-resume")...)
	if !strings.Contains(out, fmt.Sprintf("1 of 3 epochs done, and %d minibatches of epoch 2", ck.Batch)) {
		t.Errorf("resumed run:\n%s", out)
	}
	sameRun(t, a, b, 3)
}

// sameRun fails t unless the runs with checkpoints in a and b (and metrics
// in a.jsonl, b.jsonl) have the same perplexities for every epoch and the
// same final parameters, byte for byte.
func sameRun(t *testing.T, a, b string, epochs int) {
	t.Helper()
	ppl := func(path string) []float64 {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		h, err := train.ReadMetrics(f)
		if err != nil {
			t.Fatal(err)
		}
		var out []float64
		for _, s := range h {
			out = append(out, s.Perplexity, s.ValPerplexity)
		}
		return out
	}
	pa, pb := ppl(a+".jsonl"), ppl(b+".jsonl")
	if len(pa) != 2*epochs || len(pb) != 2*epochs {
		t.Fatalf("metrics: %d and %d values, want %d", len(pa), len(pb), 2*epochs)
	}
	for i := range pa {
		if pa[i] != pb[i] {
			t.Errorf("epoch %d: %v straight, %v interrupted and resumed (train, val)", i/2+1, pa[i], pb[i])
		}
	}
	name := filepath.Join(checkpointName(epochs), "params.npz")
	fa, errA := os.ReadFile(filepath.Join(a, name))
	fb, errB := os.ReadFile(filepath.Join(b, name))
	if errA != nil || errB != nil || string(fa) != string(fb) {
		t.Errorf("%s differs between the straight and the resumed run (%v, %v)", name, errA, errB)
	}
}

func checkpointName(epoch int) string { return fmt.Sprintf("epoch-%06d", epoch) }

// TestPerplexityDiverged is acceptance item 4 of issue 13: with -lr 1e9
// every loss stays finite (clipping keeps the gradients finite, the
// logits grow to about 1e9) but their mean overflows exp: the epoch's
// perplexity is +Inf. The run stops with exit 1 in that epoch, which is
// neither saved nor written to the metrics, and latest still names the
// last finite epoch.
func TestPerplexityDiverged(t *testing.T) {
	data := text(t)
	dir := filepath.Join(t.TempDir(), "ck")
	metrics := dir + ".jsonl"
	mustRun(t, small(data, "-epochs", "2", "-checkpoint", dir)...)
	c := badCase{"perplexity not finite (-lr 1e9)", small(data, "-epochs", "5", "-checkpoint", dir, "-resume", "-lr", "1e9", "-metrics", metrics), 1, []string{
		"perplexity is +Inf after epoch 3: the run diverged", "lower -lr (now 1e+09)",
		"the last good checkpoint, " + filepath.Join(dir, "epoch-000002") + " (epoch 2), is kept"}}
	code, _, errOut := runCmd(c.Args...)
	clitest.Check(t, "train", clitest.Case(c), code, errOut)
	if ck, err := train.OpenCheckpoint(dir); err != nil || ck.Epoch != 2 {
		t.Errorf("after the divergence, latest is %v, %v; want the finite epoch 2", ck, err)
	}
	b, _ := os.ReadFile(metrics)
	if strings.Contains(string(b), "Inf") || strings.Contains(string(b), "null,") || strings.Count(string(b), "\n") != 2 {
		t.Errorf("metrics after the divergence: want the 2 finite epochs only:\n%s", b)
	}
}

// TestLostLatest: a run whose latest file is gone (a disk that filled
// while it was replaced) but whose epochs are complete is not overwritten
// by a new run (TestBadCheckpoint); -resume points latest at the newest
// complete epoch, says so in one line, and continues from it; -overwrite
// starts a new run there, replacing the old checkpoints.
func TestLostLatest(t *testing.T) {
	data := text(t)
	dir := filepath.Join(t.TempDir(), "ck")
	mustRun(t, small(data, "-epochs", "3", "-checkpoint", dir)...)
	os.Remove(filepath.Join(dir, "latest"))
	// The newest epoch damaged too: recovery skips it.
	os.WriteFile(filepath.Join(dir, "epoch-000003", "params.npz"), []byte("x"), 0o644)
	out := mustRun(t, small(data, "-epochs", "4", "-checkpoint", dir, "-resume")...)
	want := "note: " + filepath.Join(dir, "latest") + " was missing: it now names epoch-000002, the newest complete checkpoint\n"
	if !strings.Contains(out, want) || !strings.Contains(out, "2 of 4 epochs done") {
		t.Errorf("resume after a lost latest: want %q and a resume from epoch 2:\n%s", want, out)
	}
	if ck, err := train.OpenCheckpoint(dir); err != nil || ck.Epoch != 4 {
		t.Errorf("after the resumed run: %v, %v; want epoch 4", ck, err)
	}
	clitest.Documented(t, "train", "-resume: latest lost, epochs complete", 0, "was missing: it now names epoch-000002, the newest complete checkpoint")

	out = mustRun(t, small(data, "-epochs", "1", "-checkpoint", dir, "-overwrite")...)
	list, _ := train.ListCheckpoints(dir)
	if len(list) != 1 || list[0].Name != "epoch-000001" || !list[0].Latest {
		t.Errorf("after -overwrite: %+v; want the new run's epoch-000001 alone\n%s", list, out)
	}
	clitest.Documented(t, "train", "-overwrite: a new run over an old one", 0, "removes the old run's checkpoints")
}

// TestResumeOtherSeed: resuming with another -seed says that it has no
// effect (the sampler's state is the checkpoint's).
func TestResumeOtherSeed(t *testing.T) {
	data := text(t)
	dir := filepath.Join(t.TempDir(), "ck")
	mustRun(t, small(data, "-epochs", "1", "-checkpoint", dir)...)
	out := mustRun(t, small(data, "-epochs", "2", "-checkpoint", dir, "-resume", "-seed", "7")...)
	want := "note: -seed 7 differs from the checkpoint's 0 and has no effect"
	if !strings.Contains(out, want) {
		t.Errorf("want %q:\n%s", want, out)
	}
	clitest.Documented(t, "train", "-resume with another -seed", 0, want)
}

// TestPlotFailsAtTheEnd: a -plot that cannot be written once training has
// finished (here the file size limit of ulimit -f, which lets the
// checkpoints of about 5 kB through but not the PNG of some 30 kB) gives
// advice that works: the same command with -resume draws the plot from
// the checkpoint and trains nothing.
func TestPlotFailsAtTheEnd(t *testing.T) {
	bin := trainBinary(t)
	data := text(t)
	dir := t.TempDir()
	ck, plot := filepath.Join(dir, "ck"), filepath.Join(dir, "ppl.png")
	args := small(data, "-epochs", "2", "-checkpoint", ck, "-plot", plot)
	// ulimit -f 20: 20 blocks of 512 bytes (dash; bash counts 1024).
	cmd := exec.Command("sh", append([]string{"-c", `ulimit -f 20 && exec "$0" "$@"`, bin}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	code := exitCode(t, cmd)
	c := badCase{"-plot fails at the end", args, 1, []string{"; training finished and is saved in ", "; training finished and is saved in " + ck + " (epoch 2): once the path is fixed, draw the plot with: " + bin + " ", " -resume"}}
	clitest.Check(t, "train", clitest.Case(c), code, stderr.String())
	_, advised, _ := strings.Cut(strings.TrimSpace(stderr.String()), "draw the plot with: ")
	out, err := exec.Command("sh", "-c", advised).CombinedOutput()
	if fi, serr := os.Stat(plot); err != nil || serr != nil || fi.Size() == 0 || !strings.Contains(string(out), "nothing to train") {
		t.Errorf("the advised command %s: %v, %v\n%s", advised, err, serr, out)
	}
}

// TestOutputsNeverClobberInputs: every output flag naming the -data file
// (also through a symlink), a file inside the checkpoint directory, or
// another output's file is refused before anything is written, and the
// file is unchanged.
func TestOutputsNeverClobberInputs(t *testing.T) {
	data := text(t)
	before, _ := os.ReadFile(data)
	dir := t.TempDir()
	link := filepath.Join(dir, "link.txt")
	os.Symlink(data, link)
	ck := filepath.Join(dir, "ck")
	for _, c := range []badCase{
		{"an output is the -data file", small(data, "-metrics", data), 2, []string{" is the -data file ", "-metrics " + data + " is the -data file " + data + ": writing it would destroy what the run reads; choose another path"}},
		{"an output is the -data file", small(data, "-dot", link), 2, []string{" is the -data file ", "-dot " + link + " is the -data file"}},
		{"an output is the -data file", small(data, "-cpuprofile", data), 2, []string{" is the -data file ", "-cpuprofile " + data + " is the -data file"}},
		{"an output inside -checkpoint DIR", small(data, "-checkpoint", ck, "-metrics", filepath.Join(ck, "latest")), 2, []string{"is inside the -checkpoint directory ", "is inside the -checkpoint directory " + ck + ", which holds the run's checkpoints: choose a path outside it"}},
		{"two outputs on one file", small(data, "-metrics", filepath.Join(dir, "x.svg"), "-plot", filepath.Join(dir, "x.svg")), 2, []string{"-metrics and -plot both name", "give each its own file"}},
		{"-data empty", small("", "-epochs", "1"), 2, []string{"-data is empty: pass a text file, or drop -data to train on -corpus"}},
		{"-data a device (/dev/zero)", small("/dev/zero"), 1, []string{"read /dev/zero: it is a character device, not a regular file: pass a text file with -data"}},
		{"-val-frac too small to hold a token", small(data, "-val-frac", "0.0001"), 2, []string{"-val-frac 0.0001 holds no token of the 618 used: raise it to at least 0.0016"}},
		{"-lr-min above -lr", small(data, "-lr-schedule", "cosine", "-lr", "0.1", "-lr-min", "0.5"), 2, []string{"-lr-min 0.5 is above -lr 0.1: the cosine schedule decays from -lr down to -lr-min"}},
	} {
		code, _, errOut := runCmd(c.Args...)
		clitest.Check(t, "train", clitest.Case(c), code, errOut)
	}
	if after, _ := os.ReadFile(data); string(after) != string(before) {
		t.Error("the -data file changed")
	}
}
