package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// savePauseEnv names a test hook, for the tests that kill the process in
// the middle of a checkpoint save: when it is set to "N:PATH", the N-th
// checkpoint the run writes, once every file of it is written and synced
// in its temporary directory but before that is renamed into place and
// latest is updated, writes the temporary directory's path to PATH and
// sleeps for an hour. It has no other use; any other value is ignored.
const savePauseEnv = "UNROLL_TEST_SAVE_PAUSE"

// pauseBeforeRename returns the train.Checkpointer.BeforeRename hook that
// the savePauseEnv value v asks for, nil if none.
func pauseBeforeRename(v string) func(tmpDir string) {
	n, path, ok := strings.Cut(v, ":")
	want, err := strconv.Atoi(n)
	if !ok || err != nil {
		return nil
	}
	saves := 0
	return func(tmpDir string) {
		saves++
		if saves != want {
			return
		}
		os.WriteFile(path, []byte(tmpDir+"\n"), 0o644)
		time.Sleep(time.Hour)
	}
}
