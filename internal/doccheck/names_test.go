package doccheck

import (
	"go/ast"
	"go/doc/comment"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// notGo are words the comments use that look like Go identifiers but are
// not: names of projects, formats and people's tools.
var notGo = map[string]string{
	"PyTorch":           "the framework",
	"NumPy":             "the library",
	"OpenBLAS":          "the BLAS library",
	"GoMLX":             "the Go ML framework",
	"Cephes":            "the C math library whose expf and tanhf graph/act.go follows",
	"GitHub":            "the site",
	"TeX":               "the typesetting system",
	"LaTeX":             "the typesetting system",
	"JupyterLab":        "the notebook editor",
	"GoNB":              "the Go kernel for Jupyter",
	"IPython":           "the Python shell",
	"MacOS":             "the system",
	"macOS":             "the system",
	"VmRSS":             "a field of /proc/PID/status",
	"VmHWM":             "a field of /proc/PID/status",
	"MemTotal":          "a field of /proc/meminfo",
	"CPython":           "Python's implementation",
	"D2L":               "the book, Dive into Deep Learning",
	"TapeMachine":       "Gorgonia's tape machine (G.NewTapeMachine; its type is unexported)",
	"StepLR":            "PyTorch's torch.optim.lr_scheduler.StepLR",
	"CosineAnnealingLR": "PyTorch's torch.optim.lr_scheduler.CosineAnnealingLR",
	"U":                 "the uniform distribution, U(-k, k)",
	"N":                 "the normal distribution, N(0, 1)",
	// Words that follow a lowercase word mid-sentence (see midRE).
	"Accumulator": "the book's d2l.Accumulator",
	"Kingma":      "Kingma and Ba, Adam's authors",
	"Gelfand":     "Gelfand's formula (the spectral radius)",
	"Ba":          "Kingma and Ba, Adam's authors",
	"Ctrl":        "the key",
	"Debian":      "the distribution",
	"Deep":        "Dive into Deep Learning, the book",
	"Dive":        "Dive into Deep Learning, the book",
	"English":     "the language",
	"Go":          "the language",
	"Gorgonia":    "the library",
	"Gram":        "Gram-Schmidt",
	"Isaac":       "Isaac Newton, Opticks' author",
	"Newton":      "Isaac Newton, Opticks' author",
	"L1":          "the CPU cache",
	"L2":          "the CPU cache; the L2 norm",
	"Machine":     "The Time Machine, the book's text",
	"The":         "The Time Machine, the book's text",
	"Traveller":   "the Time Traveller, its hero",
	"Modules":     "Go Modules",
	"Python":      "the language",
	"Twister":     "the Mersenne Twister, Python's generator",
	// Likely words of this project's comments, listed ahead so that
	// writing them does not fail the test: names of people, methods,
	// languages, scripts and machines.
	"Gaussian": "the distribution", "Jacobian": "the matrix", "Hessian": "the matrix",
	"Frobenius": "the norm", "Euclidean": "the norm", "Kahan": "compensated summation",
	"Xavier": "Glorot's initialisation", "Glorot": "the initialisation", "Kaiming": "He's initialisation",
	"Elman": "the RNN", "Hochreiter": "the LSTM's author", "Schmidhuber": "the LSTM's author",
	"Cho": "the GRU's author", "Karpathy": "char-rnn's author", "Wells": "H. G. Wells, The Time Machine's author",
	"Unicode": "the standard", "German": "the language", "Greek": "the script", "Latin": "the script",
	"Linux": "the system", "Intel": "the vendor", "Zen": "AMD's cores", "Haswell": "Intel's cores",
	"Jupyter": "the notebooks", "Graphviz": "the tool", "Markov": "the chain", "Monte": "Monte Carlo",
	"Carlo": "Monte Carlo",
	"KiB":   "a unit",
	"MiB":   "a unit",
	"GiB":   "a unit",
	"TiB":   "a unit",
	"PiB":   "a unit",
	"EiB":   "a unit",
}

// pkg is the names one package declares.
type pkg struct {
	name, path, dir string
	decls           map[string]bool            // top-level names, exported or not
	members         map[string]map[string]bool // type -> its methods and fields
	embeds          map[string][]string        // type -> the local types it embeds
	files           []*ast.File
	testDecls       map[string]bool   // the test files' top-level names: TestX, ExampleX, FuzzX
	imports         map[string]string // name in the files -> import path
}

func (p *pkg) has(typ, member string) bool {
	seen := map[string]bool{}
	var look func(t string) bool
	look = func(t string) bool {
		if seen[t] {
			return false
		}
		seen[t] = true
		if p.members[t][member] {
			return true
		}
		for _, e := range p.embeds[t] {
			if look(e) {
				return true
			}
		}
		return false
	}
	return look(typ)
}

// parsePkg reads the non-test Go files of dir (all build tags).
func parsePkg(t *testing.T, fset *token.FileSet, dir, path string) *pkg {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := &pkg{path: path, dir: dir, decls: map[string]bool{}, members: map[string]map[string]bool{},
		embeds: map[string][]string{}, imports: map[string]string{}, testDecls: map[string]bool{}}
	member := func(typ, name string) {
		if p.members[typ] == nil {
			p.members[typ] = map[string]bool{}
		}
		p.members[typ][name] = true
	}
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") {
			continue
		}
		if strings.HasSuffix(n, "_test.go") {
			f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
					p.testDecls[fd.Name.Name] = true
				}
			}
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if p.name == "" || p.name == "documentation" {
			p.name = f.Name.Name
		}
		p.files = append(p.files, f)
		for _, im := range f.Imports {
			ip, _ := strconv.Unquote(im.Path.Value)
			name := ip[strings.LastIndex(ip, "/")+1:]
			if im.Name != nil {
				name = im.Name.Name
			}
			p.imports[name] = ip
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					p.decls[d.Name.Name] = true
					continue
				}
				member(recvName(d.Recv.List[0].Type), d.Name.Name)
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						p.decls[s.Name.Name] = true
						if p.members[s.Name.Name] == nil {
							p.members[s.Name.Name] = map[string]bool{}
						}
						var fields []*ast.Field
						switch ty := s.Type.(type) {
						case *ast.StructType:
							fields = ty.Fields.List
						case *ast.InterfaceType:
							fields = ty.Methods.List
						}
						for _, fl := range fields {
							for _, n := range fl.Names {
								member(s.Name.Name, n.Name)
							}
							if len(fl.Names) == 0 { // embedded
								en := recvName(fl.Type)
								member(s.Name.Name, en)
								p.embeds[s.Name.Name] = append(p.embeds[s.Name.Name], en)
							}
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							p.decls[n.Name] = true
						}
					}
				}
			}
		}
	}
	return p
}

