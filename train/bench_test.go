package train_test

import (
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/models"
	"github.com/unroll/unroll/train"
	"gorgonia.org/tensor"
)

// benchMinibatch times one training minibatch of the book's RNN (forward,
// backward, gradient clipping, SGD update) at batch 32, 35 steps and a
// vocabulary of 28 (The Time Machine's), on synthetic token ids: the cost
// of a minibatch does not depend on the ids. It reports tokens/s as the
// book does (tokens per minibatch / time per minibatch).
func benchMinibatch(b *testing.B, kind string, hiddens int) {
	const vocab, batch, steps = 28, 32, 35
	m, err := models.New(models.Config{Kind: kind, VocabSize: vocab, NumHiddens: hiddens, Dtype: tensor.Float32, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	ids := make([]int, 4*batch*steps+1) // enough for the iterator; unused here
	for i := range ids {
		ids[i] = r.IntN(vocab)
	}
	cfg := train.DefaultConfig()
	tr, err := train.New(m, ids, cfg)
	if err != nil {
		b.Fatal(err)
	}
	n := batch * steps
	mb := datasets.Minibatch{X: ids[:n], Y: ids[1 : n+1], BatchSize: batch, NumSteps: steps}
	if _, _, err := tr.Step(mb); err != nil { // first run allocates
		b.Fatal(err)
	}
	b.Logf("BLAS: %s", graph.BLAS())
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	times := make([]time.Duration, b.N)
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, _, err := tr.Step(mb); err != nil {
			b.Fatal(err)
		}
		times[i] = time.Since(t0)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
	// The median minibatch: on a shared machine, the mean takes in every
	// minibatch that waited for a core.
	slices.Sort(times)
	b.ReportMetric(float64(times[b.N/2].Nanoseconds())/1e6, "median-ms")
	// CPU time of the whole process (all threads) per minibatch: on a
	// shared machine it shows the work done even when the wall time
	// mostly measures the wait for a core.
	b.ReportMetric((cpuTime()-cpu0)/float64(b.N)*1e3, "cpu-ms/op")
}

// BenchmarkMinibatchScratch is the book's from-scratch configuration
// (num_hiddens 512).
func BenchmarkMinibatchScratch(b *testing.B) { benchMinibatch(b, "rnn", 512) }

// BenchmarkMinibatchConcise is the book's concise configuration
// (nn.RNN with num_hiddens 256).
func BenchmarkMinibatchConcise(b *testing.B) { benchMinibatch(b, "rnn", 256) }

// BenchmarkMinibatchGRU is the book's GRU (9.1, num_hiddens 256).
func BenchmarkMinibatchGRU(b *testing.B) { benchMinibatch(b, "gru", 256) }

// BenchmarkMinibatchLSTM is the book's LSTM (9.2, num_hiddens 256).
func BenchmarkMinibatchLSTM(b *testing.B) { benchMinibatch(b, "lstm", 256) }

// cpuTime returns the user and system CPU time of the process in seconds.
func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) * 1e-9
}
