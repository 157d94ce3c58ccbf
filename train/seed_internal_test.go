package train

import (
	"encoding/json"
	"math"
	"testing"
)

// TestSeedJSON: the sampling seed is uint64, as the weight seed; a
// checkpoint written while it was int64 may hold a negative seed, which
// reads as its absolute value (Python's random.seed(-s) is random.seed(s)).
func TestSeedJSON(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
	}{
		{`0`, 0},
		{`7`, 7},
		{`-5`, 5},
		{`18446744073709551615`, math.MaxUint64},
		{`-9223372036854775808`, 1 << 63},
	} {
		var j configJSON
		if err := json.Unmarshal([]byte(`{"sampling":"sequential","seed":`+tc.in+`}`), &j); err != nil {
			t.Errorf("seed %s: %v", tc.in, err)
			continue
		}
		c, err := j.config()
		if err != nil || c.Seed != tc.want {
			t.Errorf("seed %s: read %d (%v), want %d", tc.in, c.Seed, err, tc.want)
		}
		if b, err := json.Marshal(toConfigJSON(c)); err != nil || !json.Valid(b) {
			t.Errorf("seed %s: writing it back: %v", tc.in, err)
		}
	}
	var j configJSON
	if err := json.Unmarshal([]byte(`{"seed":"x"}`), &j); err == nil {
		t.Error(`seed "x": no error`)
	}
}