// isField reports whether name is a field (or method) of one of p's types.
func (p *pkg) isField(name string) bool {
	for _, mem := range p.members {
		if mem[name] {
			return true
		}
	}
	return false
}

// recvName is the type name of a receiver or embedded field expression.
func recvName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return recvName(e.X)
	case *ast.IndexExpr:
		return recvName(e.X)
	case *ast.IndexListExpr:
		return recvName(e.X)
	case *ast.SelectorExpr:
		return e.Sel.Name
	case *ast.Ident:
		return e.Name
	}
	return ""
}

// module is every package of the module and every package its files
// import, by import path.
type module struct {
	root     string
	pkgs     []*pkg              // the module's own
	byName   map[string]*pkg     // the module's library packages by package name
	external map[string]*pkg     // imported packages by import path
	aliases  map[string][]string // import name -> import paths, module-wide
}

var (
	loaded     *module
	loadedOnce sync.Once
)

// loadModule reads the module once for all tests.
func loadModule(t *testing.T) *module {
	t.Helper()
	loadedOnce.Do(func() { loaded = readModule(t) })
	if loaded == nil {
		t.Fatal("reading the module failed (see the first test's error)")
	}
	return loaded
}

func readModule(t *testing.T) *module {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod at %s: %v", root, err)
	}
	fset := token.NewFileSet()
	m := &module{root: root, byName: map[string]*pkg{}, external: map[string]*pkg{}, aliases: map[string][]string{}}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		base := d.Name()
		if path != root && (strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") || base == "testdata") {
			return filepath.SkipDir
		}
		if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil && path != root {
			return filepath.SkipDir // another module (a code generator's)
		}
		goFiles, _ := filepath.Glob(filepath.Join(path, "*.go"))
		nonTest := 0
		for _, g := range goFiles {
			if !strings.HasSuffix(g, "_test.go") {
				nonTest++
			}
		}
		if nonTest == 0 {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		p := parsePkg(t, fset, path, "github.com/unroll/unroll/"+filepath.ToSlash(rel))
		m.pkgs = append(m.pkgs, p)
		if p.name != "main" {
			m.byName[p.name] = p
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The packages the module imports, read from their source (go list
	// finds it in GOROOT and the module cache, offline).
	paths := map[string]bool{}
	for _, p := range m.pkgs {
		for name, ip := range p.imports {
			if !strings.HasPrefix(ip, "github.com/unroll/unroll") && ip != "C" && ip != "unsafe" {
				if !paths[ip] {
					m.aliases[name] = append(m.aliases[name], ip)
					// Comments name a package by its own name too
					// (blas for gblas "gonum.org/v1/gonum/blas").
					if own := ip[strings.LastIndex(ip, "/")+1:]; own != name {
						m.aliases[own] = append(m.aliases[own], ip)
					}
				}
				paths[ip] = true
			}
		}
	}
	var list []string
	for ip := range paths {
		list = append(list, ip)
	}
	sort.Strings(list)
	cmd := exec.Command("go", append([]string{"list", "-f", "{{.ImportPath}} {{.Dir}}"}, list...)...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		ip, dir, _ := strings.Cut(line, " ")
		m.external[ip] = parsePkg(t, fset, dir, ip)
	}
	return m
}

// qualifiers returns the packages a name may qualify in p's comments: a
// package p's files import under that name, a library package of the
// module, or one the module imports under that name elsewhere.
func (m *module) qualifiers(p *pkg, q string) []*pkg {
	var out []*pkg
	if ip, ok := p.imports[q]; ok && m.external[ip] != nil {
		out = append(out, m.external[ip])
	}
	if mp := m.byName[q]; mp != nil {
		out = append(out, mp)
	}
	for _, ip := range m.aliases[q] {
		if e := m.external[ip]; e != nil {
			out = append(out, e)
		}
	}
	return out
}

// typeOwner returns the package that declares type typ for p's comments:
// p, a package of the module, or an imported one (in that order).
func (m *module) typeOwners(p *pkg, typ string) []*pkg {
	var out []*pkg
	if p.members[typ] != nil {
		out = append(out, p)
	}
	for _, q := range m.pkgs {
		if q != p && q.members[typ] != nil {
			out = append(out, q)
		}
	}
	for _, ip := range p.imports {
		if e := m.external[ip]; e != nil && e.members[typ] != nil {
			out = append(out, e)
		}
	}
	return out
}

// word reports whether an unqualified name is declared anywhere the
// module's comments may mean: p, the module, the packages p imports.
func (m *module) known(p *pkg, name string) bool {
	if p.decls[name] {
		return true
	}
	if base, ok := strings.CutSuffix(name, "s"); ok && len(base) > 1 && m.known(p, base) {
		return true // a plural: TapeMachines, Cells
	}
	for _, q := range m.pkgs {
		if q.decls[name] || q.testDecls[name] {
			return true
		}
		for _, mem := range q.members {
			if mem[name] {
				return true
			}
		}
	}
	for _, ip := range p.imports {
		if e := m.external[ip]; e != nil && e.decls[name] {
			return true
		}
	}
	_, ok := notGo[name]
	return ok
}

var (
	qualifiedRE = regexp.MustCompile(`(^|[^\w./-])([A-Za-z_]\w*)\.([A-Z]\w*)(?:\.([A-Za-z_]\w*))?`)
	wordRE      = regexp.MustCompile(`(^|[^\w./-])([A-Z]\w*)(\(|` + "`" + `)?`)
	camelRE     = regexp.MustCompile(`[a-z0-9][A-Z]|[A-Z][A-Z][a-z]`)
	midRE       = regexp.MustCompile(`[a-z,;:(] \(?([A-Z][a-z0-9]+)\b`) // "implements Cell."
	pluralRE    = regexp.MustCompile(`^[A-Z0-9]+s$`)                    // FIFOs, NaNs: acronyms
	localRE     = regexp.MustCompile(`(?m)^\s*([A-Za-z_]\w*(?:,\s*[A-Za-z_]\w*)*)\s*:=`)
	headingRE   = regexp.MustCompile(`^# \S`)
)

// check returns what is stale in one comment of package p.
func (m *module) check(p *pkg, text string) []string {
	var bad []string
	// Doc links and headings, as go doc parses them.
	var parser comment.Parser
	parser.LookupPackage = func(name string) (string, bool) {
		if qs := m.qualifiers(p, name); len(qs) > 0 {
			return qs[0].path, true
		}
		return "", false
	}
	parser.LookupSym = func(recv, name string) bool { return true }
	doc := parser.Parse(text)
	headings := map[string]bool{}
	var walk func(ts []comment.Text)
	walk = func(ts []comment.Text) {
		for _, x := range ts {
			switch x := x.(type) {
			case *comment.DocLink:
				if !m.resolveLink(p, x) {
					bad = append(bad, "doc link ["+linkName(x)+"]")
				}
			case *comment.Link:
				walk(x.Text)
			case *comment.Italic, comment.Plain:
			}
		}
	}
	for _, b := range doc.Content {
		switch b := b.(type) {
		case *comment.Heading:
			headings["# "+plain(b.Text)] = true
		case *comment.Paragraph:
			walk(b.Text)
		case *comment.List:
			for _, it := range b.Items {
				for _, c := range it.Content {
					if pa, ok := c.(*comment.Paragraph); ok {
						walk(pa.Text)
					}
				}
			}
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if headingRE.MatchString(line) && !headings[strings.TrimSpace(line)] {
			bad = append(bad, "heading "+strconv.Quote(line)+" is not set off by blank lines (go doc runs it into the paragraph)")
		}
	}
	// Qualified names, in text and code alike; not the variables an
	// example declares (plot := report.NewPlot(...); plot.Save()).
	locals := map[string]bool{}
	for _, mm := range localRE.FindAllStringSubmatch(text, -1) {
		for _, v := range strings.Split(mm[1], ",") {
			locals[strings.TrimSpace(v)] = true
		}
	}
	for _, mm := range qualifiedRE.FindAllStringSubmatch(text, -1) {
		q, name, member := mm[2], mm[3], mm[4]
		if locals[q] {
			continue
		}
		if qs := m.qualifiers(p, q); len(qs) > 0 {
			found := false
			for _, qp := range qs {
				// pkg.Method names a method of one of pkg's types
				// (gonum's blas.Sgemm, of blas.Float32).
				found = found || qp.decls[name] && (member == "" || qp.members[name] == nil || qp.has(name, member)) ||
					member == "" && qp.isField(name)
			}
			if !found {
				bad = append(bad, strings.TrimSuffix(q+"."+name+"."+member, "."))
			}
			continue
		}
		if q[0] < 'A' || q[0] > 'Z' {
			continue // a variable in an example, a file name, nn.RNNCell
		}
		if p.isField(q) {
			continue // a field path: Iterator.BatchIndex of a manifest
		}
		owners := m.typeOwners(p, q)
		if len(owners) == 0 {
			if !m.known(p, q) {
				bad = append(bad, q+"."+name)
			}
			continue
		}
		found := false
		for _, o := range owners {
			found = found || o.has(q, name)
		}
		if !found {
			bad = append(bad, q+"."+name)
		}
	}
	// Unqualified words that can only be Go names.
	for _, mm := range wordRE.FindAllStringSubmatchIndex(text, -1) {
		name := text[mm[4]:mm[5]]
		end := mm[5]
		if end < len(text) && text[end] == '.' && end+1 < len(text) && isIdentStart(text[end+1]) {
			continue // qualified: checked above
		}
		code := mm[6] >= 0 || (mm[4] > 0 && text[mm[4]-1] == '`')
		if !code && (!camelRE.MatchString(name) || pluralRE.MatchString(name) || name == "NaNs") {
			continue
		}
		if !locals[name] && !m.known(p, name) {
			bad = append(bad, name)
		}
	}
	// A capitalised word after a lowercase one, mid-sentence, is a Go
	// name or one of notGo's words: "a model implements Cell".
	var prose []string // without code blocks (indented)
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, "\t") && !strings.HasPrefix(line, "  ") {
			prose = append(prose, line)
		}
	}
	for _, mm := range midRE.FindAllStringSubmatch(strings.Join(prose, "\n"), -1) {
		if name := mm[1]; !locals[name] && !m.known(p, name) {
			bad = append(bad, name+" (mid-sentence: not a Go name here; if it is a word, add it to notGo in internal/doccheck)")
		}
	}
	return bad
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func plain(ts []comment.Text) string {
	var b strings.Builder
	for _, x := range ts {
		if p, ok := x.(comment.Plain); ok {
			b.WriteString(string(p))
		}
	}
	return b.String()
}

func linkName(l *comment.DocLink) string {
	s := l.Name
	if l.Recv != "" {
		s = l.Recv + "." + s
	}
	if l.ImportPath != "" {
		s = l.ImportPath[strings.LastIndex(l.ImportPath, "/")+1:] + "." + s
	}
	return s
}

func (m *module) resolveLink(p *pkg, l *comment.DocLink) bool {
	target := p
	if l.ImportPath != "" {
		target = nil
		for _, q := range m.pkgs {
			if q.path == l.ImportPath {
				target = q
			}
		}
		if target == nil {
			target = m.external[l.ImportPath]
		}
		if target == nil {
			return false
		}
	}
	if l.Name == "" {
		return true // a link to the package
	}
	if l.Recv != "" {
		return target.has(l.Recv, l.Name)
	}
	return target.decls[l.Name]
}

// comments returns every comment go doc shows for a file, and the
// comments of its unexported declarations, with where they are.
func comments(fset *token.FileSet, f *ast.File) map[string]string {
	out := map[string]string{}
	add := func(g *ast.CommentGroup) {
		if g != nil {
			out[fset.Position(g.Pos()).String()] = g.Text()
		}
	}
	add(f.Doc)
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl:
			add(n.Doc)
		case *ast.GenDecl:
			add(n.Doc)
		case *ast.TypeSpec:
			add(n.Doc)
			add(n.Comment)
		case *ast.ValueSpec:
			add(n.Doc)
			add(n.Comment)
		case *ast.Field:
			add(n.Doc)
			add(n.Comment)
		}
		return true
	})
	return out
}

