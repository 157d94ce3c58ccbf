package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/train"
)

// runInfo describes the run for its checkpoints.
func runInfo(o *options, m graph.Model, c *datasets.Corpus, nTrain, nVal int) (train.RunInfo, error) {
	spec, err := train.SpecOf(m)
	if err != nil {
		return train.RunInfo{}, err
	}
	return train.RunInfo{
		Model: spec, TokenKind: c.Options.Tokens.String(), Vocab: c.Vocab.Tokens(),
		Data: train.DataInfo{Name: c.Name, MaxTokens: o.maxTokens, Tokens: len(c.IDs), ValFrac: o.valFrac,
			TrainTokens: nTrain, ValTokens: nVal, SHA256: train.TokensSHA256(c.IDs),
			Preprocess: c.Options.Preprocess.String(), MinFreq: c.Options.MinFreq},
		Settings: o.settings(),
	}, nil
}

// resume restores tr from the latest checkpoint in o.checkpoint after
// checking that the flags describe the same model, vocabulary, data and
// optimizer.
func resume(o *options, tr *train.Trainer, info train.RunInfo, stdout io.Writer) error {
	if _, err := os.Stat(filepath.Join(o.checkpoint, "latest")); errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(filepath.Join(o.checkpoint, "manifest.json")); err == nil {
			return usageError{fmt.Errorf("-resume continues a run from its latest checkpoint: pass the run's directory %s, not the checkpoint %s", filepath.Dir(filepath.Clean(o.checkpoint)), o.checkpoint)}
		}
		if err := recoverLatest(o, stdout); err != nil {
			return err
		}
	}
	if _, err := os.Stat(filepath.Join(o.checkpoint, "latest")); errors.Is(err, fs.ErrNotExist) {
		if has, _ := train.HasCheckpoints(o.checkpoint); has {
			return fmt.Errorf("-resume: %s has no latest file and none of its checkpoints (%s) opens: inspect them with cmd/inspect, or start a new run in another -checkpoint DIR",
				o.checkpoint, describeCheckpoints(o.checkpoint))
		}
		return usageError{fmt.Errorf("-resume: no checkpoint in %s (no latest file): drop -resume to start a new run there", o.checkpoint)}
	}
	ck, err := train.OpenCheckpoint(o.checkpoint)
	if err != nil {
		if prev := intactCheckpoint(o.checkpoint); prev != "" {
			return fmt.Errorf("%w; %s is intact: to continue from it, run  echo %s > %s  and resume again",
				err, filepath.Join(o.checkpoint, prev), prev, filepath.Join(o.checkpoint, "latest"))
		}
		return err
	}
	if err := compatible(ck, info, o); err != nil {
		return usageError{err}
	}
	if ck.Epoch == o.train.Epochs && ck.Batch == 0 && o.plot != "" {
		return errDrawn{drawOnly(o, ck, stdout)}
	}
	if ck.Epoch >= o.train.Epochs {
		return usageError{fmt.Errorf("the checkpoint %s is at epoch %d and -epochs is %d: nothing to train; pass a larger -epochs to continue", ck.Path, ck.Epoch, o.train.Epochs)}
	}
	if err := ck.Restore(tr); err != nil {
		return err
	}
	inside := ""
	if ck.Batch > 0 {
		inside = fmt.Sprintf(", and %s of epoch %d", plural(ck.Batch, "minibatch", "minibatches"), ck.Epoch+1)
	}
	fmt.Fprintf(stdout, "resumed from %s: %d of %d epochs done%s\n", ck.Path, ck.Epoch, o.train.Epochs, inside)
	if d := differences(ck.Config, o); len(d) > 0 {
		fmt.Fprintf(stdout, "note: these settings differ from the checkpoint's and apply from epoch %d: %s\n", ck.Epoch+1, strings.Join(d, ", "))
	}
	if n := seedNote(ck, o); n != "" {
		fmt.Fprintln(stdout, n)
	}
	return nil
}

// intactCheckpoint returns the newest checkpoint in dir, other than the
// one latest names, that opens and verifies ("" if none does).
func intactCheckpoint(dir string) string {
	list, err := train.ListCheckpoints(dir)
	if err != nil {
		return ""
	}
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Latest {
			continue
		}
		if _, err := train.OpenCheckpoint(filepath.Join(dir, list[i].Name)); err == nil {
			return list[i].Name
		}
	}
	return ""
}

