package datasets

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// bookServer serves body at /timemachine.txt on loopback and counts the
// requests it receives.
func bookServer(t *testing.T, body []byte) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != "/timemachine.txt" {
			http.NotFound(w, r)
			return
		}
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// synthetic is a stand-in for the book with its own checksum.
var synthetic = []byte("The Time Machine, by H. G. Wells [1898]\n\nI\n\nThe Time Traveller (for so it will be\nconvenient to speak of him) was expounding a recondite matter to us.\n")

// fakeGOROOT makes a directory with a small Opticks file in the place Go
// keeps the real one.
func fakeGOROOT(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	p := filepath.Join(root, "src", "testdata", "Isaac.Newton-Opticks.txt")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("OPTICKS:\nOR, A TREATISE OF THE Reflections, Refractions...\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// noFiles reports files other than want in dir (such as leftover temp files).
func noFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("cache dir holds %q, want %q", names, want)
	}
}

func TestFetcherDownloadAndCache(t *testing.T) {
	body := synthetic
	sum := sha1Hex(body)
	if path := os.Getenv("UNROLL_TIMEMACHINE"); path != "" {
		body = timeMachine(t) // serve the real bytes, with the default checksum
		sum = ""
	}
	srv, hits := bookServer(t, body)
	cache := filepath.Join(t.TempDir(), "unroll") // does not exist yet
	f := &Fetcher{CacheDir: cache, URL: srv.URL + "/timemachine.txt", SHA1: sum, GOROOT: fakeGOROOT(t)}

	text, name, notice, err := f.Load(context.Background(), TimeMachine, "")
	if err != nil || string(text) != string(body) || notice != "" {
		t.Fatalf("download: %d bytes, notice %q, err %v", len(text), notice, err)
	}
	cached := filepath.Join(cache, CacheFileName)
	if name != cached || hits.Load() != 1 {
		t.Errorf("name %q, %d requests; want %q, 1", name, hits.Load(), cached)
	}
	if b, err := os.ReadFile(cached); err != nil || string(b) != string(body) {
		t.Errorf("cache file: %v", err)
	}
	noFiles(t, cache, CacheFileName)

	// Cache hit: no network (the server would count a request), for both
	// TimeMachine and Auto.
	for _, src := range []Source{TimeMachine, Auto} {
		text, name, notice, err = f.Load(context.Background(), src, "")
		if err != nil || string(text) != string(body) || name != cached || notice != "" {
			t.Errorf("%s from cache: name %q, notice %q, err %v", src, name, notice, err)
		}
	}
	if hits.Load() != 1 {
		t.Errorf("cache hit made %d extra requests", hits.Load()-1)
	}

	// A corrupt cached copy is replaced by a fresh download.
	if err := os.WriteFile(cached, []byte("truncated"), 0o644); err != nil {
		t.Fatal(err)
	}
	if text, _, _, err = f.Load(context.Background(), TimeMachine, ""); err != nil || string(text) != string(body) || hits.Load() != 2 {
		t.Errorf("stale cache: err %v, %d requests", err, hits.Load())
	}
	if b, _ := os.ReadFile(cached); string(b) != string(body) {
		t.Error("stale cache was not rewritten")
	}
}

func TestFetcherChecksumMismatch(t *testing.T) {
	srv, hits := bookServer(t, []byte("not the book\n"))
	cache := filepath.Join(t.TempDir(), "unroll")
	f := &Fetcher{CacheDir: cache, URL: srv.URL + "/timemachine.txt", SHA1: sha1Hex(synthetic), GOROOT: fakeGOROOT(t), DataName: "-data PATH"}
	_, _, _, err := f.Load(context.Background(), TimeMachine, "")
	if err == nil || !strings.Contains(err.Error(), "SHA-1 mismatch") || !strings.Contains(err.Error(), "-data") {
		t.Fatalf("error %v, want a SHA-1 mismatch that mentions the caller's DataName -data", err)
	}
	if hits.Load() != 1 {
		t.Errorf("%d requests, want 1", hits.Load())
	}
	noFiles(t, cache) // nothing written, not even the directory's contents
}

