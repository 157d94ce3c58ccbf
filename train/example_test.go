package train_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/models"
	"github.com/unroll/unroll/train"
	"gorgonia.org/tensor"
)

// Train a small RNN on a repetitive text, then continue a prefix greedily
// as the book's predict_ch8 does.
func ExampleTrainer() {
	text := []byte(strings.Repeat("the time traveller ", 60))
	corpus, err := datasets.LoadCorpus(text, "example", datasets.Char, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	rnn, err := models.NewRNN(models.Config{VocabSize: corpus.Vocab.Len(), NumHiddens: 32, Dtype: tensor.Float32, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := train.Config{Epochs: 40, BatchSize: 4, NumSteps: 10, LR: 1, Clip: 1, Sampling: datasets.Sequential, Seed: 3}
	tr, err := train.New(rnn, corpus.IDs, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	last, err := tr.Run(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	gen, err := train.NewGenerator(rnn)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := gen.PredictChars(corpus.Vocab, "time", 17)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("vocab:", corpus.Vocab.Len())
	fmt.Println("perplexity below 1.2:", last.Perplexity < 1.2)
	fmt.Println(out)
	// Output:
	// vocab: 11
	// perplexity below 1.2: true
	// time traveller the ti
}
