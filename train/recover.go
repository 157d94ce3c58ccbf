package train

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// HasCheckpoints reports whether dir holds a run's checkpoints: a latest
// or best pointer, or any epoch-* directory (a run whose latest was lost
// still owns its epochs).
func HasCheckpoints(dir string) (bool, error) {
	for _, f := range []string{latestFile, bestFile} {
		if _, err := os.Lstat(filepath.Join(dir, f)); err == nil {
			return true, nil
		}
	}
	list, err := ListCheckpoints(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return len(list) > 0, nil
}

// ClearCheckpoints removes a run's checkpoints from dir: every epoch-*
// directory and the latest and best pointers (other files are left
// alone). It is what starting a new run over an old one with an explicit
// flag does; hold the directory's lock.
func ClearCheckpoints(dir string) error {
	list, err := ListCheckpoints(dir)
	if err != nil {
		return err
	}
	for _, e := range list {
		if err := os.RemoveAll(filepath.Join(dir, e.Name)); err != nil {
			return fmt.Errorf("train: removing %s: %w", e.Name, err)
		}
	}
	for _, f := range []string{latestFile, bestFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("train: removing %s: %w", f, err)
		}
	}
	return syncDir(dir)
}

// RecoverLatest points a lost latest (a disk that filled while it was
// replaced, a hand that removed it) at the newest checkpoint in dir that
// opens and verifies, and returns its name; "" and no error if none does.
// It does nothing when latest exists. Hold the directory's lock.
func RecoverLatest(dir string) (string, error) {
	if _, err := os.Lstat(filepath.Join(dir, latestFile)); err == nil {
		return "", nil
	}
	list, err := ListCheckpoints(dir)
	if err != nil {
		return "", err
	}
	for i := len(list) - 1; i >= 0; i-- {
		if _, err := OpenCheckpoint(filepath.Join(dir, list[i].Name)); err != nil {
			continue
		}
		if err := writePointer(dir, latestFile, list[i].Name); err != nil {
			return "", err
		}
		return list[i].Name, nil
	}
	return "", nil
}
