package datasets

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/unroll/unroll/internal/safeio"
)

// Source names where the training text comes from when no -data file is
// given.
type Source string

const (
	// Auto uses The Time Machine if it is cached or can be downloaded and
	// falls back to Opticks otherwise, with a notice.
	Auto Source = "auto"
	// TimeMachine uses H. G. Wells' "The Time Machine", the book's corpus,
	// from the cache or downloaded; it never falls back.
	TimeMachine Source = "timemachine"
	// Opticks uses Isaac Newton's "Opticks", which ships with every Go
	// installation as $GOROOT/src/testdata/Isaac.Newton-Opticks.txt.
	Opticks Source = "opticks"
)

// ParseSource parses "auto", "timemachine" or "opticks".
func ParseSource(s string) (Source, error) {
	switch src := Source(s); src {
	case Auto, TimeMachine, Opticks:
		return src, nil
	}
	return "", fmt.Errorf("datasets: unknown data source %q: use auto, timemachine or opticks", s)
}

const (
	// DefaultURL is where the book downloads The Time Machine from
	// (d2l.DATA_URL + 'timemachine.txt').
	DefaultURL = "http://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt"
	// DefaultSHA1 is the book's checksum of timemachine.txt
	// (d2l.DATA_HUB['time_machine']).
	DefaultSHA1 = "090b5e7e70c295757f55df93cb0a180b9691891a"
	// CacheFileName is the name of the cached copy inside the cache
	// directory.
	CacheFileName = "timemachine.txt"
	// DefaultTimeout bounds a download when Fetcher.Client is nil.
	DefaultTimeout = 30 * time.Second
	// opticksRel is Opticks' path below GOROOT.
	opticksRel = "src/testdata/Isaac.Newton-Opticks.txt"
	// maxDownload caps the size of a download; the book is 174 kB.
	maxDownload = 16 << 20
)

// Fetcher finds and reads the training text. The zero value is ready to use;
// every empty field takes its default.
type Fetcher struct {
	// CacheDir holds the downloaded book as CacheDir/timemachine.txt.
	// Default: os.UserCacheDir()/unroll.
	CacheDir string
	// URL is where The Time Machine is downloaded from. Default: DefaultURL.
	URL string
	// SHA1 is the expected hex SHA-1 of the download and of the cached copy.
	// Default: DefaultSHA1.
	SHA1 string
	// Client makes the download. Default: an http.Client with a
	// DefaultTimeout (30 s) timeout.
	Client *http.Client
	// GOROOT is where Opticks is looked up. Default: the first of the
	// GOROOT environment variable, runtime.GOROOT() and the output of
	// "go env GOROOT" that holds src/testdata/Isaac.Newton-Opticks.txt.
	GOROOT string
	// DataName is how the caller's user names a data path of their own,
	// for the messages that suggest one: cmd/train sets "-data PATH".
	// Default: "its path as Load's dataPath".
	DataName string
}

// dataName is DataName or its default.
func (f *Fetcher) dataName() string {
	if f.DataName != "" {
		return f.DataName
	}
	return "its path as Load's dataPath"
}

// Load returns the training text, a name for it (its path, or the URL) and,
// if Load had to fall back, a one-line notice for the user.
//
// If dataPath is not empty Load reads that file and src is ignored.
// Otherwise:
//
//   - TimeMachine returns the cached copy if its SHA-1 matches, else
//     downloads the book, checks its SHA-1 (a mismatch is an error and
//     nothing is written) and caches it atomically. If it can be neither
//     found nor downloaded the error says how to provide it by hand.
//   - Opticks reads Newton's Opticks from GOROOT.
//   - Auto tries TimeMachine and on any failure uses Opticks, returning a
//     notice that explains why and how to get the book.
func (f *Fetcher) Load(ctx context.Context, src Source, dataPath string) (text []byte, name string, notice string, err error) {
	if dataPath != "" {
		text, err := readDataFile(dataPath)
		return text, dataPath, "", err
	}
	switch src {
	case TimeMachine:
		return f.loadTimeMachine(ctx)
	case Opticks:
		text, name, err := f.loadOpticks(ctx)
		return text, name, "", err
	case Auto:
		text, name, notice, tmErr := f.loadTimeMachine(ctx)
		if tmErr == nil {
			return text, name, notice, nil
		}
		reason := tmErr
		var off *offlineError
		if errors.As(tmErr, &off) {
			reason = off.reason
		}
		text, name, opErr := f.loadOpticks(ctx)
		if opErr != nil {
			return nil, "", "", fmt.Errorf("datasets: The Time Machine is not cached and could not be downloaded (%w), and Newton's Opticks is not available either (%w): download %s and pass %s",
				reason, opErr, f.url(), f.dataName())
		}
		notice = fmt.Sprintf("unroll: The Time Machine is not cached and could not be downloaded (%v); training on Newton's Opticks from GOROOT instead. To use the book: download %s and pass %s, or %s.",
			reason, f.url(), f.dataName(), f.placeHint())
		return text, name, notice, nil
	}
	return nil, "", "", fmt.Errorf("datasets: unknown data source %q: use auto, timemachine or opticks", string(src))
}

