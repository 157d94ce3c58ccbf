package train

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// LockFile is the name of the lock file in a checkpoint directory.
const LockFile = "LOCK"

// DirLock is a held lock on a checkpoint directory: one writer at a time.
// It is an advisory flock(2) on DIR/LOCK, which also holds the holder's
// PID for the message another run prints. The kernel releases it when its
// process ends, however it ends, so a lock left by a crash or kill -9 is
// simply free again (the file stays, with the dead PID, and is taken
// over).
type DirLock struct {
	f *os.File
}

// LockedError is a checkpoint directory another process holds.
type LockedError struct {
	Dir string
	PID int // the holder's, 0 if unknown
}

func (e *LockedError) Error() string {
	holder := "another process"
	if e.PID > 0 {
		holder = "process " + strconv.Itoa(e.PID)
	}
	return fmt.Sprintf("train: %s is in use by another run (%s holds %s): wait for it to finish or stop it, or use another directory",
		e.Dir, holder, filepath.Join(e.Dir, LockFile))
}

// LockDir takes the lock on the checkpoint directory dir (which must
// exist) without waiting: if another process holds it, the error is a
// *LockedError naming that process. Release it with Unlock; a process
// that ends releases it anyway.
func LockDir(dir string) (*DirLock, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("train: cannot create the lock file %s (%v): fix the directory's permissions or use another directory", path, pathCause(err))
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &LockedError{Dir: dir, PID: lockHolder(f)}
		}
		return nil, fmt.Errorf("train: cannot lock %s (%v): use a directory on a local file system", path, err)
	}
	// Ours: write our PID for the next one to name.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(fmt.Sprintf("pid %d\n", os.Getpid())), 0)
	}
	return &DirLock{f: f}, nil
}

var pidRE = regexp.MustCompile(`^pid ([0-9]+)\n?$`)

// lockHolder reads the PID in a lock file (0 if there is none yet: the
// holder may be about to write it).
func lockHolder(f *os.File) int {
	b := make([]byte, 64)
	n, _ := f.ReadAt(b, 0)
	m := pidRE.FindSubmatch([]byte(strings.TrimSpace(string(b[:n])) + "\n"))
	if m == nil {
		return 0
	}
	pid, _ := strconv.Atoi(string(m[1]))
	return pid
}

// Unlock releases the lock (the file stays: removing it would let a
// third process lock a new file while a second still holds the old one).
func (l *DirLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the descriptor releases the flock
	l.f = nil
	return err
}
