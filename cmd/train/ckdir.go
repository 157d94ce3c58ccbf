package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/unroll/unroll/train"
)

// claimCheckpointDir takes the -checkpoint directory for this run before
// anything is read or trained: its lock (one writer at a time: a second
// run fails at once, naming the first's PID), and then, for a new run, the
// promise not to overwrite another run's checkpoints: a directory that
// holds any (a latest, a best or an epoch-* directory, even with latest
// lost) is refused unless -overwrite says to replace them. The lock is
// held until the process ends or release is called.
func claimCheckpointDir(o *options) (release func(), err error) {
	lock, err := train.LockDir(o.checkpoint)
	if err != nil {
		return nil, err
	}
	release = func() { lock.Unlock() }
	if o.resume {
		return release, nil
	}
	has, err := train.HasCheckpoints(o.checkpoint)
	if err != nil {
		release()
		return nil, err
	}
	if has && !o.overwrite {
		release()
		return nil, fmt.Errorf("%s already holds a run's checkpoints (%s): pass -resume to continue that run, -overwrite to replace it, or choose another -checkpoint DIR",
			o.checkpoint, describeCheckpoints(o.checkpoint))
	}
	return release, nil
}

// describeCheckpoints names what a checkpoint directory holds, briefly.
func describeCheckpoints(dir string) string {
	list, _ := train.ListCheckpoints(dir)
	latest := ""
	for _, e := range list {
		if e.Latest {
			latest = e.Name
		}
	}
	switch {
	case latest != "":
		return "latest " + latest
	case len(list) == 0:
		return "a latest or best file"
	case len(list) == 1:
		return list[0].Name + ", no latest"
	}
	return fmt.Sprintf("%s to %s, no latest", list[0].Name, list[len(list)-1].Name)
}

// recoverLatest, on -resume, points a lost latest at the newest complete
// checkpoint, saying so in one line; it does nothing when latest exists
// or no checkpoint is complete (resume then says what is wrong).
func recoverLatest(o *options, stdout io.Writer) error {
	name, err := train.RecoverLatest(o.checkpoint)
	if err != nil {
		return err
	}
	if name != "" {
		fmt.Fprintf(stdout, "note: %s was missing: it now names %s, the newest complete checkpoint\n",
			filepath.Join(o.checkpoint, "latest"), name)
	}
	return nil
}

// seedNote says that -seed does not change a resumed run: the sampler's
// state comes from the checkpoint ("" when the seed is the checkpoint's).
func seedNote(ck *train.Checkpoint, o *options) string {
	if ck.Config.Seed == o.train.Seed {
		return ""
	}
	return fmt.Sprintf("note: -seed %d differs from the checkpoint's %d and has no effect: a resumed run continues the checkpoint's random state (start a new run to use another seed)",
		o.train.Seed, ck.Config.Seed)
}
