package train_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestLibraryNamesNoFlags: the library packages' strings (their errors and
// notices) name no command-line flag such as -lr or --steps: a library
// caller has no flags, and the commands word the typed errors' fields with
// their own (cmd/train maps train.ConfigError.Field "NumSteps" to -steps).
// Shell commands suggested verbatim (iconv -f ...) are not flags of ours.
func TestLibraryNamesNoFlags(t *testing.T) {
	flag := regexp.MustCompile(`(^|[\s(])--?[a-z][a-z-]*\b`)
	for _, dir := range []string{"../datasets", "../graph", "../models", "../train", "../report"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			file, err := parser.ParseFile(token.NewFileSet(), f, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil || strings.Contains(s, "iconv -f") {
					return true
				}
				if m := flag.FindString(s); m != "" {
					t.Errorf("%s: %q names a flag (%s)", f, s, strings.TrimSpace(m))
				}
				return true
			})
		}
	}
}
