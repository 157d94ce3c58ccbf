package train

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/unroll/unroll/internal/safeio"
)

// Caps on what reading a checkpoint may take, counted in bytes read (a
// file's stat is not trusted: it may be a symlink to a device).
const (
	// maxManifestBytes bounds manifest.json. Its size is mostly the
	// metrics, about 300 bytes an epoch: 64 MiB is some 200,000 epochs.
	maxManifestBytes = 64 << 20
	// maxPointerBytes bounds latest and best, which hold one name.
	maxPointerBytes = 4 << 10
)

// readBounded reads the regular file path, at most max bytes; the data
// files of a checkpoint are read up to the size the manifest records, so
// a longer file fails after max+1 bytes whatever it is. Devices, FIFOs
// and sockets (a symlink to /dev/zero, say) are refused before any read.
func readBounded(path string, max int64) ([]byte, error) {
	b, err := safeio.ReadFile(path, max)
	var nr *safeio.NotRegularError
	var tl *safeio.TooLargeError
	hint := "" // the data files' errors get it from their caller
	if filepath.Base(path) == manifestFile {
		hint = ": the checkpoint is damaged; use an earlier epoch-* directory"
	}
	switch {
	case errors.As(err, &nr):
		return nil, fmt.Errorf("%s is %s, not a regular file%s", path, nr.Kind, hint)
	case errors.As(err, &tl):
		return nil, fmt.Errorf("%s holds more than the %d bytes expected%s", path, max, hint)
	}
	return b, err
}

// refuseNonFinite returns an error if a parameter of c is NaN or
// infinite: such a checkpoint can only come from a diverged run (this
// package never saves one), and sampling from it or resuming it would
// only spread the NaNs.
func refuseNonFinite(c *Checkpoint) error {
	for _, p := range c.Params {
		if v, ok := firstNonFinite(p.Value); ok {
			return fmt.Errorf("train: %s: parameter %s holds %v: the checkpoint is from a run that had diverged; use an earlier epoch-* directory",
				filepath.Join(c.Path, paramsFile), p.Name, v)
		}
	}
	return nil
}
