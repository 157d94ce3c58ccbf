package train

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestLockDir: a second lock on a directory (another open file: flock
// locks are per open file, so this works within one process) fails with
// the holder's PID; after Unlock it succeeds; a LOCK file left with a dead
// PID and no flock is taken over.
func TestLockDir(t *testing.T) {
	dir := t.TempDir()
	a, err := LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockDir(dir)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() {
		t.Fatalf("second LockDir = %v, want a LockedError naming pid %d", err, os.Getpid())
	}
	a.Unlock()
	b, err := LockDir(dir)
	if err != nil {
		t.Fatalf("LockDir after Unlock: %v", err)
	}
	b.Unlock()
	// 2^22+1 is above Linux's largest PID: certainly dead.
	os.WriteFile(filepath.Join(dir, LockFile), []byte("pid 4194305\n"), 0o644)
	c, err := LockDir(dir)
	if err != nil {
		t.Fatalf("LockDir over a stale lock file: %v", err)
	}
	defer c.Unlock()
	if got, _ := os.ReadFile(filepath.Join(dir, LockFile)); string(got) != "pid "+strconv.Itoa(os.Getpid())+"\n" {
		t.Errorf("LOCK holds %q after the takeover", got)
	}
}