// TestDocNamesExist fails for every name in a doc comment that no longer
// exists (see the package comment for what is checked).
func TestDocNamesExist(t *testing.T) {
	m := loadModule(t)
	fset := token.NewFileSet()
	for _, p := range m.pkgs {
		if p.name == "doccheck" {
			continue // its comment names stale identifiers as examples
		}
		ents, _ := os.ReadDir(p.dir)
		for _, e := range ents {
			n := e.Name()
			if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, filepath.Join(p.dir, n), nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			for pos, text := range comments(fset, f) {
				for _, b := range m.check(p, text) {
					rel, _ := filepath.Rel(m.root, pos)
					t.Errorf("%s: %s", rel, b)
				}
			}
		}
	}
}

// TestCheckerCatches: the checker flags the stale names this project's
// comments once held (graph/doc.go before it was fixed) and passes
// correct ones; so TestDocNamesExist can fail.
func TestCheckerCatches(t *testing.T) {
	m := loadModule(t)
	g := m.byName["graph"]
	for _, c := range []struct {
		text string
		want []string // flagged, in order
	}{
		{"A model (see package models) implements Celll.\n", []string{"Celll (mid-sentence"}},
		{"The RNN's time step is one op, RNNStep: the product.\n", []string{"RNNStep"}},
		{"The output layer is one op (Linear) over all T*B rows.\n", []string{"Linear (mid-sentence"}},
		{"Gradient-only ops (ActGrad, ColSumm) and `Sharing`.\n", []string{"ActGrad", "Sharing", "ColSumm"}},
		{"See [Sharing] and [Unrolled.Frobnicate].\n", []string{"doc link [Sharing]", "doc link [Unrolled.Frobnicate]", "Unrolled.Frobnicate"}},
		{"graph.MeasureProducts counts; Unrolled.Frobnicate runs; G.NoSuchOp.\n", []string{"graph.MeasureProducts", "G.NoSuchOp", "Unrolled.Frobnicate"}},
		{"the neighbourhood.\n# Speed\n\nThe RNN's time step.\n", []string{"heading"}},
		// Correct names: nothing to flag.
		{"Unroll builds a graph that Model.Forward fills; see [Unroll], [Unrolled.Run] and [train.Trainer].\n" +
			"G.Grad derives gradients, like PyTorch's nn.RNNCell on The Time Machine; a Cell per step.\n" +
			"\n# Speed\n\nMatrix products use tensor.Dense values.\n\n\tu, err := graph.Unroll(lm, graph.Config{Batch: 32})\n\tu.Run(x, y, state)\n", nil},
	} {
		got := m.check(g, c.text)
		sort.Strings(got)
		want := append([]string{}, c.want...)
		sort.Strings(want)
		ok := len(got) == len(want)
		for i := 0; ok && i < len(got); i++ {
			ok = strings.HasPrefix(got[i], want[i])
		}
		if !ok {
			t.Errorf("%q: flagged %q, want %q", c.text, got, want)
		}
	}
}
