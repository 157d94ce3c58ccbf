package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
)

// relaunch returns the start of a command line, shell-quoted, that runs
// this program again from the current directory, for the "continue with:"
// line: under go run, "go run [-tags T] ./cmd/train" (the package path
// relative to the current directory, with the build's tags and -race);
// otherwise the path the program was started by when a shell can run it
// from here, else the executable's absolute path.
func relaunch(arg0 string) string {
	if isGoRun(arg0) {
		return strings.Join(goRunWords(), " ")
	}
	return shellQuote(binaryPath(arg0))
}

// isGoRun reports whether arg0 is a binary that go run built. go run
// links into a temporary work directory,
// $GOTMPDIR/go-buildNNN/b001/exe/NAME, and since Go 1.24 keeps the
// result in the build cache as $GOCACHE/XX/HASH-d/NAME (XX the first two
// hex digits of the 64 of HASH): neither path is worth printing.
func isGoRun(arg0 string) bool {
	p := filepath.ToSlash(arg0)
	if strings.Contains(p, "/go-build") && strings.Contains(p, "/exe/") {
		return true
	}
	dir := filepath.Base(filepath.Dir(arg0))
	parent := filepath.Base(filepath.Dir(filepath.Dir(arg0)))
	hash, ok := strings.CutSuffix(dir, "-d")
	return ok && len(hash) == 64 && isHex(hash) && len(parent) == 2 && hash[:2] == parent
}

// isHex reports whether s is lower-case hexadecimal.
func isHex(s string) bool {
	return strings.Trim(s, "0123456789abcdef") == ""
}

// goRunWords are "go", "run", the build flags that change the binary
// (-tags, -race) as the build recorded them, and the package.
func goRunWords() []string {
	words := []string{"go", "run"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return append(words, "./cmd/train")
	}
	for _, s := range bi.Settings {
		switch {
		case s.Key == "-tags" && s.Value != "":
			words = append(words, "-tags", shellQuote(s.Value))
		case s.Key == "-race" && s.Value == "true":
			words = append(words, "-race")
		}
	}
	return append(words, shellQuote(packageDir(bi)))
}

// packageDir is the directory of this command relative to the current
// directory ("./cmd/train" from the module's root), found by walking up
// to the go.mod of the main module; or the import path, which go run also
// accepts inside the module, when that fails.
func packageDir(bi *debug.BuildInfo) string {
	rel, ok := strings.CutPrefix(bi.Path, bi.Main.Path)
	wd, err := os.Getwd()
	if !ok || err != nil || bi.Main.Path == "" {
		return bi.Path
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if modulePath(filepath.Join(dir, "go.mod")) == bi.Main.Path {
			p, err := filepath.Rel(wd, filepath.Join(dir, filepath.FromSlash(rel)))
			if err != nil {
				return bi.Path
			}
			if p == "." || strings.HasPrefix(p, "..") {
				return p
			}
			return "." + string(filepath.Separator) + p
		}
		if filepath.Dir(dir) == dir {
			return bi.Path
		}
	}
}

// modulePath returns the module path a go.mod declares ("" if none).
func modulePath(gomod string) string {
	f, err := os.Open(gomod)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if m, ok := strings.CutPrefix(strings.TrimSpace(s.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(m), `"`)
		}
	}
	return ""
}

// binaryPath is arg0 if a shell in the current directory runs this
// program by it (a name found on PATH, or a path to the file), else the
// absolute path of the executable.
func binaryPath(arg0 string) string {
	if arg0 != "" && !strings.Contains(arg0, "/") {
		if p, err := exec.LookPath(arg0); err == nil && isThisProgram(p) {
			return arg0
		}
	} else if arg0 != "" && isThisProgram(arg0) {
		return arg0
	}
	if exe, err := os.Executable(); err == nil {
		return exe
	}
	return arg0
}

// isThisProgram reports whether path names this running executable.
func isThisProgram(path string) bool {
	exe, err := os.Executable()
	if err != nil {
		return false
	}
	a, errA := os.Stat(path)
	b, errB := os.Stat(exe)
	return errA == nil && errB == nil && os.SameFile(a, b)
}
