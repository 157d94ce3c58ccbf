package npz

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/unroll/unroll/internal/safeio"
)

// ReadFile reads the arrays of an .npz archive, or the one array of an
// .npy file (named after the file, without ".npy"); which it is, the
// file's first bytes say, not its name. Only a regular file of at most
// [MaxBytes] is read: a device, a FIFO or a socket is refused before any
// read, a larger file too (or, if it grows while read, after MaxBytes+1
// bytes). Errors name the path. Errors name the path.
func ReadFile(path string) ([]Array, error) {
	f, fi, err := safeio.OpenRegular(path)
	if err != nil {
		return nil, fmt.Errorf("npz: %w", err)
	}
	defer f.Close()
	// A file stat says is too large is refused before any read; one that
	// grows while it is read, after MaxBytes+1 bytes.
	if fi.Size() > MaxBytes {
		return nil, fmt.Errorf("npz: %w", &safeio.TooLargeError{Path: path, Max: MaxBytes})
	}
	b, err := safeio.ReadAll(f, path, MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("npz: %w", err)
	}
	if bytes.HasPrefix(b, []byte(magic)) {
		r := bytes.NewReader(b)
		a, err := ReadNPY(r)
		if err != nil {
			return nil, &fileError{path, err}
		}
		if rest := r.Len(); rest != 0 {
			return nil, fmt.Errorf("npz: %s: %d bytes after the array's data: the file is corrupt", path, rest)
		}
		a.Name = strings.TrimSuffix(filepath.Base(path), ".npy")
		return []Array{a}, nil
	}
	arrays, err := Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, &fileError{path, err}
	}
	return arrays, nil
}

// fileError is an error reading the file path: "npz: PATH: what".
type fileError struct {
	path string
	err  error
}

func (e *fileError) Error() string {
	return "npz: " + e.path + ": " + strings.TrimPrefix(e.err.Error(), "npz: ")
}

func (e *fileError) Unwrap() error { return e.err }

// WriteFile writes arrays to path: one .npy array if path ends in ".npy"
// (then arrays must hold exactly one), else an .npz archive (see [Write]).
// The file is written to a temporary file beside path and renamed into
// place, so a failed write leaves path as it was.
func WriteFile(path string, arrays []Array) error {
	var b bytes.Buffer
	if strings.HasSuffix(path, ".npy") {
		if len(arrays) != 1 {
			return fmt.Errorf("npz: %s: an .npy file holds one array, not %d: write an .npz archive", path, len(arrays))
		}
		if err := WriteNPY(&b, arrays[0]); err != nil {
			return err
		}
	} else if err := Write(&b, arrays); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("npz: %w", err)
	}
	_, err = f.Write(b.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("npz: writing %s: %w", path, err)
	}
	return nil
}
