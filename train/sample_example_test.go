package train_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/models"
	"github.com/unroll/unroll/train"
	"gorgonia.org/tensor"
)

// sampler is a small RNN trained for a few epochs on a sentence, so that
// its next-character distributions are neither uniform nor certain.
var sampler = sync.OnceValues(func() (*train.Generator, *datasets.Vocab) {
	text := strings.Repeat("the time traveller for so it will be convenient to speak of him was expounding a recondite matter to us ", 8)
	corpus, err := datasets.LoadCorpus([]byte(text), "example", datasets.Char, 0)
	if err != nil {
		panic(err)
	}
	rnn, err := models.NewRNN(models.Config{VocabSize: corpus.Vocab.Len(), NumHiddens: 32, Dtype: tensor.Float32, Seed: 1})
	if err != nil {
		panic(err)
	}
	tr, err := train.New(rnn, corpus.IDs, train.Config{Epochs: 8, BatchSize: 4, NumSteps: 10, LR: 1, Clip: 1, Seed: 1})
	if err != nil {
		panic(err)
	}
	if _, err := tr.Run(context.Background()); err != nil {
		panic(err)
	}
	gen, err := train.NewGenerator(rnn)
	if err != nil {
		panic(err)
	}
	return gen, corpus.Vocab
})

// sample continues "time " for 40 characters with opts and a generator
// seeded with seed.
func sample(opts train.SampleOptions, seed uint64) string {
	gen, vocab := sampler()
	s, err := gen.SampleChars(vocab, "time ", 40, opts, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		return err.Error()
	}
	return s
}

// greedy is the book's predict_ch8 for the same prefix and length.
func greedy() string {
	gen, vocab := sampler()
	s, err := gen.PredictChars(vocab, "time ", 40)
	if err != nil {
		return err.Error()
	}
	return s
}

// As the temperature goes to 0, softmax(z/T) puts all the probability on
// the largest logit, and sampling becomes the greedy prediction; 0 itself
// means greedy.
func ExampleGenerator_Sample_temperature() {
	for _, temp := range []float64{1, 1e-6, 0} {
		fmt.Printf("temperature %g equals greedy: %v\n", temp, sample(train.SampleOptions{Temperature: temp}, 1) == greedy())
	}
	// Output:
	// temperature 1 equals greedy: false
	// temperature 1e-06 equals greedy: true
	// temperature 0 equals greedy: true
}

// Top-k 1 leaves only the most likely token to draw: greedy, whatever the
// temperature.
func ExampleGenerator_Sample_topK() {
	for _, k := range []int{0, 3, 1} {
		fmt.Printf("top-k %d equals greedy: %v\n", k, sample(train.SampleOptions{Temperature: 1, TopK: k}, 1) == greedy())
	}
	// Output:
	// top-k 0 equals greedy: false
	// top-k 3 equals greedy: false
	// top-k 1 equals greedy: true
}

// The same seed gives the same sample; another seed another one.
func ExampleGenerator_Sample_seed() {
	opts := train.SampleOptions{Temperature: 1}
	fmt.Println("seed 7 twice, same sample:", sample(opts, 7) == sample(opts, 7))
	fmt.Println("seeds 7 and 8, same sample:", sample(opts, 7) == sample(opts, 8))
	fmt.Println("starts with the prefix:", strings.HasPrefix(sample(opts, 7), "time "), len(sample(opts, 7)))
	// Output:
	// seed 7 twice, same sample: true
	// seeds 7 and 8, same sample: false
	// starts with the prefix: true 45
}
