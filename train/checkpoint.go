package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/unroll/unroll/datasets"
	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/internal/npy"
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
	TokenKind string   // "char"
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
	Seconds     float64 `json:"seconds"`           // wall time spent on the epoch
	Clipped     int     `json:"clipped,omitempty"` // minibatches whose gradient norm exceeded clip
}

type configJSON struct {
	Epochs     int     `json:"epochs"`
	BatchSize  int     `json:"batch_size"`
	NumSteps   int     `json:"num_steps"`
	LR         float64 `json:"lr"`
	Clip       float64 `json:"clip"`
	Sampling   string  `json:"sampling"`
	Seed       int64   `json:"seed"`
	Optimizer  string  `json:"optimizer"`
	Schedule   string  `json:"lr_schedule"`
	LRStep     int     `json:"lr_step,omitempty"`
	LRGamma    float64 `json:"lr_gamma,omitempty"`
	LRMin      float64 `json:"lr_min,omitempty"`
	ValEvery   int     `json:"val_every"`
	ClipByNorm bool    `json:"clip_by_global_norm"`
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
		Sampling: c.Sampling.String(), Seed: c.Seed, Optimizer: opt, Schedule: kind, ValEvery: c.ValEvery, ClipByNorm: true}
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
		Sampling: s, Seed: j.Seed, Optimizer: j.Optimizer, ValEvery: j.ValEvery,
		Schedule: Schedule{Kind: j.Schedule, Step: j.LRStep, Gamma: j.LRGamma, MinLR: j.LRMin}}, nil
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

// Checkpoint is a loaded and verified checkpoint.
type Checkpoint struct {
	RunInfo
	Path     string       // the epoch directory
	Version  int          // format version
	Created  time.Time    // when it was written
	Config   Config       // the training configuration of the run that wrote it
	Epoch    int          // epochs completed
	Batch    int          // minibatches of epoch Epoch+1 completed (0: at an epoch boundary)
	Updates  int64        // minibatch updates made
	RNGState []byte       // the minibatch sampler's state before the next epoch
	Solver   SolverState  // the optimizer's state, tensors included
	History  []EpochStats // one per completed epoch
	Params   []graph.Param
	State    []graph.Param // inside an epoch: the hidden state carried to its next minibatch
	Files    []FileInfo    // every data file, size and SHA-256 verified

	partial *partialEpoch // inside an epoch: what its minibatches accumulated
}

// Name returns the checkpoint's directory name, e.g. "epoch-000012".
func (c *Checkpoint) Name() string { return filepath.Base(c.Path) }

// NewModel builds the checkpoint's model with its parameters.
func (c *Checkpoint) NewModel() (graph.Model, error) {
	m, err := c.Model.Build()
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", c.Path, err)
	}
	if err := c.loadParams(m); err != nil {
		return nil, err
	}
	return m, nil
}

// NewVocab rebuilds the checkpoint's vocabulary.
func (c *Checkpoint) NewVocab() (*datasets.Vocab, error) {
	v, err := datasets.VocabFromTokens(c.Vocab)
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", c.Path, err)
	}
	return v, nil
}

// loadParams copies the saved parameters into m's, checking names, shapes
// and dtypes.
func (c *Checkpoint) loadParams(m graph.Model) error {
	params := m.Params()
	if len(params) != len(c.Params) {
		return fmt.Errorf("train: checkpoint %s holds %d parameters, the model has %d: it is a different model", c.Path, len(c.Params), len(params))
	}
	for i, p := range params {
		s := c.Params[i]
		if s.Name != p.Name || !s.Value.Shape().Eq(p.Value.Shape()) || s.Value.Dtype() != p.Value.Dtype() {
			return fmt.Errorf("train: checkpoint %s: parameter %d is %s %v %v, the model's is %s %v %v: it is a different model",
				c.Path, i, s.Name, s.Value.Dtype(), s.Value.Shape(), p.Name, p.Value.Dtype(), p.Value.Shape())
		}
	}
	for i, p := range params {
		copyDenseValues(p.Value, c.Params[i].Value)
	}
	return nil
}

