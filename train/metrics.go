package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// record is one epoch of metrics as JSON: a line of the -metrics file and
// an entry of a checkpoint's history. Fields, in order:
//
//	epoch             1-based epoch number
//	train_perplexity  perplexity on the epoch's training minibatches
//	val_perplexity    perplexity on the validation tokens; null if not evaluated
//	tokens_per_sec    training tokens per second of the epoch
//	grad_norm         mean global gradient norm before clipping
//	lr                learning rate of the epoch
//	tokens            training tokens of the epoch
//	epoch_seconds     wall time of the epoch's training
//	elapsed_seconds   wall time of the run so far (resumed runs included)
//	time              when the epoch ended, RFC 3339
//	grad_flow         with Config.GradFlow (absent without): dh1 and dhT,
//	                  ||dL/dH_1|| and ||dL/dH_T|| on the epoch's last
//	                  minibatch, ratio dh1/dhT, clipped (minibatches whose
//	                  gradient norm exceeded clip) and batches
//
// A value that is not finite is written as null (JSON has no such
// numbers, and a string would turn a column of numbers into one of text
// for the tools that read it). A Trainer never hands a hook a perplexity
// that is not finite: the run stops (ErrDiverged) instead. Files written
// before, with the strings "+Inf" or "NaN", still read.
type record struct {
	Epoch         int       `json:"epoch"`
	Perplexity    jfloat    `json:"train_perplexity"`
	ValPerplexity *jfloat   `json:"val_perplexity"`
	TokensPerSec  jfloat    `json:"tokens_per_sec"`
	GradNorm      jfloat    `json:"grad_norm"`
	LR            jfloat    `json:"lr"`
	Tokens        int       `json:"tokens"`
	Seconds       float64   `json:"epoch_seconds"`
	Elapsed       float64   `json:"elapsed_seconds"`
	Time          time.Time `json:"time"`
	Flow          *flowJSON `json:"grad_flow,omitempty"`
}

type flowJSON struct {
	DH1     jfloat `json:"dh1"`
	DHT     jfloat `json:"dhT"`
	Ratio   jfloat `json:"ratio"`
	Clipped int    `json:"clipped"`
	Batches int    `json:"batches"`
}

func toRecord(s EpochStats) record {
	r := record{
		Epoch: s.Epoch, Perplexity: jfloat(s.Perplexity), TokensPerSec: jfloat(s.TokensPerSec),
		GradNorm: jfloat(s.GradNorm), LR: jfloat(s.LR), Tokens: s.Tokens,
		Seconds: s.Duration.Seconds(), Elapsed: s.Elapsed.Seconds(), Time: s.End,
	}
	if s.ValPerplexity != 0 {
		v := jfloat(s.ValPerplexity)
		r.ValPerplexity = &v
	}
	if f := s.Flow; f != nil {
		r.Flow = &flowJSON{DH1: jfloat(f.DH1), DHT: jfloat(f.DHT), Ratio: jfloat(f.Ratio), Clipped: f.Clipped, Batches: f.Batches}
	}
	return r
}

func (r record) stats() EpochStats {
	s := EpochStats{
		Epoch: r.Epoch, Perplexity: float64(r.Perplexity), TokensPerSec: float64(r.TokensPerSec),
		GradNorm: float64(r.GradNorm), LR: float64(r.LR), Tokens: r.Tokens,
		Duration: seconds(r.Seconds), Elapsed: seconds(r.Elapsed), End: r.Time,
	}
	if r.ValPerplexity != nil {
		s.ValPerplexity = float64(*r.ValPerplexity)
	}
	if f := r.Flow; f != nil {
		s.Flow = &FlowStats{DH1: float64(f.DH1), DHT: float64(f.DHT), Ratio: float64(f.Ratio), Clipped: f.Clipped, Batches: f.Batches}
	}
	return s
}

func seconds(s float64) time.Duration { return time.Duration(math.Round(s * 1e9)) }

// jfloat is a float64 whose JSON form also covers NaN and +-Inf: they are
// written as null, and read from null (as NaN) or from the strings "NaN",
// "+Inf" and "-Inf" that older versions wrote. Finite values are written
// in the shortest form that reads back to the same float64.
type jfloat float64

func (f jfloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

func (f *jfloat) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = jfloat(math.NaN())
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("train: bad number %q", s)
		}
		*f = jfloat(v)
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = jfloat(v)
	return nil
}

// MetricsJSON returns a Hook that writes one JSON object per epoch, one per
// line (JSON Lines), to w. See WriteMetrics for the fields.
func MetricsJSON(w io.Writer) Hook {
	return HookFunc(func(s EpochStats) error { return WriteMetrics(w, s) })
}

// WriteMetrics writes each epoch's stats as one line of JSON:
//
//	{"epoch":1,"train_perplexity":17.3,"val_perplexity":15.9,"tokens_per_sec":31012.5,
//	 "grad_norm":0.82,"lr":1,"tokens":8960,"epoch_seconds":0.29,"elapsed_seconds":0.31,
//	 "time":"2025-01-02T15:04:05.123Z"}
//
// val_perplexity is null for an epoch without a validation evaluation.
// Each line is written with one Write call.
func WriteMetrics(w io.Writer, stats ...EpochStats) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, s := range stats {
		buf.Reset()
		if err := enc.Encode(toRecord(s)); err != nil {
			return fmt.Errorf("train: metrics: %w", err)
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("train: metrics: %w", err)
		}
	}
	return nil
}

// ReadMetrics reads what WriteMetrics wrote.
func ReadMetrics(r io.Reader) ([]EpochStats, error) {
	var out []EpochStats
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var rec record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, fmt.Errorf("train: metrics line %d: %w", n, err)
		}
		out = append(out, rec.stats())
	}
	return out, sc.Err()
}
