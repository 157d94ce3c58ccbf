package clitest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/unroll/unroll/train/npz"
)

// NaNCheckpoint copies the checkpoint directory epochDir (an
// epoch-NNNNNN directory) into a new run directory under t.TempDir(),
// with the first value of its params.npz's first array replaced by NaN
// and the manifest's size and SHA-256 of the file updated to match, so
// that only the NaN is wrong; latest names it. It returns the new run
// directory.
func NaNCheckpoint(t *testing.T, epochDir string) string {
	t.Helper()
	run := filepath.Join(t.TempDir(), "nan-ck")
	name := filepath.Base(epochDir)
	dst := filepath.Join(run, name)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(epochDir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(epochDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	arrays, err := npz.Read(bytes.NewReader(files["params.npz"]), int64(len(files["params.npz"])))
	if err != nil {
		t.Fatal(err)
	}
	switch d := arrays[0].Data.(type) {
	case []float32:
		d[0] = float32(math.NaN())
	case []float64:
		d[0] = math.NaN()
	}
	var b bytes.Buffer
	if err := npz.Write(&b, arrays); err != nil {
		t.Fatal(err)
	}
	files["params.npz"] = b.Bytes()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(files["manifest.json"]))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	for _, f := range m["files"].([]any) {
		e := f.(map[string]any)
		if e["name"] == "params.npz" {
			sum := sha256.Sum256(files["params.npz"])
			e["bytes"], e["sha256"] = b.Len(), hex.EncodeToString(sum[:])
		}
	}
	if files["manifest.json"], err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	for f, b := range files {
		if err := os.WriteFile(filepath.Join(dst, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(run, "latest"), []byte(name+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return run
}