// Restore continues t from the checkpoint: it copies the parameters into
// t.Model and the optimizer state into t.Solver, and restores the epoch
// count, the minibatch sampler's random state and the metrics history, so
// that t.Run trains the following epochs exactly as the run that wrote the
// checkpoint would have. The model's structure and the optimizer must match
// (an error says which differs); t.Config is kept, so changed settings
// (-lr, -epochs, ...) apply from the next epoch.
func (c *Checkpoint) Restore(t *Trainer) error {
	ss, ok := t.Solver.(StatefulSolver)
	if !ok {
		return fmt.Errorf("train: resume: solver %T cannot restore a saved state", t.Solver)
	}
	if have := ss.State().Name; have != c.Solver.Name {
		return fmt.Errorf("train: resume: the checkpoint was trained with optimizer %s, this run uses %s: pass -optimizer %s, or start a new run in another -checkpoint DIR", c.Solver.Name, have, c.Solver.Name)
	}
	if c.partial != nil {
		// The rest of the epoch must cut the text as its start did.
		cc, tc := c.Config, t.Config
		if cc.BatchSize != tc.BatchSize || cc.NumSteps != tc.NumSteps || cc.Sampling != tc.Sampling {
			return fmt.Errorf("train: resume: the checkpoint %s was taken inside epoch %d with batch %d, steps %d, %s sampling; this run has batch %d, steps %d, %s sampling: pass -batch %d -steps %d -iter %s to finish that epoch",
				c.Path, c.Epoch+1, cc.BatchSize, cc.NumSteps, cc.Sampling, tc.BatchSize, tc.NumSteps, tc.Sampling, cc.BatchSize, cc.NumSteps, cc.Sampling)
		}
		if len(c.State) != len(t.state) {
			return fmt.Errorf("train: checkpoint %s holds %d state tensors, the model has %d: it is a different model", c.Path, len(c.State), len(t.state))
		}
		for i, s := range t.state {
			if !c.State[i].Value.Shape().Eq(s.Shape()) || c.State[i].Value.Dtype() != s.Dtype() {
				return fmt.Errorf("train: checkpoint %s: state %s is %v %v, want %v %v: the checkpoint is corrupt", c.Path, c.State[i].Name, c.State[i].Value.Dtype(), c.State[i].Value.Shape(), s.Dtype(), s.Shape())
			}
		}
	}
	if err := c.loadParams(t.Model); err != nil {
		return err
	}
	if err := ss.SetState(c.Solver); err != nil {
		return fmt.Errorf("train: checkpoint %s: %w", c.Path, err)
	}
	if err := t.rng.SetState(c.RNGState); err != nil {
		return fmt.Errorf("train: checkpoint %s: %w", c.Path, err)
	}
	t.partial = nil
	if c.partial != nil {
		p := *c.partial
		p.rngState = slices.Clone(c.RNGState)
		t.partial = &p
		for i, s := range t.state {
			copyDenseValues(s, c.State[i].Value)
		}
	}
	t.restored = true
	t.done, t.updates = c.Epoch, c.Updates
	t.history = slices.Clone(c.History)
	t.elapsed = 0
	if n := len(t.history); n > 0 {
		t.elapsed = t.history[n-1].Elapsed
	}
	return nil
}

// Checkpointer is a Hook that saves checkpoints into Dir: every Every
// epochs, at the last epoch of the run, and whenever the validation
// perplexity reaches a new best. It keeps the Keep newest (all if Keep <=
// 0) and the best; the pointer files latest and best name them.
type Checkpointer struct {
	Dir   string
	Every int // <= 0: every epoch
	Keep  int // <= 0: keep all
	Info  RunInfo

	t       *Trainer
	saved   int     // epoch of the newest checkpoint written or restored
	bestVal float64 // lowest validation perplexity so far (+Inf if none)
}

