// Package doccheck holds a test, and nothing else: that the doc comments
// of every package in the module (what go doc shows, and the comments of
// unexported declarations too) name only identifiers that exist, so that
// a rename or a removal that leaves a comment behind fails CI.
//
// It checks, in every comment attached to a declaration and in every
// package comment:
//
//   - doc links, [Name], [Name.Member], [pkg.Name] and [pkg.Name.Member];
//   - qualified names pkg.Name and pkg.Name.Member, where pkg is a package
//     of this module (graph, models, train, ...) or a package the file
//     imports (G for Gorgonia, tensor, io, ...) and Name is exported;
//   - Type.Member, where Type is a type of this module or of an imported
//     package;
//   - unqualified words that can only be Go identifiers: CamelCase with an
//     inner capital (RNNStep, ScatterRows, MeasureProducts), a capitalised
//     word in backquotes (`Cell`) or followed by "(" (Linear(x)); and,
//     outside code blocks, a capitalised word after a lowercase one
//     ("a model implements Cell");
//
// and that a line "# Heading" is a heading (a blank line on either side),
// not text run into the paragraph before it.
//
// A second test reads README.md and docs/*.md (not docs/performance.md,
// the history of a removed design): every flag of a "./cmd/NAME ..." line
// must be one of that command's, every `-flag` in backquotes one of some
// command's, every pkg.Name of a library package and every backquoted Go
// name (`Unroll`, `Generator.Sample`, `G.Grad`) declared, and every test
// named (TestBadInput, in docs/errors.md's rows) present. The flags
// are read from the commands' source (pflag's String, IntVar, ...); they
// were the same as each command's -h when the test was written.
//
// A name resolves if it is declared (exported or not) in the package, in
// any package of the module, or exported by a package one of the
// module's files imports; words that are not Go names (PyTorch, NumPy,
// ...) are listed in the test's allowlist, each with where it comes from.
package doccheck