func TestFetcherOffline(t *testing.T) {
	srv, _ := bookServer(t, synthetic)
	url := srv.URL + "/timemachine.txt"
	srv.Close() // server down: connection refused on loopback
	cache := filepath.Join(t.TempDir(), "unroll")
	root := fakeGOROOT(t)
	f := &Fetcher{CacheDir: cache, URL: url, SHA1: sha1Hex(synthetic), GOROOT: root, DataName: "-data PATH"}
	cached := filepath.Join(cache, CacheFileName)

	// Explicit TimeMachine: an error telling the user what to do.
	_, _, _, err := f.Load(context.Background(), TimeMachine, "")
	if err == nil {
		t.Fatal("TimeMachine with the server down succeeded")
	}
	msg := err.Error()
	for _, w := range []string{"-data", url, cached, "not cached"} {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not mention %q", msg, w)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error %q is not one line", msg)
	}

	// Auto: falls back to Opticks with a one-line notice.
	text, name, notice, err := f.Load(context.Background(), Auto, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(text), "OPTICKS") || name != filepath.Join(root, "src", "testdata", "Isaac.Newton-Opticks.txt") {
		t.Errorf("fallback read %q from %q", text[:10], name)
	}
	for _, w := range []string{"unroll: The Time Machine is not cached and could not be downloaded (", "Opticks", url, "-data PATH", cached} {
		if !strings.Contains(notice, w) {
			t.Errorf("notice %q does not mention %q", notice, w)
		}
	}
	if strings.Contains(notice, "\n") {
		t.Errorf("notice %q is not one line", notice)
	}
	noFiles(t, cache)

	// Auto with Opticks missing as well: an error naming both problems.
	f.GOROOT = t.TempDir()
	if _, _, _, err := f.Load(context.Background(), Auto, ""); err == nil || !strings.Contains(err.Error(), "Opticks") {
		t.Errorf("Auto with no book and no Opticks: error %v", err)
	}
}

func TestFetcherHTTPError(t *testing.T) {
	srv, _ := bookServer(t, synthetic)
	f := &Fetcher{CacheDir: t.TempDir(), URL: srv.URL + "/missing.txt", SHA1: sha1Hex(synthetic)}
	_, _, _, err := f.Load(context.Background(), TimeMachine, "")
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("404: error %v, want it to mention the status", err)
	}
}

func TestFetcherDataPath(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "book.txt")
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(good, synthetic, 0o644)
	os.WriteFile(empty, nil, 0o644)
	// URL on a port nobody listens on would only matter if Load ignored
	// dataPath; an empty CacheDir is never touched either.
	f := &Fetcher{URL: "http://127.0.0.1:1/never", CacheDir: filepath.Join(dir, "cache")}
	text, name, notice, err := f.Load(context.Background(), TimeMachine, good)
	if err != nil || string(text) != string(synthetic) || name != good || notice != "" {
		t.Errorf("dataPath: name %q, notice %q, err %v", name, notice, err)
	}
	missing := filepath.Join(dir, "nope.txt")
	tests := []struct {
		path string
		want string
	}{
		{missing, "datasets: read " + missing + ": no such file: check the path"},
		{dir, "directory"},
		{empty, "empty"},
	}
	for _, tc := range tests {
		_, _, _, err := f.Load(context.Background(), Auto, tc.path)
		var te *TextError
		if !errors.As(err, &te) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "-data") {
			t.Errorf("Load(%q) error %v, want a TextError containing %q and no flag", tc.path, err, tc.want)
		}
	}
	if _, _, _, err := f.Load(context.Background(), Auto, missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file error %v does not wrap fs.ErrNotExist", err)
	}
	noFiles(t, filepath.Join(dir, "cache"))
}

func TestFetcherOpticks(t *testing.T) {
	f := &Fetcher{GOROOT: t.TempDir()}
	_, _, _, err := f.Load(context.Background(), Opticks, "")
	if err == nil || !strings.Contains(err.Error(), "GOROOT") {
		t.Errorf("missing Opticks: error %v, want it to mention GOROOT", err)
	}

	// The real file, found through the default GOROOT lookup.
	f = &Fetcher{URL: "http://127.0.0.1:1/never"}
	text, name, _, err := f.Load(context.Background(), Opticks, "")
	if err != nil {
		t.Skipf("no Go installation with src/testdata here: %v", err)
	}
	c, err := LoadCorpus(text, name, Char, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Cleaned Opticks has only a-z and ' ', so at most 27 tokens + <unk>.
	if c.Vocab.Len() > 28 || c.FullLen < 100000 {
		t.Errorf("Opticks: vocab %d, %d tokens", c.Vocab.Len(), c.FullLen)
	}
}

func TestParseSource(t *testing.T) {
	for _, s := range []Source{Auto, TimeMachine, Opticks} {
		if got, err := ParseSource(string(s)); err != nil || got != s {
			t.Errorf("ParseSource(%q) = %q, %v", s, got, err)
		}
	}
	if _, err := ParseSource("wikipedia"); err == nil || !strings.Contains(err.Error(), "auto, timemachine or opticks") {
		t.Errorf("ParseSource(wikipedia) error %v", err)
	}
	f := &Fetcher{}
	if _, _, _, err := f.Load(context.Background(), Source("x"), ""); err == nil {
		t.Error("Load of an unknown source succeeded")
	}
}
