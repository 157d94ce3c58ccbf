package graph

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"strings"
	"testing"
)

// TestGradientOnlyOpsUnexported: the ops that serve only inside gradients
// (colSums for AddBias, rowSlice for StackRows) are not part of the
// package's API, and the fused ops and measurements that were removed do
// not come back under their old exported names.
func TestGradientOnlyOpsUnexported(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	exported := map[string]bool{}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if d.Recv == nil && d.Name.IsExported() {
						exported[d.Name.Name] = true
					}
				case *ast.GenDecl:
					for _, s := range d.Specs {
						switch s := s.(type) {
						case *ast.TypeSpec:
							exported[s.Name.Name] = s.Name.IsExported()
						case *ast.ValueSpec:
							for _, n := range s.Names {
								exported[n.Name] = n.IsExported()
							}
						}
					}
				}
			}
		}
	}
	if !exported["StackRows"] || !exported["Unroll"] {
		t.Fatalf("the parse found no StackRows or Unroll: %v", exported)
	}
	for _, name := range []string{"ColSum", "RowSlice", "ActGrad", "ScatterRows", "SumMatMulTN", "MeasureProducts", "RNNStep", "Linear", "MatMul"} {
		if exported[name] {
			t.Errorf("graph exports %s, an internal of the gradients", name)
		}
	}
}