// NewCheckpointer prepares dir for t's checkpoints, creating it if needed,
// checking that files can be written in it (a probe file is written,
// synced and removed, so an unwritable directory fails now rather than at
// the first save) and removing temporary directories a crash left behind.
// Call it after a Checkpoint's Restore when resuming. For a new run (t was
// not restored) a dir that already holds checkpoints is refused, so that a
// run never mixes with another's.
func NewCheckpointer(dir string, t *Trainer, info RunInfo) (*Checkpointer, error) {
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("train: checkpoint directory %s is a file: choose another -checkpoint DIR", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("train: cannot create the checkpoint directory %s (%v): choose a writable -checkpoint DIR", dir, pathCause(err))
	}
	if err := probeWrite(dir); err != nil {
		return nil, fmt.Errorf("train: cannot write in the checkpoint directory %s (%v): fix its permissions or free space, or choose another -checkpoint DIR", dir, pathCause(err))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint directory: %w", err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
	if !t.restored {
		if name, err := readPointer(dir, latestFile); err == nil {
			return nil, fmt.Errorf("train: %s already holds checkpoints (latest %s): pass -resume to continue that run, or choose another -checkpoint DIR", dir, name)
		}
	}
	c := &Checkpointer{Dir: dir, Every: 1, Info: info, t: t, saved: t.done, bestVal: math.Inf(1)}
	for _, s := range t.history {
		if s.ValPerplexity > 0 && s.ValPerplexity < c.bestVal {
			c.bestVal = s.ValPerplexity
		}
	}
	return c, nil
}

// AfterEpoch implements Hook.
func (c *Checkpointer) AfterEpoch(s EpochStats) error {
	improved := s.ValPerplexity > 0 && s.ValPerplexity < c.bestVal
	due := s.Epoch%max(c.Every, 1) == 0 || s.Epoch == c.t.Config.Epochs
	if !improved && !due {
		return nil
	}
	name, err := c.Save()
	if err != nil {
		return err
	}
	if improved {
		c.bestVal = s.ValPerplexity
		if err := writePointer(c.Dir, bestFile, name); err != nil {
			return err
		}
	}
	return c.prune()
}

// probeWrite writes, syncs and removes a small file in dir.
func probeWrite(dir string) error {
	f, err := os.CreateTemp(dir, ".tmp-probe-")
	if err != nil {
		return err
	}
	_, err = f.WriteString("unroll: checking that checkpoints can be written here\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if rerr := os.Remove(f.Name()); err == nil {
		err = rerr
	}
	return err
}

// pathCause drops a *PathError's operation and path, which the message
// names already.
func pathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Final saves a checkpoint of the last completed epoch unless one exists
// (after a run stopped early between scheduled saves).
func (c *Checkpointer) Final() error {
	if c.t.done == 0 || c.saved == c.t.done {
		return nil
	}
	if _, err := c.Save(); err != nil {
		return err
	}
	return c.prune()
}

// Interrupted saves, after a Run stopped by its context, a checkpoint of
// the point where it stopped: inside an epoch (DIR/epoch-N-batch-K), or at
// an epoch boundary if it stopped there and the schedule had not saved it.
// It returns the checkpoint's name (the one latest already named, if
// nothing was new; "" if the run stopped before its first minibatch).
func (c *Checkpointer) Interrupted() (string, error) {
	k, ok := c.t.Interrupted()
	if (!ok || k == 0) && c.t.done == 0 {
		return "", nil
	}
	if (!ok || k == 0) && c.saved == c.t.done {
		if name, err := readPointer(c.Dir, latestFile); err == nil {
			return name, nil
		}
	}
	name, err := c.Save()
	if err != nil {
		return "", err
	}
	return name, c.prune()
}

// Save writes a checkpoint of the trainer's current state and points
// latest at it; it returns the checkpoint's directory name. The state is
// an epoch boundary, as in a Hook, or, after a Run stopped by its context,
// the point inside an epoch where it stopped. Non-finite parameters are
// never saved (the error wraps ErrDiverged), and a checkpoint that latest
// already names is not written again.
func (c *Checkpointer) Save() (string, error) {
	t := c.t
	batches, _ := t.Interrupted()
	name := checkpointName(t.done, batches)
	if latest, err := readPointer(c.Dir, latestFile); err == nil && latest == name {
		c.saved = t.done
		return name, nil // the same point: the same state
	}
	for _, p := range t.Model.Params() {
		if v, ok := firstNonFinite(p.Value); ok {
			return "", &DivergedError{What: "parameter " + p.Name, Value: v, Epoch: t.done, LR: t.Config.Schedule.LR(t.Config.LR, max(t.done, 1), t.Config.Epochs), Clip: t.Config.Clip}
		}
	}
	ss, ok := t.Solver.(StatefulSolver)
	if !ok {
		return "", fmt.Errorf("train: checkpoint: solver %T cannot save its state", t.Solver)
	}
	st := ss.State()
	rngState := t.rng.State()
	if t.partial != nil {
		rngState = t.partial.rngState // before the epoch's StartEpoch drew
	}
	m := manifest{
		Magic: CheckpointMagic, FormatVersion: CheckpointVersion, Created: time.Now().UTC(),
		Epoch: t.done, Updates: t.updates, Model: c.Info.Model, Train: toConfigJSON(t.Config), Data: c.Info.Data,
		TokenKind: c.Info.TokenKind, Vocab: c.Info.Vocab,
		Iterator:  iteratorJSON{Sampling: t.Config.Sampling.String(), RNG: "python-mt19937", RNGState: rngState, BatchIndex: batches},
		Optimizer: optimizerJSON{Name: st.Name, Hyper: st.Hyper, Step: st.Step},
		Settings:  c.Info.Settings,
	}
	for _, s := range t.history {
		m.Metrics = append(m.Metrics, toRecord(s))
	}
	files := map[string][]byte{}
	var err error
	if files[paramsFile], m.Params, err = encodeNPZ(paramsFile, t.Model.Params()); err != nil {
		return "", err
	}
	if len(st.Tensors) > 0 {
		if files[optimizerFile], m.Optimizer.Tensors, err = encodeNPZ(optimizerFile, st.Tensors); err != nil {
			return "", err
		}
	}
	if p := t.partial; p != nil && batches > 0 {
		m.Partial = &partialJSON{LossSum: jfloat(p.ppl.sum), Tokens: p.ppl.tokens, GradNormSum: jfloat(p.normSum), Seconds: p.spent.Seconds(), Clipped: p.clipped}
		var state []graph.Param
		for i, s := range t.state {
			state = append(state, graph.Param{Name: fmt.Sprintf("H_%d", i), Value: s})
		}
		if files[stateFile], m.State, err = encodeNPZ(stateFile, state); err != nil {
			return "", err
		}
	}
	for _, f := range []string{paramsFile, optimizerFile, stateFile} {
		if b, ok := files[f]; ok {
			sum := sha256.Sum256(b)
			m.Files = append(m.Files, FileInfo{Name: f, Bytes: int64(len(b)), SHA256: hex.EncodeToString(sum[:])})
		}
	}
	var mb bytes.Buffer
	enc := json.NewEncoder(&mb)
	enc.SetEscapeHTML(false) // "<unk>", not "\u003cunk\u003e"
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return "", fmt.Errorf("train: checkpoint manifest: %w", err)
	}
	files[manifestFile] = mb.Bytes()

	tmp, err := os.MkdirTemp(c.Dir, ".tmp-"+name+"-")
	if err == nil {
		err = os.Chmod(tmp, 0o755) // MkdirTemp's 0700 would hide it from other users
	}
	if err != nil {
		return "", fmt.Errorf("train: checkpoint: %w", err)
	}
	defer os.RemoveAll(tmp) // nothing left after the rename
	for _, f := range []string{paramsFile, optimizerFile, stateFile, manifestFile} {
		if b, ok := files[f]; ok {
			if err := writeFileSync(filepath.Join(tmp, f), b); err != nil {
				return "", err
			}
		}
	}
	if err := syncDir(tmp); err != nil {
		return "", err
	}
	testPauseBeforeRename(tmp)
	final := filepath.Join(c.Dir, name)
	// A directory of this name can only be left over from a run that
	// crashed after writing it but before pointing latest at it.
	if err := os.RemoveAll(final); err != nil {
		return "", fmt.Errorf("train: checkpoint: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("train: checkpoint: %w", err)
	}
	if err := syncDir(c.Dir); err != nil {
		return "", err
	}
	if err := writePointer(c.Dir, latestFile, name); err != nil {
		return "", err
	}
	c.saved = t.done
	return name, nil
}

// prune removes checkpoints beyond the Keep newest, sparing latest and
// best. Directories newer than latest (left by a crash) are left alone:
// the run overwrites them when it gets there.
func (c *Checkpointer) prune() error {
	if c.Keep <= 0 {
		return nil
	}
	list, err := ListCheckpoints(c.Dir)
	if err != nil {
		return err
	}
	var older []CheckpointEntry
	for _, e := range list {
		if e.Epoch <= c.saved {
			older = append(older, e)
		}
	}
	for i, e := range older {
		if i >= len(older)-c.Keep || e.Latest || e.Best {
			continue
		}
		if err := os.RemoveAll(filepath.Join(c.Dir, e.Name)); err != nil {
			return fmt.Errorf("train: removing old checkpoint: %w", err)
		}
	}
	return nil
}

// CheckpointEntry is one checkpoint directory of a run.
type CheckpointEntry struct {
	Name         string // e.g. "epoch-000012", or "epoch-000012-batch-000005"
	Epoch        int    // epochs completed
	Batch        int    // minibatches of the next epoch completed (interrupted runs)
	Latest, Best bool   // named by the latest / best pointer
}

// ListCheckpoints returns the checkpoint directories in dir, oldest first.
func ListCheckpoints(dir string) ([]CheckpointEntry, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	latest, _ := readPointer(dir, latestFile)
	best, _ := readPointer(dir, bestFile)
	var out []CheckpointEntry
	for _, e := range entries {
		m := epochDirRE.FindStringSubmatch(e.Name())
		if m == nil || !e.IsDir() {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[2]) // 0 when absent
		out = append(out, CheckpointEntry{Name: e.Name(), Epoch: n, Batch: b, Latest: e.Name() == latest, Best: e.Name() == best})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Epoch != out[j].Epoch {
			return out[i].Epoch < out[j].Epoch
		}
		return out[i].Batch < out[j].Batch
	})
	return out, nil
}

