package models

// Size is what a Config costs, known before its weights are drawn.
type Size struct {
	// Params is the number of parameter values.
	Params float64
	// SquareMatrices is the number of (num_hiddens x num_hiddens) blocks
	// among them (the h^2 term of Params): 1 for the one-layer RNN, 3 for
	// the GRU, 4 for the LSTM, times layers and directions (and the inputs
	// of layers above the first). A rough measure of the work per token.
	SquareMatrices float64
}

// SizeOf returns the size of the model c describes without allocating it:
// it builds the model at 1, 2 and 3 hidden units (any cell's parameter
// count is a quadratic in num_hiddens: input and recurrent weights, biases)
// and extrapolates to c.NumHiddens. It works for any registered cell.
func SizeOf(c Config) (Size, error) {
	if err := c.Validate(); err != nil {
		return Size{}, err
	}
	var n [3]float64
	for i := range n {
		small := c
		small.NumHiddens = i + 1
		m, err := New(small)
		if err != nil {
			return Size{}, err
		}
		for _, p := range m.Params() {
			n[i] += float64(p.Value.DataSize())
		}
	}
	// n(h) = a h^2 + b h + k through h = 1, 2, 3.
	a := (n[2] - 2*n[1] + n[0]) / 2
	b := n[1] - n[0] - 3*a
	k := n[0] - a - b
	h := float64(c.NumHiddens)
	return Size{Params: a*h*h + b*h + k, SquareMatrices: a}, nil
}
