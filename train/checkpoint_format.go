package train

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/models"
	"gorgonia.org/tensor"
)

// A checkpoint is a directory per save inside a run's checkpoint directory:
//
//	DIR/latest              "epoch-000012": the newest complete checkpoint
//	DIR/best                the one with the lowest validation perplexity
//	DIR/epoch-000012/manifest.json
//	DIR/epoch-000012/params.npz      one .npy per parameter: W_xh, W_hh, b_h, W_hq, b_q
//	DIR/epoch-000012/optimizer.npz   Adam's moments m_W_xh, v_W_xh, ... (Adam only)
//	DIR/epoch-000012-batch-000005/   saved when a run was interrupted (SIGINT,
//	                                 SIGTERM) after 5 minibatches of epoch 13:
//	                                 also state.npz, the hidden state H carried
//	                                 to the next minibatch
//
// manifest.json is self-describing: the magic string and format version,
// the model (kind and models.Config), the training Config, the data (name,
// token counts, a SHA-256 of the token ids), the vocabulary's tokens, the
// epoch, the minibatch sampler's random state (base64), the optimizer's
// name, hyperparameters and step count, the shape and dtype of every saved
// array, the size and SHA-256 of every file, and the metrics of every epoch
// so far. The .npz files are what numpy.savez writes: numpy.load reads them
// as they are (float32 '<f4', C order).
//
// A checkpoint is written into a temporary directory inside DIR, every file
// and the directory synced, then renamed into place; only then is the
// latest pointer replaced (temporary file, sync, rename). A crash leaves
// either the previous checkpoint or the new one as latest, never a partial
// one.
//
// Format version 2 added the checkpoints taken inside an epoch
// (iterator.batch_index > 0, partial_epoch, state); version 1 checkpoints,
// all at epoch boundaries, are read as they are. Version 3 names any
// registered cell as the model's kind and adds its layers, directions and
// initialisation (num_layers, bidirectional, init); version 1 and 2
// checkpoints, of the one-layer rnn and mlp, read as before.
const (
	CheckpointMagic   = "unroll-checkpoint"
	CheckpointVersion = 3
	// oldestVersion is the oldest format version OpenCheckpoint reads.
	oldestVersion = 1
)

// Checkpoint file names.
const (
	manifestFile  = "manifest.json"
	paramsFile    = "params.npz"
	optimizerFile = "optimizer.npz"
	stateFile     = "state.npz"
	latestFile    = "latest"
	bestFile      = "best"
)

var epochDirRE = regexp.MustCompile(`^epoch-([0-9]{6,})(?:-batch-([0-9]{6,}))?$`)

// checkpointName is the directory name of a checkpoint after epochs
// completed epochs and batches minibatches of the next.
func checkpointName(epochs, batches int) string {
	if batches > 0 {
		return fmt.Sprintf("epoch-%06d-batch-%06d", epochs, batches)
	}
	return fmt.Sprintf("epoch-%06d", epochs)
}

// ModelSpec is what rebuilds a model: its models.Config, with the cell
// named by its registered kind.
type ModelSpec struct {
	Kind          string `json:"kind"` // a registered cell: rnn, gru, lstm, mlp or the user's
	VocabSize     int    `json:"vocab_size"`
	NumHiddens    int    `json:"num_hiddens"`
	NumLayers     int    `json:"num_layers,omitempty"`    // 0 or absent (versions 1, 2): 1
	Bidirectional bool   `json:"bidirectional,omitempty"` // absent: false
	Activation    string `json:"activation"`              // "tanh" or "relu"
	Init          string `json:"init,omitempty"`          // "book" (also when absent) or "pytorch"
	Dtype         string `json:"dtype"`                   // "float32" or "float64"
	Seed          uint64 `json:"seed"`                    // of the initial weights
}

// SpecOf returns the spec of a model built by package models (any
// registered cell).
func SpecOf(m graph.Model) (ModelSpec, error) {
	lm, ok := m.(interface{ Config() models.Config })
	if !ok {
		return ModelSpec{}, fmt.Errorf("train: cannot checkpoint a %T: build the model with models.New (register a cell of your own with models.Register)", m)
	}
	c := lm.Config()
	kind := c.Kind
	if kind == "" {
		kind = "rnn"
	}
	dt := tensor.Float32
	if c.Dtype.Type != nil {
		dt = c.Dtype
	}
	return ModelSpec{Kind: kind, VocabSize: c.VocabSize, NumHiddens: c.NumHiddens, NumLayers: c.Layers(),
		Bidirectional: c.Bidirectional, Activation: c.Activation.String(), Init: c.Init.String(), Dtype: dt.String(), Seed: c.Seed}, nil
}