// encodeNPZ writes params as an .npz and describes each array.
func encodeNPZ(file string, params []graph.Param) ([]byte, []arrayJSON, error) {
	var arrays []npy.Array
	var desc []arrayJSON
	for _, p := range params {
		a := npy.Array{Name: p.Name, Shape: p.Value.Shape().Clone(), Data: p.Value.Data()}
		dt := "<f4"
		if _, ok := a.Data.([]float64); ok {
			dt = "<f8"
		}
		arrays = append(arrays, a)
		desc = append(desc, arrayJSON{Name: p.Name, File: file, Shape: a.Shape, Dtype: dt})
	}
	var b bytes.Buffer
	if err := npy.WriteNPZ(&b, arrays); err != nil {
		return nil, nil, fmt.Errorf("train: checkpoint %s: %w", file, err)
	}
	return b.Bytes(), desc, nil
}

// writeFileSync writes b to a new file and syncs it.
func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("train: checkpoint: writing %s: %w", path, pathCause(err))
	}
	return nil
}

// syncDir makes a directory's entries (new names, renames) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("train: checkpoint: syncing %s: %w", dir, err)
	}
	return nil
}

// writePointer atomically replaces dir/file with the line name.
func writePointer(dir, file, name string) error {
	f, err := os.CreateTemp(dir, ".tmp-"+file+"-")
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	tmp := f.Name()
	err = f.Chmod(0o644)
	if err == nil {
		_, err = f.WriteString(name + "\n")
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, file))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("train: checkpoint: updating %s: %w", file, err)
	}
	return syncDir(dir)
}

