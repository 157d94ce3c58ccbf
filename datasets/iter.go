package datasets

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Sampling selects how the token stream is cut into minibatches.
type Sampling int

const (
	// Sequential is the book's seq_data_iter_sequential: neighbouring
	// minibatches continue each other, row by row, so the hidden state can
	// be carried over from one minibatch to the next.
	Sequential Sampling = iota
	// Random is the book's seq_data_iter_random: every epoch the stream is
	// cut into subsequences of numSteps tokens that are shuffled and dealt
	// out batchSize at a time; neighbouring minibatches are unrelated.
	Random
)

// String returns "sequential" or "random".
func (s Sampling) String() string {
	switch s {
	case Sequential:
		return "sequential"
	case Random:
		return "random"
	}
	return fmt.Sprintf("Sampling(%d)", int(s))
}

// ParseSampling parses "sequential" or "random".
func ParseSampling(s string) (Sampling, error) {
	switch s {
	case "sequential":
		return Sequential, nil
	case "random":
		return Random, nil
	}
	return 0, fmt.Errorf("datasets: unknown sampling %q: use sequential or random", s)
}

// Minibatch is one minibatch of inputs X and targets Y (Y is X shifted by
// one token in the corpus), with its layout: BatchSize sequences (rows) of
// NumSteps tokens. X and Y are stored batch-major, like the book's
// (batch_size, num_steps) tensors: the token of row b at time step t is
// X[b*NumSteps+t]. graph.Unrolled.Run and train.Trainer.Step take a
// Minibatch and check its BatchSize and NumSteps against the graph's, so
// that a slice of the right length in another layout, or of another
// shape, is not silently read wrong. Build one with NewMinibatch from
// rows, or from an Iterator; Y may be nil where no targets are needed
// (generation, or a graph without loss).
type Minibatch struct {
	X, Y      []int
	BatchSize int
	NumSteps  int
}

// NewMinibatch returns the minibatch of the sequences x (one row per
// sequence, all of one length, the number of steps) and their targets y
// (nil, or rows of the same shape), copied into the batch-major layout.
func NewMinibatch(x, y [][]int) (Minibatch, error) {
	if len(x) == 0 || len(x[0]) == 0 {
		return Minibatch{}, errors.New("datasets: NewMinibatch: want at least one sequence of at least one token")
	}
	if y != nil && len(y) != len(x) {
		return Minibatch{}, fmt.Errorf("datasets: NewMinibatch: %d target rows for %d sequences", len(y), len(x))
	}
	B, T := len(x), len(x[0])
	mb := Minibatch{X: make([]int, 0, B*T), BatchSize: B, NumSteps: T}
	if y != nil {
		mb.Y = make([]int, 0, B*T)
	}
	for b, row := range x {
		if len(row) != T || (y != nil && len(y[b]) != T) {
			return Minibatch{}, fmt.Errorf("datasets: NewMinibatch: row %d has %d tokens (%d targets), row 0 has %d: want rows of one length", b, len(row), lenOrZero(y, b), T)
		}
		mb.X = append(mb.X, row...)
		if y != nil {
			mb.Y = append(mb.Y, y[b]...)
		}
	}
	return mb, nil
}

func lenOrZero(rows [][]int, i int) int {
	if i < len(rows) {
		return len(rows[i])
	}
	return 0
}

// At returns the input and the target (-1 without Y) of row b at step t.
func (m *Minibatch) At(b, t int) (x, y int) {
	i := b*m.NumSteps + t
	if m.Y == nil {
		return m.X[i], -1
	}
	return m.X[i], m.Y[i]
}

// Check reports a minibatch whose slices do not hold BatchSize*NumSteps
// tokens (Y may be nil).
func (m *Minibatch) Check() error {
	n := m.BatchSize * m.NumSteps
	switch {
	case m.BatchSize < 1 || m.NumSteps < 1:
		return fmt.Errorf("datasets: minibatch of %d x %d (BatchSize x NumSteps): want both >= 1", m.BatchSize, m.NumSteps)
	case len(m.X) != n:
		return fmt.Errorf("datasets: minibatch of %d x %d has %d inputs, want %d", m.BatchSize, m.NumSteps, len(m.X), n)
	case m.Y != nil && len(m.Y) != n:
		return fmt.Errorf("datasets: minibatch of %d x %d has %d targets, want %d", m.BatchSize, m.NumSteps, len(m.Y), n)
	}
	return nil
}

// TimeMajor copies X into dstX and Y into dstY in time-major order, index
// t*BatchSize+b: the order in which the model consumes inputs and the order
// of the book's targets Y.T.reshape(-1). Either destination may be nil to
// skip it; a non-nil one must hold at least BatchSize*NumSteps entries
// (TimeMajor panics otherwise).
func (m *Minibatch) TimeMajor(dstX, dstY []int) {
	if dstX != nil {
		transpose(dstX, m.X, m.BatchSize, m.NumSteps)
	}
	if dstY != nil {
		transpose(dstY, m.Y, m.BatchSize, m.NumSteps)
	}
}