// readDataFile reads a user-supplied text file (whole: Corpus streams
// it instead).
func readDataFile(path string) ([]byte, error) {
	f, err := openDataFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	text, err := io.ReadAll(f)
	if err != nil {
		return nil, &TextError{Path: path, Read: true, Problem: err.Error(), Fix: FixPathPerms, Err: err}
	}
	if len(text) == 0 {
		return nil, &TextError{Path: path, Problem: "is empty", Fix: FixNonEmpty}
	}
	if err := CheckText(text, path); err != nil {
		return nil, err
	}
	return text, nil
}

// openDataFile opens a -data file, which must be a regular file: a
// directory, a device such as /dev/zero (which never ends), a FIFO (which
// may never deliver) or a socket is refused at once.
func openDataFile(path string) (*os.File, error) {
	if path == "" {
		return nil, &TextError{Problem: "the path is empty", Fix: FixFile}
	}
	f, _, err := safeio.OpenRegular(path)
	var nr *safeio.NotRegularError
	switch {
	case err == nil:
		return f, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, &TextError{Path: path, Read: true, Problem: "no such file", Fix: FixPath, Err: err}
	case errors.As(err, &nr) && nr.Kind == "a directory":
		return nil, &TextError{Path: path, Read: true, Problem: "it is a directory", Fix: FixNotDir, Err: err}
	case errors.As(err, &nr):
		return nil, &TextError{Path: path, Read: true, Problem: fmt.Sprintf("it is %s, not a regular file", nr.Kind), Fix: FixFile, Err: err}
	}
	return nil, &TextError{Path: path, Read: true, Problem: pathCause(err).Error(), Fix: FixPathPerms, Err: err}
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

// Corpus returns the corpus of the text Load would return, read with
// ReadCorpus with the options o: a -data file is streamed, so that only
// the first o.MaxTokens tokens (and the vocabulary's counts) are kept,
// whatever the file's size, and ctx stops the read. notice is Load's.
func (f *Fetcher) Corpus(ctx context.Context, src Source, dataPath string, o CorpusOptions) (c *Corpus, notice string, err error) {
	if dataPath != "" {
		file, err := openDataFile(dataPath)
		if err != nil {
			return nil, "", err
		}
		defer file.Close()
		c, err := ReadCorpus(ctx, file, dataPath, o)
		return c, "", err
	}
	text, name, notice, err := f.Load(ctx, src, dataPath)
	if err != nil {
		return nil, "", err
	}
	c, err = ReadCorpus(ctx, bytes.NewReader(text), name, o)
	return c, notice, err
}

// offlineError reports that The Time Machine is neither cached nor
// downloadable; reason is the short cause shown to the user.
type offlineError struct {
	msg    string
	reason error
}

func (e *offlineError) Error() string { return e.msg }
func (e *offlineError) Unwrap() error { return e.reason }

// loadTimeMachine returns the cached book or downloads and caches it.
func (f *Fetcher) loadTimeMachine(ctx context.Context) (text []byte, name, notice string, err error) {
	want := strings.ToLower(f.sha1())
	cachePath, cacheErr := f.cachePath()
	if cacheErr == nil {
		if b, err := safeio.ReadFile(cachePath, maxDownload); err == nil && sha1Hex(b) == want {
			return b, cachePath, "", nil
		}
		// Missing or stale (wrong checksum): download a fresh copy below.
	}
	b, err := f.download(ctx, want)
	if err != nil {
		return nil, "", "", &offlineError{
			msg: fmt.Sprintf("datasets: The Time Machine is not cached and could not be downloaded (%v): download %s and pass %s, or %s",
				err, f.url(), f.dataName(), f.placeHint()),
			reason: err,
		}
	}
	if cacheErr != nil {
		return b, f.url(), fmt.Sprintf("unroll: downloaded The Time Machine but cannot cache it (%v); it will be downloaded again next time.", cacheErr), nil
	}
	if err := writeFileAtomic(cachePath, b); err != nil {
		return b, f.url(), fmt.Sprintf("unroll: downloaded The Time Machine but could not cache it (%v); it will be downloaded again next time.", err), nil
	}
	return b, cachePath, "", nil
}

// download fetches the book and checks its SHA-1 against want (lower-case
// hex). Its errors are short: they end up inside a longer message.
func (f *Fetcher) download(ctx context.Context, want string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := f.client().Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return nil, ue.Err // drop the repeated "Get URL:" prefix
		}
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("server answered %s", resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return nil, fmt.Errorf("reading the download: %w", err)
	}
	if len(b) > maxDownload {
		return nil, fmt.Errorf("download is larger than %d MiB, not the book", maxDownload>>20)
	}
	if got := sha1Hex(b); got != want {
		return nil, fmt.Errorf("SHA-1 mismatch: got %s, want %s", got, want)
	}
	return b, nil
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory that is synced and then renamed, so path is either absent or
// complete.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".timemachine-*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// loadOpticks reads Newton's Opticks from GOROOT.
func (f *Fetcher) loadOpticks(ctx context.Context) ([]byte, string, error) {
	path := f.opticksPath(ctx)
	if path == "" {
		return nil, "", fmt.Errorf("datasets: cannot find GOROOT to read Newton's Opticks from: set GOROOT or pass %s", f.dataName())
	}
	text, err := safeio.ReadFile(path, maxDownload)
	if err != nil {
		return nil, "", fmt.Errorf("datasets: read Newton's Opticks: %w: it ships with Go as $GOROOT/%s; set GOROOT to a full Go installation or pass %s", err, opticksRel, f.dataName())
	}
	if len(text) == 0 {
		return nil, "", fmt.Errorf("datasets: %s is empty: set GOROOT to an intact Go installation or pass %s", path, f.dataName())
	}
	return text, path, nil
}

// opticksPath returns the path of Opticks in the first GOROOT candidate
// that has it (Fetcher.GOROOT alone if set; else $GOROOT, runtime.GOROOT(),
// "go env GOROOT"), or the path in the first candidate if none has it, or ""
// if no GOROOT is known at all.
func (f *Fetcher) opticksPath(ctx context.Context) string {
	rel := filepath.FromSlash(opticksRel)
	if f.GOROOT != "" {
		return filepath.Join(f.GOROOT, rel)
	}
	var first string
	for i := 0; i < 3; i++ {
		var root string
		switch i {
		case 0:
			root = os.Getenv("GOROOT")
		case 1:
			//lint:ignore SA1019 deprecated, but right when built on this machine
			root = runtime.GOROOT()
		case 2:
			root = goEnvGOROOT(ctx) // runs "go" only when the others fail
		}
		if root == "" {
			continue
		}
		p := filepath.Join(root, rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if first == "" {
			first = p
		}
	}
	return first
}

func (f *Fetcher) url() string {
	if f.URL != "" {
		return f.URL
	}
	return DefaultURL
}

func (f *Fetcher) sha1() string {
	if f.SHA1 != "" {
		return f.SHA1
	}
	return DefaultSHA1
}

func (f *Fetcher) client() *http.Client {
	if f.Client != nil {
		return f.Client
	}
	return &http.Client{Timeout: DefaultTimeout}
}

// cachePath returns CacheDir/timemachine.txt, with the default CacheDir.
func (f *Fetcher) cachePath() (string, error) {
	dir := f.CacheDir
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(base, "unroll")
	}
	return filepath.Join(dir, CacheFileName), nil
}

// placeHint tells the user where to put the book by hand.
func (f *Fetcher) placeHint() string {
	if p, err := f.cachePath(); err == nil {
		return "put it at " + p
	}
	return "set a cache directory and put it there as " + CacheFileName
}

// goEnvGOROOT returns the output of "go env GOROOT", or "" if that fails.
func goEnvGOROOT(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "go", "env", "GOROOT").Output()
	if err != nil {
		return ""
	}
	return string(bytes.TrimSpace(out))
}

func sha1Hex(b []byte) string {
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}
