// Package report holds the train.Hook implementations that draw for a
// person rather than record for a program: a perplexity plot per epoch
// like the book's figure (Plot, with gonum.org/v1/plot; DrawCurves draws
// several runs in one figure, as the notebooks do) and a terminal
// progress bar (Bar, with github.com/schollz/progressbar). They live apart
// from package train so that the training library does not depend on image
// or terminal libraries.
//
//	plot := report.NewPlot("ppl.png", "rnn, 512 hiddens", 0, tr.History())
//	tr.Hooks = append(tr.Hooks, plot)
//	tr.Run(ctx)
//	plot.Save() // draws every epoch so far
package report
