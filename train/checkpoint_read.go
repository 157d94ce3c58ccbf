package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"

	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/train/npz"
	"gorgonia.org/tensor"
)

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

// OpenCheckpoint loads and verifies a checkpoint. path is a run's
// checkpoint directory (its latest checkpoint is used), a latest or best
// pointer file in it, or one epoch-NNNNNN directory. It checks the magic
// string and format version, every file's size and SHA-256, and that the
// arrays have the shapes the manifest records, and that every parameter
// is finite; any failure is an error naming the file and what to do.
// Only regular files are read, each up to the size the manifest records.
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
	c, err := decodeCheckpoint(dir, func(name string, max int64) ([]byte, error) { return readBounded(filepath.Join(dir, name), max) })
	if err != nil {
		return nil, err
	}
	return c, refuseNonFinite(c)
}

// pointerOf returns which pointer file path resolved through.
func pointerOf(path string) string {
	if filepath.Base(path) == bestFile {
		return bestFile
	}
	return latestFile
}

// decodeCheckpoint reads and verifies the checkpoint in dir, whose files
// read returns by name, each read only up to max bytes (see
// readBounded). It never panics, whatever the files hold (see
// FuzzReadCheckpoint).
func decodeCheckpoint(dir string, read func(name string, max int64) ([]byte, error)) (*Checkpoint, error) {
	mpath := filepath.Join(dir, manifestFile)
	raw, err := read(manifestFile, maxManifestBytes)
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
		c.partial = &PartialEpoch{Batches: m.Iterator.BatchIndex, LossSum: float64(p.LossSum), Tokens: p.Tokens,
			GradNormSum: float64(p.GradNormSum), Spent: seconds(p.Seconds), Clipped: max(p.Clipped, 0)}
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
	arrays := map[string][]npz.Array{}
	for _, f := range m.Files {
		if f.Name != paramsFile && f.Name != optimizerFile && f.Name != stateFile {
			return nil, corrupt("it lists an unknown file %q", f.Name)
		}
		if _, dup := arrays[f.Name]; dup {
			return nil, corrupt("it lists %s twice", f.Name)
		}
		p := filepath.Join(dir, f.Name)
		if f.Bytes < 0 {
			return nil, corrupt("%s has %d bytes", f.Name, f.Bytes)
		}
		b, err := read(f.Name, f.Bytes)
		if err != nil {
			return nil, fmt.Errorf("train: checkpoint file missing or unreadable: %w; use an earlier epoch-* directory", err)
		}
		if int64(len(b)) != f.Bytes {
			return nil, fmt.Errorf("train: %s has %d bytes, the manifest says %d: the file is truncated or changed; use an earlier epoch-* directory", p, len(b), f.Bytes)
		}
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != f.SHA256 {
			return nil, fmt.Errorf("train: %s does not match its SHA-256 in the manifest: the file is corrupt; use an earlier epoch-* directory", p)
		}
		a, err := npz.Read(bytes.NewReader(b), int64(len(b)))
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

// matchArrays returns the arrays the manifest describes, as tensors,
// checking that each is present with the recorded shape and dtype.
func matchArrays(dir string, want []arrayJSON, files map[string][]npz.Array) ([]graph.Param, error) {
	var out []graph.Param
	for _, w := range want {
		var found *npz.Array
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

// NoCheckpointError is a path that holds no checkpoint: nothing exists
// there, or (Dir) a directory without a latest file or a manifest. A
// caller may save checkpoints there first (NewCheckpointer) or fix the path.
type NoCheckpointError struct {
	Path string
	Dir  bool
}

func (e *NoCheckpointError) Error() string {
	if e.Dir {
		return fmt.Sprintf("train: no checkpoint in %s (no %s, no %s)", e.Path, latestFile, manifestFile)
	}
	return fmt.Sprintf("train: no checkpoint at %s", e.Path)
}

// resolveCheckpoint turns path into an epoch directory.
func resolveCheckpoint(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", &NoCheckpointError{Path: path}
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
		return "", &NoCheckpointError{Path: path, Dir: true}
	} else if err != nil {
		return "", err
	}
	return filepath.Join(path, name), nil
}