// transpose writes the (rows, cols) matrix src into dst as (cols, rows).
func transpose(dst, src []int, rows, cols int) {
	if len(dst) < rows*cols {
		panic(fmt.Sprintf("datasets: Minibatch.TimeMajor: destination has %d entries, want %d", len(dst), rows*cols))
	}
	for r := 0; r < rows; r++ {
		for c, v := range src[r*cols : (r+1)*cols] {
			dst[c*rows+r] = v
		}
	}
}

// ShortCorpusError is a corpus too short for one minibatch in every epoch
// (see MinTokens): a caller may lengthen the text or lower BatchSize or
// NumSteps.
type ShortCorpusError struct {
	Tokens    int // the corpus's
	Need      int // MinTokens(BatchSize, NumSteps, Sampling)
	BatchSize int
	NumSteps  int
	Sampling  Sampling
}

// Rule is MinTokens's formula for the sampling: "batch*steps+steps+1"
// (sequential) or "batch*steps+steps" (random).
func (e *ShortCorpusError) Rule() string {
	if e.Sampling == Sequential {
		return "batch*steps+steps+1"
	}
	return "batch*steps+steps"
}

func (e *ShortCorpusError) Error() string {
	return fmt.Sprintf("datasets: the corpus has %d tokens but %s sampling with batch size %d and %d steps needs at least %d (%s)",
		e.Tokens, e.Sampling, e.BatchSize, e.NumSteps, e.Need, e.Rule())
}

// MinTokens returns the smallest corpus length for which every epoch has at
// least one minibatch, whatever random offset the epoch draws:
//
//   - Sequential draws an offset in [0, numSteps] and needs
//     batchSize*numSteps+1 tokens after it, so it needs
//     batchSize*numSteps + numSteps + 1 tokens;
//   - Random draws an offset in [0, numSteps-1] and needs batchSize
//     subsequences in (len-offset-1)/numSteps, so it needs
//     batchSize*numSteps + numSteps tokens.
//
// One token more than batchSize*numSteps is not enough: the book's
// iterators then give an empty epoch for the larger offsets.
func MinTokens(batchSize, numSteps int, s Sampling) int {
	if s == Sequential {
		return batchSize*numSteps + numSteps + 1
	}
	return batchSize*numSteps + numSteps
}

// minTokensSat is MinTokens, saturating at math.MaxInt instead of
// overflowing.
func minTokensSat(batchSize, numSteps int, s Sampling) int {
	if batchSize > math.MaxInt/numSteps-2 {
		return math.MaxInt
	}
	return MinTokens(batchSize, numSteps, s)
}

// Iterator deals out the minibatches of a token stream, epoch after epoch,
// exactly as the Python reference (and the book) does. Use it as
//
//	for epoch := 0; epoch < epochs; epoch++ {
//		it.StartEpoch()
//		for it.Next(&mb) {
//			// use mb
//		}
//	}
//
// Resuming mid-epoch: save EpochRNGState and the batch index from Pos; to
// resume, restore the generator with SetState, call StartEpoch (which
// redraws the same offset and shuffle) and Seek to the batch index.
type Iterator struct {
	ids       []int
	batchSize int
	numSteps  int
	sampling  Sampling
	rng       *PyRandom

	started    bool
	epochRNG   PyRandom // rng as it was before StartEpoch drew
	offset     int      // the epoch's random offset
	numBatches int      // minibatches in this epoch
	next       int      // index of the next minibatch
	width      int      // Sequential: tokens per row, (len-offset-1)/batchSize
	starts     []int    // Random: shuffled subsequence starts, relative to offset
}

// NewIterator returns an iterator over ids with minibatches of batchSize
// rows and numSteps time steps, drawing its random offsets and shuffles from
// rng. It fails if batchSize or numSteps is less than 1 or if ids is shorter
// than MinTokens, so that every epoch yields at least one minibatch. The
// iterator keeps ids (it does not copy them) and shares rng.
func NewIterator(ids []int, batchSize, numSteps int, s Sampling, rng *PyRandom) (*Iterator, error) {
	switch {
	case batchSize < 1:
		return nil, fmt.Errorf("datasets: NewIterator: batch size %d is not positive: want 1 or more", batchSize)
	case numSteps < 1:
		return nil, fmt.Errorf("datasets: NewIterator: number of time steps %d is not positive: want 1 or more", numSteps)
	case s != Sequential && s != Random:
		return nil, fmt.Errorf("datasets: unknown sampling %d: use sequential or random", int(s))
	case rng == nil:
		return nil, fmt.Errorf("datasets: NewIterator needs a random generator: pass NewPyRandom(seed)")
	}
	// batchSize or numSteps beyond len(ids) is too short in any case, and
	// checking it first keeps MinTokens from overflowing on absurd values.
	if need := minTokensSat(batchSize, numSteps, s); len(ids) < need {
		return nil, &ShortCorpusError{Tokens: len(ids), Need: need, BatchSize: batchSize, NumSteps: numSteps, Sampling: s}
	}
	it := &Iterator{ids: ids, batchSize: batchSize, numSteps: numSteps, sampling: s, rng: rng}
	if s == Random {
		it.starts = make([]int, 0, (len(ids)-1)/numSteps)
	}
	return it, nil
}

