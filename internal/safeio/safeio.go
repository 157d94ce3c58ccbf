// Package safeio opens and reads files the commands did not write
// themselves (a training text, a prefix file, a checkpoint) without
// trusting them: only regular files are read, so that /dev/zero, a FIFO
// with no writer or a socket fails at once instead of growing without end
// or blocking; and a read stops at a cap, counted in bytes actually read,
// not in what stat claims.
package safeio

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// NotRegularError is a path that is not a regular file (after symlinks).
type NotRegularError struct {
	Path string
	Kind string // "a directory", "a character device", "a FIFO (named pipe)", ...
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file", e.Path, e.Kind)
}

// TooLargeError is a file that holds more than a reader's cap.
type TooLargeError struct {
	Path string
	Max  int64 // bytes
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s holds more than %d bytes", e.Path, e.Max)
}

// kind describes a file mode that is not a regular file's.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO (named pipe)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file (" + m.Type().String() + ")"
}

// OpenRegular opens path for reading if it is a regular file (symlinks
// followed) and returns a *NotRegularError otherwise. A FIFO is refused
// without blocking: the file is opened non-blocking and checked through
// the open descriptor, so a path swapped between the check and the open
// cannot slip through either.
func OpenRegular(path string) (*os.File, fs.FileInfo, error) {
	// Stat first: opening a FIFO, even non-blocking, is a side effect on
	// its writer.
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, nil, &NotRegularError{path, kind(fi.Mode())}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, &NotRegularError{path, kind(fi.Mode())}
	}
	return f, fi, nil
}

// ReadFile reads the regular file path, at most max bytes: a longer file
// (however large stat says it is) is a *TooLargeError after max+1 bytes.
func ReadFile(path string, max int64) ([]byte, error) {
	f, _, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadAll(f, path, max)
}

// ReadAll reads r to its end, at most max bytes (path names it in the
// *TooLargeError).
func ReadAll(r io.Reader, path string, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, &TooLargeError{path, max}
	}
	return b, nil
}

// IsNotRegular reports whether err is (or wraps) a *NotRegularError.
func IsNotRegular(err error) bool {
	var e *NotRegularError
	return errors.As(err, &e)
}