// compatible returns an error naming the first setting that makes the
// checkpoint a different experiment from the flags', with both values and
// the fix.
func compatible(ck *train.Checkpoint, info train.RunInfo, o *options) error {
	fix := func(flag, here, there string) error {
		return fmt.Errorf("cannot resume %s: %s is %s here but %s in the checkpoint: pass %s %s to continue it, or start a new run with another -checkpoint DIR",
			ck.Path, flag, here, there, flag, there)
	}
	have, want := info.Model, ck.Model
	opt := o.train.Optimizer
	for _, f := range [][3]string{
		{"-model", have.Kind, want.Kind},
		{"-hiddens", strconv.Itoa(have.NumHiddens), strconv.Itoa(want.NumHiddens)},
		{"-layers", strconv.Itoa(max(have.NumLayers, 1)), strconv.Itoa(max(want.NumLayers, 1))},
		{"-bidirectional", strconv.FormatBool(have.Bidirectional), strconv.FormatBool(want.Bidirectional)},
		{"-init", orBook(have.Init), orBook(want.Init)},
		{"-activation", have.Activation, want.Activation},
		{"-optimizer", opt, ck.Solver.Name},
		{"-max-tokens", strconv.Itoa(info.Data.MaxTokens), strconv.Itoa(ck.Data.MaxTokens)},
		{"-tokens", info.TokenKind, orDefault(ck.TokenKind, "char")},
		{"-preprocess", info.Data.Preprocess, orDefault(ck.Data.Preprocess, "book")},
		{"-min-freq", strconv.Itoa(info.Data.MinFreq), strconv.Itoa(ck.Data.MinFreq)},
		{"-val-frac", strconv.FormatFloat(info.Data.ValFrac, 'g', -1, 64), strconv.FormatFloat(ck.Data.ValFrac, 'g', -1, 64)},
	} {
		if f[1] != f[2] {
			return fix(f[0], f[1], f[2])
		}
	}
	if ck.Batch > 0 {
		// Saved inside an epoch: the rest of it must be cut the same way.
		for _, f := range [][3]string{
			{"-batch", strconv.Itoa(o.train.BatchSize), strconv.Itoa(ck.Config.BatchSize)},
			{"-steps", strconv.Itoa(o.train.NumSteps), strconv.Itoa(ck.Config.NumSteps)},
			{"-iter", o.train.Sampling.String(), ck.Config.Sampling.String()},
		} {
			if f[1] != f[2] {
				return fmt.Errorf("cannot resume %s: it was saved inside epoch %d, whose rest needs the same minibatches: %s is %s here but %s in the checkpoint: pass %s %s",
					ck.Path, ck.Epoch+1, f[0], f[1], f[2], f[0], f[2])
			}
		}
	}
	if have.Dtype != want.Dtype {
		return fmt.Errorf("cannot resume %s: it holds %s parameters, this program trains %s: start a new run with another -checkpoint DIR", ck.Path, want.Dtype, have.Dtype)
	}
	if d := vocabDiff(info.Vocab, ck.Vocab); d != "" {
		return fmt.Errorf("cannot resume %s: the vocabulary differs from the checkpoint's (%s): train on the same text as the run that wrote it (%s), or start a new run with another -checkpoint DIR", ck.Path, d, ck.Data.Name)
	}
	if info.Data.SHA256 != ck.Data.SHA256 {
		return fmt.Errorf("cannot resume %s: the text differs from the checkpoint's (%s, %d tokens here; %s, %d tokens there): train on the same text, or start a new run with another -checkpoint DIR",
			ck.Path, info.Data.Name, info.Data.Tokens, ck.Data.Name, ck.Data.Tokens)
	}
	return nil
}

// vocabDiff describes the first difference of two token lists ("" if
// equal).
func vocabDiff(here, there []string) string {
	for i := 0; i < min(len(here), len(there)); i++ {
		if here[i] != there[i] {
			return fmt.Sprintf("id %d is %q here, %q there", i, here[i], there[i])
		}
	}
	if len(here) != len(there) {
		return fmt.Sprintf("%d tokens here, %d there", len(here), len(there))
	}
	return ""
}

// differences lists the training settings the flags change relative to the
// checkpoint's run (allowed, but no longer the uninterrupted run).
func differences(ck train.Config, o *options) []string {
	c := o.train
	var out []string
	add := func(flag string, here, there any) {
		if fmt.Sprint(here) != fmt.Sprint(there) {
			out = append(out, fmt.Sprintf("%s %v (was %v)", flag, here, there))
		}
	}
	add("-batch", c.BatchSize, ck.BatchSize)
	add("-steps", c.NumSteps, ck.NumSteps)
	add("-iter", c.Sampling, ck.Sampling)
	add("-lr", c.LR, ck.LR)
	add("-clip", c.Clip, ck.Clip)
	add("-lr-schedule", c.Schedule, ck.Schedule)
	add("-val-every", c.ValEvery, ck.ValEvery)
	if c.Schedule.Kind == "cosine" {
		add("-epochs (sets the cosine curve)", c.Epochs, ck.Epochs)
	}
	return out
}

// orBook reads an absent init (checkpoints before format version 3) as
// the book's.
func orBook(init string) string {
	if init == "" {
		return "book"
	}
	return init
}

// errDrawn ends a -resume of a finished run that only drew its -plot
// (err is the plot's error, nil if it was drawn).
type errDrawn struct{ err error }

func (e errDrawn) Error() string { return "drawn" }

// orDefault is s, or def when s is empty (a checkpoint written before the
// setting was recorded).
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
