package graph

import (
	"gorgonia.org/tensor"

	"github.com/unroll/unroll/internal/blas"
)

// engine runs the graphs' TapeMachines (compile passes it with
// G.WithEngine, which makes it the engine of every value a machine holds):
// tensor's StdEng with elementwise Add, Sub and Mul on package kernels'
// vector loops (blas.Engine), the same bits. Gorgonia's Add, Sub and
// HadamardProd ops, in the cells and in G.Grad's gradients, run on it.
var engine tensor.Engine = blas.Engine{}
