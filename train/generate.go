package train

import (
	"fmt"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"gorgonia.org/tensor"
)

// Vocab maps tokens to ids and back (datasets.Vocab implements it).
type Vocab interface {
	ID(tok string) int
	Token(id int) string
	Len() int
}

// Generator runs a model one token at a time on a graph of batch 1 and one
// step that shares the model's parameter tensors, so it always sees the
// current weights of training.
type Generator struct {
	u     *graph.Unrolled
	state []*tensor.Dense
	mb    datasets.Minibatch // one token: X[0]

	z   []float64 // Sample's buffers: logits, candidate ids, weights
	idx []int
	w   []float64
}

// NewGenerator builds the 1 x 1 generation graph of m.
func NewGenerator(m graph.Model) (*Generator, error) {
	u, err := graph.Unroll(m, graph.Config{BatchSize: 1, NumSteps: 1})
	if err != nil {
		return nil, fmt.Errorf("train: generation graph: %w", err)
	}
	return &Generator{u: u, state: zeroState(m, 1), mb: datasets.Minibatch{X: make([]int, 1), BatchSize: 1, NumSteps: 1}}, nil
}

// Reset sets the state to zero (the book's begin_state).
func (g *Generator) Reset() {
	for _, s := range g.state {
		s.Zero()
	}
}

// step feeds one token and returns the logits for the next.
func (g *Generator) step(id int) (*tensor.Dense, error) {
	g.mb.X[0] = id
	if _, err := g.u.Run(g.mb, g.state); err != nil {
		return nil, err
	}
	return g.u.LogitsValue(), nil
}

// Predict is the book's predict_ch8 on ids: from a zero state it warms up
// on prefix, then appends numPreds greedy (argmax) predictions. The result
// starts with the prefix. It is Sample with greedy options.
func (g *Generator) Predict(prefix []int, numPreds int) ([]int, error) {
	return g.Sample(prefix, numPreds, SampleOptions{}, nil)
}

// PredictChars is predict_ch8 for a character vocabulary: the prefix is
// split into characters and the result joined back into a string.
func (g *Generator) PredictChars(v Vocab, prefix string, numPreds int) (string, error) {
	return g.SampleChars(v, prefix, numPreds, SampleOptions{}, nil)
}

// argmax returns the index of the largest of the first row's values.
func argmax(d *tensor.Dense) int {
	best := 0
	switch v := d.Data().(type) {
	case []float32:
		for i, x := range v {
			if x > v[best] {
				best = i
			}
		}
	case []float64:
		for i, x := range v {
			if x > v[best] {
				best = i
			}
		}
	}
	return best
}

// zeroState returns zero state tensors of a model for a batch size.
func zeroState(m graph.Model, batch int) []*tensor.Dense {
	dt := m.Params()[0].Value.Dtype()
	var out []*tensor.Dense
	for _, s := range m.States() {
		out = append(out, tensor.New(tensor.Of(dt), tensor.WithShape(batch, s.Size)))
	}
	return out
}
