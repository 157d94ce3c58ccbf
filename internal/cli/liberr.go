package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/train"
)

// DataError words a *datasets.TextError, whose text names no flag, with
// the -data flag of the commands; other errors are returned as they are.
func DataError(err error) error {
	var te *datasets.TextError
	if !errors.As(err, &te) {
		return err
	}
	if te.Path == "" {
		return errors.New("the -data path is empty: pass a text file, or drop -data to use -corpus")
	}
	return fmt.Errorf("%s: %s", te.What(), te.Hint("-data"))
}

// CheckpointError words package train's typed checkpoint errors, whose
// texts name no flag, with the -checkpoint flag of the commands; other
// errors are returned as they are.
func CheckpointError(err error) error {
	var (
		nc *train.NoCheckpointError
		le *train.LockedError
	)
	switch {
	case errors.As(err, &nc) && nc.Dir:
		return fmt.Errorf("no checkpoint in %s (no latest, no manifest.json): train with -checkpoint %s first", nc.Path, nc.Path)
	case errors.As(err, &nc):
		return fmt.Errorf("no checkpoint at %s: train with -checkpoint %s first, or check the path", nc.Path, nc.Path)
	case errors.As(err, &le):
		holder := "another process"
		if le.PID > 0 {
			holder = "process " + strconv.Itoa(le.PID)
		}
		return fmt.Errorf("%s is in use by another run (%s holds %s): wait for it to finish or stop it, or choose another -checkpoint DIR",
			le.Dir, holder, filepath.Join(le.Dir, train.LockFile))
	}
	return err
}