// readPointer returns the checkpoint name in dir/file.
func readPointer(dir, file string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return "", err
	}
	name := strings.TrimSpace(string(b))
	if !epochDirRE.MatchString(name) {
		return "", fmt.Errorf("train: %s: %q is not a checkpoint name (epoch-NNNNNN): the file is corrupt; point it at one of the epoch-* directories", filepath.Join(dir, file), name)
	}
	return name, nil
}

// OpenCheckpoint loads and verifies a checkpoint. path is a run's
// checkpoint directory (its latest checkpoint is used), a latest or best
// pointer file in it, or one epoch-NNNNNN directory. It checks the magic
// string and format version, every file's size and SHA-256, and that the
// arrays have the shapes the manifest records; any failure is an error
// naming the file and what to do.
func OpenCheckpoint(path string) (*Checkpoint, error) {
	dir, err := resolveCheckpoint(path)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) && dir != path {
		run := filepath.Dir(dir)
		return nil, fmt.Errorf("train: %s names %s, which does not exist: point it at one of the epoch-* directories in %s",
			filepath.Join(run, pointerOf(path)), filepath.Base(dir), run)
	}
	return decodeCheckpoint(dir, func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) })
}

// pointerOf returns which pointer file path resolved through.
func pointerOf(path string) string {
	if filepath.Base(path) == bestFile {
		return bestFile
	}
	return latestFile
}

