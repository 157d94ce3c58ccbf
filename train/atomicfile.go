package train

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// writeDirAtomic writes files into the new directory parent/name so that
// a crash leaves either all of it or none under that name: they are
// written and synced in a temporary directory inside parent (.tmp-*,
// which NewCheckpointer removes), that directory is synced, then renamed
// into place and parent synced. beforeRename, if not nil, is called with
// the temporary directory just before the rename (see
// Checkpointer.BeforeRename).
func writeDirAtomic(parent, name string, files []namedFile, beforeRename func(tmpDir string)) error {
	tmp, err := os.MkdirTemp(parent, ".tmp-"+name+"-")
	if err == nil {
		err = os.Chmod(tmp, 0o755) // MkdirTemp's 0700 would hide it from other users
	}
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	defer os.RemoveAll(tmp) // nothing left after the rename
	for _, f := range files {
		if err := writeFileSync(filepath.Join(tmp, f.name), f.data); err != nil {
			return err
		}
	}
	if err := syncDir(tmp); err != nil {
		return err
	}
	if beforeRename != nil {
		beforeRename(tmp)
	}
	final := filepath.Join(parent, name)
	// A directory of this name can only be left over from a run that
	// crashed after writing it but before pointing latest at it.
	if err := os.RemoveAll(final); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	return syncDir(parent)
}

// probeWrite writes, syncs and removes a small file in dir.
func probeWrite(dir string) error {
	f, err := os.CreateTemp(dir, ".tmp-probe-")
	if err != nil {
		return err
	}
	_, err = f.WriteString("unroll: checking that checkpoints can be written here\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if rerr := os.Remove(f.Name()); err == nil {
		err = rerr
	}
	return err
}

// pathCause drops a *PathError's operation and path, which the message
// names already.
func pathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// writeFileSync writes b to a new file and syncs it.
func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("train: checkpoint: writing %s: %w", path, pathCause(err))
	}
	return nil
}

// syncDir makes a directory's entries (new names, renames) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("train: checkpoint: syncing %s: %w", dir, err)
	}
	return nil
}

// writePointer atomically replaces dir/file with the line name.
func writePointer(dir, file, name string) error {
	f, err := os.CreateTemp(dir, ".tmp-"+file+"-")
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	tmp := f.Name()
	err = f.Chmod(0o644)
	if err == nil {
		_, err = f.WriteString(name + "\n")
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, file))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("train: checkpoint: updating %s: %w", file, err)
	}
	return syncDir(dir)
}

// readPointer returns the checkpoint name in dir/file.
func readPointer(dir, file string) (string, error) {
	b, err := readBounded(filepath.Join(dir, file), maxPointerBytes)
	if err != nil {
		return "", err
	}
	name := strings.TrimSpace(string(b))
	if !epochDirRE.MatchString(name) {
		return "", fmt.Errorf("train: %s: %q is not a checkpoint name (epoch-NNNNNN): the file is corrupt; point it at one of the epoch-* directories", filepath.Join(dir, file), name)
	}
	return name, nil
}