// StartEpoch begins a new epoch and returns its number of minibatches. It
// draws from the generator exactly what the Python reference draws:
// Sequential: off = randint(0, numSteps); Random: off = randint(0,
// numSteps-1), then shuffle of the list of subsequence starts.
func (it *Iterator) StartEpoch() int {
	it.epochRNG = *it.rng
	if it.sampling == Sequential {
		it.begin(it.rng.RandInt(0, it.numSteps))
	} else {
		it.begin(it.rng.RandInt(0, it.numSteps-1))
	}
	return it.numBatches
}

// begin sets up an epoch with the given offset (drawing the shuffle for
// Random sampling).
func (it *Iterator) begin(off int) {
	it.started = true
	it.offset = off
	it.next = 0
	T, B := it.numSteps, it.batchSize
	if it.sampling == Sequential {
		// Python: n = ((len - off - 1) // B) * B; xs = ids[off:off+n].reshape(B, -1)
		it.width = (len(it.ids) - off - 1) / B
		it.numBatches = it.width / T
		return
	}
	// Python: ids = ids[off:]; nsub = (len(ids) - 1) // T;
	// starts = list(range(0, nsub*T, T)); shuffle(starts); nb = nsub // B
	nsub := (len(it.ids) - off - 1) / T
	it.starts = it.starts[:0]
	for i := 0; i < nsub; i++ {
		it.starts = append(it.starts, i*T)
	}
	it.rng.Shuffle(it.starts)
	it.numBatches = nsub / B
}

// Next fills mb with the next minibatch of the epoch and reports whether
// there was one; it returns false at the end of the epoch. mb's slices are
// reused when large enough, so after the first call Next does not allocate.
// It panics if StartEpoch has not been called.
func (it *Iterator) Next(mb *Minibatch) bool {
	if !it.started {
		panic("datasets: Iterator.Next called before StartEpoch")
	}
	if it.next >= it.numBatches {
		return false
	}
	B, T := it.batchSize, it.numSteps
	mb.BatchSize, mb.NumSteps = B, T
	mb.X = resize(mb.X, B*T)
	mb.Y = resize(mb.Y, B*T)
	j := it.next
	for b := 0; b < B; b++ {
		var start int // index in ids of X[b][0]
		if it.sampling == Sequential {
			start = it.offset + b*it.width + j*T
		} else {
			start = it.offset + it.starts[j*B+b]
		}
		copy(mb.X[b*T:(b+1)*T], it.ids[start:start+T])
		copy(mb.Y[b*T:(b+1)*T], it.ids[start+1:start+1+T])
	}
	it.next++
	return true
}

// resize returns s with length n, reusing its array when it is big enough.
func resize(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}

// NumBatches returns the number of minibatches of the current epoch (0
// before the first StartEpoch).
func (it *Iterator) NumBatches() int { return it.numBatches }

// Pos returns the random offset of the current epoch and the number of
// minibatches Next has already returned in it.
func (it *Iterator) Pos() (epochOffset, batchIndex int) { return it.offset, it.next }

// EpochRNGState returns the generator state saved just before the current
// epoch's StartEpoch drew its random numbers (see PyRandom.State). With it
// and Pos's batch index a checkpoint can resume mid-epoch: SetState,
// StartEpoch, Seek.
func (it *Iterator) EpochRNGState() []byte { return it.epochRNG.State() }

// Seek makes minibatch batchIndex of the current epoch the next one Next
// returns (0 restarts the epoch; NumBatches ends it).
func (it *Iterator) Seek(batchIndex int) error {
	if !it.started {
		return fmt.Errorf("datasets: Iterator.Seek(%d) before StartEpoch: call StartEpoch first", batchIndex)
	}
	if batchIndex < 0 || batchIndex > it.numBatches {
		return fmt.Errorf("datasets: cannot seek to minibatch %d of an epoch with %d: the checkpoint does not match this corpus, batch size or number of steps", batchIndex, it.numBatches)
	}
	it.next = batchIndex
	return nil
}

// CountBatches returns, sorted and without repeats, the numbers of
// minibatches an epoch can have over all random offsets, like count_batches
// in the Python reference. Unlike Python (whose floor division then yields
// negative numbers), a corpus too short for an offset counts as 0
// minibatches, which is what the iterators then produce. It returns nil if
// batchSize or numSteps is less than 1.
func CountBatches(nTokens, batchSize, numSteps int, s Sampling) []int {
	if batchSize < 1 || numSteps < 1 {
		return nil
	}
	var out []int
	maxOff := numSteps - 1
	if s == Sequential {
		maxOff = numSteps
	}
	for off := 0; off <= maxOff; off++ {
		rest := max(nTokens-off-1, 0)
		var n int
		if s == Sequential {
			n = rest / batchSize / numSteps
		} else {
			n = rest / numSteps / batchSize
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}
