package cli

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// CheckWritableDir checks, before a long run starts, that files can be
// created in dir: it creates dir if needed, writes a probe file into it and
// removes the probe. flag names the command-line flag in the error.
func CheckWritableDir(flag, dir string) error {
	if dir == "" {
		dir = "."
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return fmt.Errorf("%s: %s is a file, not a directory: choose another path", flag, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%s: cannot create directory %s (%v): choose a writable path", flag, dir, unwrapPath(err))
	}
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return fmt.Errorf("%s: cannot write in %s (%v): fix its permissions or choose a writable path", flag, dir, unwrapPath(err))
	}
	_, err = f.WriteString("unroll write probe\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	os.Remove(f.Name())
	if err != nil {
		return fmt.Errorf("%s: cannot write in %s (%v): free space there or choose another path", flag, dir, unwrapPath(err))
	}
	return nil
}

// CheckWritableFile checks that path can be written later: its directory
// must exist (or be creatable) and be writable, and path must not be a
// directory.
func CheckWritableFile(flag, path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s: %s is a directory: give a file name", flag, path)
	}
	return CheckWritableDir(flag, filepath.Dir(path))
}

// unwrapPath drops the *PathError's operation and path, which the message
// already names.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// CheckMemory returns an error if a run estimated to need need bytes
// cannot fit in this machine's memory (MemTotal of /proc/meminfo; the check
// is skipped where that is not available). what describes the run and fix
// says which flags to lower. The estimate only has to catch typos such as
// an extra zero, which are off by orders of magnitude.
func CheckMemory(need float64, what, fix string) error {
	total := memTotal()
	if total <= 0 || need <= float64(total) {
		return nil
	}
	return fmt.Errorf("%s needs about %s of memory, more than this machine's %s: %s", what, bytesString(need), bytesString(float64(total)), fix)
}

// memTotal returns the machine's memory in bytes, or 0 if unknown.
func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// bytesString formats n bytes with a binary unit.
func bytesString(n float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for n >= 1024 && i < len(units)-1 {
		n /= 1024
		i++
	}
	if i == len(units)-1 && n >= 1024 {
		return fmt.Sprintf("%.3g %s", n, units[i])
	}
	return fmt.Sprintf("%.1f %s", n, units[i])
}