// decodeCheckpoint reads and verifies the checkpoint in dir, whose files
// read returns by name. It never panics, whatever the files hold (see
// FuzzReadCheckpoint).
func decodeCheckpoint(dir string, read func(name string) ([]byte, error)) (*Checkpoint, error) {
	mpath := filepath.Join(dir, manifestFile)
	raw, err := read(manifestFile)
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", dir, err)
	}
	var head struct {
		Magic         string `json:"magic"`
		FormatVersion int    `json:"format_version"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("train: %s is not valid JSON (%v): the checkpoint is corrupt or truncated; use an earlier epoch-* directory", mpath, err)
	}
	if head.Magic != CheckpointMagic {
		return nil, fmt.Errorf("train: %s is not an unroll checkpoint manifest (magic %q, want %q)", mpath, head.Magic, CheckpointMagic)
	}
	if head.FormatVersion < oldestVersion || head.FormatVersion > CheckpointVersion {
		reads := fmt.Sprintf("version %d", CheckpointVersion)
		if oldestVersion < CheckpointVersion {
			reads = fmt.Sprintf("versions %d to %d", oldestVersion, CheckpointVersion)
		}
		return nil, fmt.Errorf("train: checkpoint %s has format version %d but this program reads %s: use the unroll version that wrote it, or start a new run", dir, head.FormatVersion, reads)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("train: %s: %v: the checkpoint is corrupt; use an earlier epoch-* directory", mpath, err)
	}
	corrupt := func(format string, args ...any) error {
		return fmt.Errorf("train: %s: "+format+": the manifest is corrupt; use an earlier epoch-* directory", append([]any{mpath}, args...)...)
	}
	cfg, err := m.Train.config()
	if err != nil {
		return nil, fmt.Errorf("train: %s: %w", mpath, err)
	}
	if m.Epoch < 0 || m.Updates < 0 || m.Iterator.BatchIndex < 0 {
		return nil, corrupt("negative epoch %d, updates %d or batch index %d", m.Epoch, m.Updates, m.Iterator.BatchIndex)
	}
	if (m.Iterator.BatchIndex > 0) != (m.Partial != nil) {
		return nil, corrupt("batch index %d with%s a partial epoch", m.Iterator.BatchIndex, map[bool]string{true: "", false: "out"}[m.Partial != nil])
	}
	c := &Checkpoint{
		RunInfo:  RunInfo{Model: m.Model, TokenKind: m.TokenKind, Vocab: m.Vocab, Data: m.Data, Settings: m.Settings},
		Path:     dir,
		Version:  m.FormatVersion,
		Created:  m.Created,
		Config:   cfg,
		Epoch:    m.Epoch,
		Batch:    m.Iterator.BatchIndex,
		Updates:  m.Updates,
		RNGState: m.Iterator.RNGState,
		Solver:   SolverState{Name: m.Optimizer.Name, Hyper: m.Optimizer.Hyper, Step: m.Optimizer.Step},
		Files:    m.Files,
	}
	if p := m.Partial; p != nil {
		if p.Tokens < 0 || p.Seconds < 0 || math.IsNaN(p.Seconds) {
			return nil, corrupt("partial epoch of %d tokens, %v seconds", p.Tokens, p.Seconds)
		}
		c.partial = &partialEpoch{batches: m.Iterator.BatchIndex, ppl: Perplexity{sum: float64(p.LossSum), tokens: p.Tokens},
			normSum: float64(p.GradNormSum), spent: seconds(p.Seconds), clipped: max(p.Clipped, 0)}
	}
	for _, r := range m.Metrics {
		c.History = append(c.History, r.stats())
	}
	if len(m.Vocab) != m.Model.VocabSize {
		return nil, corrupt("%d vocabulary tokens for a model of vocab_size %d", len(m.Vocab), m.Model.VocabSize)
	}
	if len(c.History) != c.Epoch {
		return nil, corrupt("%d metrics entries for epoch %d", len(c.History), c.Epoch)
	}
	arrays := map[string][]npy.Array{}
	for _, f := range m.Files {
		if f.Name != paramsFile && f.Name != optimizerFile && f.Name != stateFile {
			return nil, corrupt("it lists an unknown file %q", f.Name)
		}
		if _, dup := arrays[f.Name]; dup {
			return nil, corrupt("it lists %s twice", f.Name)
		}
		p := filepath.Join(dir, f.Name)
		b, err := read(f.Name)
		if err != nil {
			return nil, fmt.Errorf("train: checkpoint file missing or unreadable: %w; use an earlier epoch-* directory", err)
		}
		if int64(len(b)) != f.Bytes {
			return nil, fmt.Errorf("train: %s has %d bytes, the manifest says %d: the file is truncated or changed; use an earlier epoch-* directory", p, len(b), f.Bytes)
		}
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != f.SHA256 {
			return nil, fmt.Errorf("train: %s does not match its SHA-256 in the manifest: the file is corrupt; use an earlier epoch-* directory", p)
		}
		a, err := npy.ReadNPZ(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return nil, fmt.Errorf("train: %s: %v; use an earlier epoch-* directory", p, err)
		}
		arrays[f.Name] = a
	}
	if c.Params, err = matchArrays(dir, m.Params, arrays); err != nil {
		return nil, err
	}
	if c.Solver.Tensors, err = matchArrays(dir, m.Optimizer.Tensors, arrays); err != nil {
		return nil, err
	}
	if c.State, err = matchArrays(dir, m.State, arrays); err != nil {
		return nil, err
	}
	if len(c.Params) == 0 {
		return nil, corrupt("it lists no parameters")
	}
	if c.partial != nil && len(c.State) == 0 {
		return nil, corrupt("a checkpoint inside an epoch without its hidden state")
	}
	// The model the manifest describes must be the one its arrays hold, so
	// that NewModel never allocates what a damaged manifest claims.
	saved := 0
	for _, p := range c.Params {
		saved += p.Value.DataSize()
	}
	if !m.Model.paramBound(saved) {
		return nil, corrupt("its model (%s, vocab_size %d, num_hiddens %d) does not match its %d saved parameter values", m.Model.Kind, m.Model.VocabSize, m.Model.NumHiddens, saved)
	}
	return c, nil
}

// paramBound checks that the spec's sizes fit saved parameter values
// before NewModel allocates the model (a damaged manifest must not make
// it allocate what it claims): the output layer alone holds
// (num_hiddens * directions + 1) * vocab_size values and every layer at
// least num_hiddens (a bias). The built model's parameters are then
// compared with the saved ones name by name and shape by shape.
func (s ModelSpec) paramBound(saved int) bool {
	v, h, l := float64(s.VocabSize), float64(s.NumHiddens), float64(max(s.NumLayers, 1))
	dirs := 1.0
	if s.Bidirectional {
		dirs = 2
	}
	if v < 1 || h < 1 || s.NumLayers < 0 {
		return false
	}
	return (h*dirs+1)*v+l*h*dirs <= float64(saved)
}

// firstNonFinite returns the first NaN or +-Inf value of t.
func firstNonFinite(t *tensor.Dense) (float64, bool) {
	switch d := t.Data().(type) {
	case []float32:
		for _, v := range d {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return f, true
			}
		}
	case []float64:
		for _, v := range d {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return v, true
			}
		}
	}
	return 0, false
}

// SavePauseEnv names a test hook, for the tests that kill a process in the
// middle of a checkpoint save: when it is set to "N:PATH", the N-th Save of
// the process, once every file of the new checkpoint is written and synced
// in its temporary directory but before that is renamed into place and
// latest is updated, writes PATH and sleeps for an hour. It has no other
// use.
const SavePauseEnv = "UNROLL_TEST_SAVE_PAUSE"

var savesBeforePause = 0

// testPauseBeforeRename implements SavePauseEnv.
func testPauseBeforeRename(tmp string) {
	v := os.Getenv(SavePauseEnv)
	if v == "" {
		return
	}
	n, path, ok := strings.Cut(v, ":")
	want, err := strconv.Atoi(n)
	if !ok || err != nil {
		return
	}
	savesBeforePause++
	if savesBeforePause != want {
		return
	}
	os.WriteFile(path, []byte(tmp+"\n"), 0o644)
	time.Sleep(time.Hour)
}

// matchArrays returns the arrays the manifest describes, as tensors,
// checking that each is present with the recorded shape and dtype.
func matchArrays(dir string, want []arrayJSON, files map[string][]npy.Array) ([]graph.Param, error) {
	var out []graph.Param
	for _, w := range want {
		var found *npy.Array
		for i, a := range files[w.File] {
			if a.Name == w.Name {
				found = &files[w.File][i]
				break
			}
		}
		p := filepath.Join(dir, w.File)
		if found == nil {
			return nil, fmt.Errorf("train: %s has no array %s (or the file is not listed in the manifest): the checkpoint is incomplete; use an earlier epoch-* directory", p, w.Name)
		}
		dt := "<f4"
		if _, ok := found.Data.([]float64); ok {
			dt = "<f8"
		}
		if !slices.Equal(found.Shape, w.Shape) || dt != w.Dtype {
			return nil, fmt.Errorf("train: %s: %s is %s %v, the manifest says %s %v: the checkpoint is corrupt", p, w.Name, dt, found.Shape, w.Dtype, w.Shape)
		}
		shape := found.Shape
		if len(shape) == 0 {
			shape = []int{1}
		}
		if found.Size() == 0 {
			return nil, fmt.Errorf("train: %s: %s has no values (shape %v): the checkpoint is corrupt; use an earlier epoch-* directory", p, w.Name, found.Shape)
		}
		out = append(out, graph.Param{Name: w.Name, Value: tensor.New(tensor.WithShape(shape...), tensor.WithBacking(found.Data))})
	}
	return out, nil
}

// resolveCheckpoint turns path into an epoch directory.
func resolveCheckpoint(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("train: no checkpoint at %s: train with -checkpoint %s first, or check the path", path, path)
		}
		return "", fmt.Errorf("train: %w", err)
	}
	if !fi.IsDir() {
		base := filepath.Base(path)
		if base != latestFile && base != bestFile {
			return "", fmt.Errorf("train: %s is a file: pass a checkpoint directory, an epoch-* directory in it, or its latest or best file", path)
		}
		name, err := readPointer(filepath.Dir(path), base)
		if err != nil {
			return "", err
		}
		return filepath.Join(filepath.Dir(path), name), nil
	}
	if _, err := os.Stat(filepath.Join(path, manifestFile)); err == nil {
		return path, nil
	}
	name, err := readPointer(path, latestFile)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("train: no checkpoint in %s (no %s, no %s): train with -checkpoint %s first", path, latestFile, manifestFile, path)
	} else if err != nil {
		return "", err
	}
	return filepath.Join(path, name), nil
}
