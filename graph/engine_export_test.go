package graph

import "gorgonia.org/tensor"

// SwapEngine makes e the engine of the machines compiled from now on and
// returns the previous one (tests count its calls, or compare StdEng).
func SwapEngine(e tensor.Engine) tensor.Engine {
	old := engine
	engine = e
	return old
}
