package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// PathUse is one path a run reads or writes, named by its flag.
type PathUse struct {
	Flag string // "-metrics", "-data", ...
	Path string
	Dir  bool // a directory the run writes into (-checkpoint DIR)
}

// CheckPaths returns an error, before anything is written, if a path the
// run writes would overwrite a path it reads, or another path it writes,
// or lies inside a directory it writes (a file of -checkpoint DIR, say).
// Paths are compared as the files they are: symlinks are followed and
// existing files compared with os.SameFile (hard links too); a path that
// does not exist yet is compared by its directory's real path and its
// name. reads that are directories are skipped (a -checkpoint DIR read
// by -resume is also in writes).
func CheckPaths(writes, reads []PathUse) error {
	for i, w := range writes {
		if w.Path == "" {
			continue
		}
		for _, r := range reads {
			if r.Path != "" && samePath(w.Path, r.Path) {
				return fmt.Errorf("%s %s is the %s file %s: writing it would destroy what the run reads; choose another path", w.Flag, w.Path, r.Flag, r.Path)
			}
		}
		for j, o := range writes {
			if j == i || o.Path == "" {
				continue
			}
			if o.Dir && !w.Dir && inside(w.Path, o.Path) {
				return fmt.Errorf("%s %s is inside the %s directory %s, which holds the run's checkpoints: choose a path outside it", w.Flag, w.Path, o.Flag, o.Path)
			}
			if j > i && samePath(w.Path, o.Path) {
				return fmt.Errorf("%s and %s both name %s: the second would overwrite the first; give each its own file", w.Flag, o.Flag, w.Path)
			}
		}
	}
	return nil
}

// realPath resolves path's symlinks; for a path that does not exist, those
// of its nearest existing ancestor, with the rest appended.
func realPath(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	rest := ""
	for p := abs; ; p = filepath.Dir(p) {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(r, rest)
		}
		if filepath.Dir(p) == p {
			return abs
		}
		rest = filepath.Join(filepath.Base(p), rest)
	}
}

// samePath reports whether a and b name the same file.
func samePath(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	return realPath(a) == realPath(b)
}

// inside reports whether path is dir or lies below it.
func inside(path, dir string) bool {
	p, d := realPath(path), realPath(dir)
	return p == d || strings.HasPrefix(p, d+string(filepath.Separator))
}