// Config returns the models.Config of the spec.
func (s ModelSpec) Config() (models.Config, error) {
	act, err := models.ParseActivation(s.Activation)
	if err != nil {
		return models.Config{}, err
	}
	init := models.InitBook
	if s.Init != "" {
		if init, err = models.ParseInit(s.Init); err != nil {
			return models.Config{}, err
		}
	}
	var dt tensor.Dtype
	switch s.Dtype {
	case "float32":
		dt = tensor.Float32
	case "float64":
		dt = tensor.Float64
	default:
		return models.Config{}, fmt.Errorf("train: model dtype %q: want float32 or float64", s.Dtype)
	}
	return models.Config{Kind: s.Kind, VocabSize: s.VocabSize, NumHiddens: s.NumHiddens, NumLayers: s.NumLayers,
		Bidirectional: s.Bidirectional, Activation: act, Init: init, Dtype: dt, Seed: s.Seed}, nil
}

// Build returns a new model of the spec (with freshly drawn weights; a
// checkpoint's Restore or LoadParams then sets them).
func (s ModelSpec) Build() (graph.Model, error) {
	c, err := s.Config()
	if err != nil {
		return nil, err
	}
	return models.New(c)
}

// DataInfo describes the text a run trains on.
type DataInfo struct {
	Name        string  `json:"name"`         // corpus name or path
	MaxTokens   int     `json:"max_tokens"`   // the cut (<= 0: none)
	Tokens      int     `json:"tokens"`       // after the cut
	ValFrac     float64 `json:"val_frac"`     // fraction held out at the end
	TrainTokens int     `json:"train_tokens"` // the first Tokens-ValTokens
	ValTokens   int     `json:"val_tokens"`   // the last ValTokens
	SHA256      string  `json:"sha256"`       // TokensSHA256 of all Tokens ids
	// Preprocess and MinFreq are the datasets.CorpusOptions the vocabulary
	// was built with; empty and 0 (older checkpoints) mean the book's: the
	// "book" preprocessing and every token kept.
	Preprocess string `json:"preprocess,omitempty"`
	MinFreq    int    `json:"min_freq,omitempty"`
}

