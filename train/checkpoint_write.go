package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/unroll/unroll/graph"
	"github.com/unroll/unroll/train/npz"
)

// namedFile is a checkpoint file's name and contents.
type namedFile struct {
	name string
	data []byte
}

// encodeCheckpoint returns the files of a checkpoint of s, a trainer with
// configuration cfg on the run info describes, created at created:
// params.npz, optimizer.npz (if the optimizer has tensors), state.npz
// (inside an epoch) and manifest.json, which lists the others with their
// sizes and SHA-256, in the order they are to be written.
func encodeCheckpoint(s Snapshot, cfg Config, info RunInfo, created time.Time) ([]namedFile, error) {
	batches := 0
	if s.Partial != nil {
		batches = s.Partial.Batches
	}
	m := manifest{
		Magic: CheckpointMagic, FormatVersion: CheckpointVersion, Created: created,
		Epoch: s.Epoch, Updates: s.Updates, Model: info.Model, Train: toConfigJSON(cfg), Data: info.Data,
		TokenKind: info.TokenKind, Vocab: info.Vocab,
		Iterator:  iteratorJSON{Sampling: cfg.Sampling.String(), RNG: "python-mt19937", RNGState: s.RNGState, BatchIndex: batches},
		Optimizer: optimizerJSON{Name: s.Solver.Name, Hyper: s.Solver.Hyper, Step: s.Solver.Step},
		Settings:  info.Settings,
	}
	for _, e := range s.History {
		m.Metrics = append(m.Metrics, toRecord(e))
	}
	var files []namedFile
	add := func(name string, arrays []graph.Param) ([]arrayJSON, error) {
		b, desc, err := encodeNPZ(name, arrays)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		m.Files = append(m.Files, FileInfo{Name: name, Bytes: int64(len(b)), SHA256: hex.EncodeToString(sum[:])})
		files = append(files, namedFile{name, b})
		return desc, nil
	}
	var err error
	if m.Params, err = add(paramsFile, s.Params); err != nil {
		return nil, err
	}
	if len(s.Solver.Tensors) > 0 {
		if m.Optimizer.Tensors, err = add(optimizerFile, s.Solver.Tensors); err != nil {
			return nil, err
		}
	}
	if p := s.Partial; p != nil && batches > 0 {
		m.Partial = &partialJSON{LossSum: jfloat(p.LossSum), Tokens: p.Tokens, GradNormSum: jfloat(p.GradNormSum), Seconds: p.Spent.Seconds(), Clipped: p.Clipped}
		if m.State, err = add(stateFile, stateParams(s.State)); err != nil {
			return nil, err
		}
	}
	var mb bytes.Buffer
	enc := json.NewEncoder(&mb)
	enc.SetEscapeHTML(false) // "<unk>", not "\u003cunk\u003e"
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("train: checkpoint manifest: %w", err)
	}
	return append(files, namedFile{manifestFile, mb.Bytes()}), nil
}

// encodeNPZ writes params as an .npz and describes each array.
func encodeNPZ(file string, params []graph.Param) ([]byte, []arrayJSON, error) {
	var arrays []npz.Array
	var desc []arrayJSON
	for _, p := range params {
		a := npz.Array{Name: p.Name, Shape: p.Value.Shape().Clone(), Data: p.Value.Data()}
		dt := "<f4"
		if _, ok := a.Data.([]float64); ok {
			dt = "<f8"
		}
		arrays = append(arrays, a)
		desc = append(desc, arrayJSON{Name: p.Name, File: file, Shape: a.Shape, Dtype: dt})
	}
	var b bytes.Buffer
	if err := npz.Write(&b, arrays); err != nil {
		return nil, nil, fmt.Errorf("train: checkpoint %s: %w", file, err)
	}
	return b.Bytes(), desc, nil
}