// TokensSHA256 returns the hex SHA-256 of token ids written as
// little-endian int32: a fingerprint of a corpus after tokenization.
func TokensSHA256(ids []int) string {
	h := sha256.New()
	var b [4]byte
	for _, id := range ids {
		binary.LittleEndian.PutUint32(b[:], uint32(int32(id)))
		h.Write(b[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// RunInfo is what a checkpoint records besides the trainer's own state, so
// that sample and inspect can rebuild the model and a resumed run can check
// that it continues the same experiment.
type RunInfo struct {
	Model     ModelSpec
	TokenKind string   // "char" or "word" (datasets.TokenKind); empty: "char"
	Vocab     []string // Vocab.Tokens(): id -> token
	Data      DataInfo
	// Settings are the effective command-line settings, name -> value,
	// kept for the record (inspect prints them).
	Settings map[string]string
}

// FileInfo is a file of a checkpoint with its size and SHA-256.
type FileInfo struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// manifest is manifest.json.
type manifest struct {
	Magic         string            `json:"magic"`
	FormatVersion int               `json:"format_version"`
	Created       time.Time         `json:"created"`
	Epoch         int               `json:"epoch"`
	Updates       int64             `json:"updates"`
	Model         ModelSpec         `json:"model"`
	Train         configJSON        `json:"train"`
	Data          DataInfo          `json:"data"`
	TokenKind     string            `json:"token_kind"`
	Vocab         []string          `json:"vocab"`
	Iterator      iteratorJSON      `json:"iterator"`
	Optimizer     optimizerJSON     `json:"optimizer"`
	Params        []arrayJSON       `json:"params"`
	Files         []FileInfo        `json:"files"`
	Metrics       []record          `json:"metrics"`
	Settings      map[string]string `json:"settings,omitempty"`
	// Partial and State are set when the checkpoint was taken inside an
	// epoch (Iterator.BatchIndex > 0).
	Partial *partialJSON `json:"partial_epoch,omitempty"`
	State   []arrayJSON  `json:"state,omitempty"`
}

// partialJSON is what the minibatches of an interrupted epoch accumulated.
type partialJSON struct {
	LossSum     jfloat  `json:"loss_sum"`          // sum of loss * tokens
	Tokens      int     `json:"tokens"`            // tokens trained
	GradNormSum jfloat  `json:"grad_norm_sum"`     // sum of the gradient norms
	Clipped     int     `json:"clipped,omitempty"` // minibatches whose gradient norm exceeded clip
	Seconds     float64 `json:"seconds"`           // wall time spent on the epoch
}

type configJSON struct {
	Epochs     int      `json:"epochs"`
	BatchSize  int      `json:"batch_size"`
	NumSteps   int      `json:"num_steps"`
	LR         float64  `json:"lr"`
	Clip       float64  `json:"clip"`
	Sampling   string   `json:"sampling"`
	Seed       seedJSON `json:"seed"`
	Optimizer  string   `json:"optimizer"`
	Schedule   string   `json:"lr_schedule"`
	LRStep     int      `json:"lr_step,omitempty"`
	LRGamma    float64  `json:"lr_gamma,omitempty"`
	LRMin      float64  `json:"lr_min,omitempty"`
	ValEvery   int      `json:"val_every"`
	ClipByNorm bool     `json:"clip_by_global_norm"`
}

func toConfigJSON(c Config) configJSON {
	opt := c.Optimizer
	if opt == "" {
		opt = "sgd"
	}
	kind := c.Schedule.Kind
	if kind == "" {
		kind = "constant"
	}
	j := configJSON{Epochs: c.Epochs, BatchSize: c.BatchSize, NumSteps: c.NumSteps, LR: c.LR, Clip: c.Clip,
		Sampling: c.Sampling.String(), Seed: seedJSON(c.Seed), Optimizer: opt, Schedule: kind, ValEvery: c.ValEvery, ClipByNorm: true}
	switch kind { // only the settings the schedule uses
	case "step":
		j.LRStep, j.LRGamma = c.Schedule.Step, c.Schedule.Gamma
	case "cosine":
		j.LRMin = c.Schedule.MinLR
	}
	return j
}

func (j configJSON) config() (Config, error) {
	s, err := datasets.ParseSampling(j.Sampling)
	if err != nil {
		return Config{}, err
	}
	return Config{Epochs: j.Epochs, BatchSize: j.BatchSize, NumSteps: j.NumSteps, LR: j.LR, Clip: j.Clip,
		Sampling: s, Seed: uint64(j.Seed), Optimizer: j.Optimizer, ValEvery: j.ValEvery,
		Schedule: Schedule{Kind: j.Schedule, Step: j.LRStep, Gamma: j.LRGamma, MinLR: j.LRMin}}, nil
}

// seedJSON is the sampling seed, uint64 as everywhere in the module. A
// checkpoint written when it was int64 may hold a negative seed: it reads
// as its absolute value, which seeds Python's generator (and so the
// datasets.PyRandom that continues from the checkpoint's state) alike.
type seedJSON uint64

func (s *seedJSON) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '-' {
		var n int64
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*s = seedJSON(-uint64(n)) // two's complement: |n|, also for math.MinInt64
		return nil
	}
	var u uint64
	if err := json.Unmarshal(b, &u); err != nil {
		return err
	}
	*s = seedJSON(u)
	return nil
}

type iteratorJSON struct {
	Sampling string `json:"sampling"`
	// RNG names the generator; RNGState is its state before the next
	// epoch's StartEpoch (datasets.PyRandom.State: 624 MT19937 words and the
	// position, little-endian uint32, base64 in JSON).
	RNG      string `json:"rng"`
	RNGState []byte `json:"rng_state"`
	// BatchIndex is the number of minibatches of that epoch already
	// trained: 0 at an epoch boundary, more in a checkpoint saved on an
	// interrupt (format version 2).
	BatchIndex int `json:"batch_index"`
}

type optimizerJSON struct {
	Name    string             `json:"name"`
	Hyper   map[string]float64 `json:"hyperparameters"`
	Step    int64              `json:"step"`
	Tensors []arrayJSON        `json:"tensors,omitempty"`
}

type arrayJSON struct {
	Name  string `json:"name"`
	File  string `json:"file"`
	Shape []int  `json:"shape"`
	Dtype string `json:"dtype"` // NumPy's: "<f4" or "<f8"
}
