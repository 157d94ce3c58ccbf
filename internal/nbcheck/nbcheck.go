package nbcheck

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Finding is one figure of a markdown cell that no output or code cell of
// the notebook contains, or an escape that lists a number its cell lacks.
type Finding struct {
	Cell    int    // 1-based, as Jupyter numbers cells
	Figure  string // the number as written in the cell
	Context string // the line of the cell it is on
	Escape  bool   // an unused entry of a <!-- nbcheck: --> escape
}

func (f Finding) String() string {
	if f.Escape {
		return fmt.Sprintf("cell %d: the escape lists %s, which the cell does not contain: remove it from <!-- nbcheck: ... -->", f.Cell, f.Figure)
	}
	return fmt.Sprintf("cell %d: %s is in no output or code cell of the executed notebook: print it from a cell, reword, or list it in <!-- nbcheck: ... --> if it is not a result\n    %s",
		f.Cell, f.Figure, f.Context)
}

// notebook is the part of the .ipynb format (nbformat 4) the check reads.
type notebook struct {
	Cells []struct {
		CellType string    `json:"cell_type"`
		Source   multiline `json:"source"`
		Outputs  []output  `json:"outputs"`
	} `json:"cells"`
}

type output struct {
	OutputType string               `json:"output_type"`
	Text       multiline            `json:"text"`
	Data       map[string]multiline `json:"data"`
	Traceback  []string             `json:"traceback"`
	Evalue     string               `json:"evalue"`
}

// multiline is nbformat's text: a string or a list of lines. Other JSON
// (a display's application/json) reads as empty.
type multiline string

func (m *multiline) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*m = multiline(s)
		return nil
	}
	var lines []string
	if json.Unmarshal(b, &lines) == nil {
		*m = multiline(strings.Join(lines, ""))
	}
	return nil
}

// textTypes are the outputs whose numbers count; images (including SVG,
// whose coordinates are numbers) do not.
var textTypes = []string{"text/plain", "text/markdown", "text/html", "text/latex"}

var (
	// number: digits with optional thousands separators and fraction. The
	// look-arounds keep it whole: not part of a word (X_1, x86), an
	// exponent or a longer number. A sign is not part of the token.
	number = regexp.MustCompile(`\d+(?:,\d{3})*(?:\.\d+)?`)
	// What the prose may contain that is not prose.
	fenced      = regexp.MustCompile("(?s)```.*?```|~~~.*?~~~")
	inlineCode  = regexp.MustCompile("`[^`\n]*`")
	displayMath = regexp.MustCompile(`(?s)\$\$.*?\$\$|\\\[.*?\\\]|\\begin\{[a-z*]+\}.*?\\end\{[a-z*]+\}`)
	inlineMath  = regexp.MustCompile(`\$[^$\n]+\$|\\\(.*?\\\)`)
	linkTarget  = regexp.MustCompile(`\]\([^)\s]*\)`)
	comment     = regexp.MustCompile(`(?s)<!--.*?-->`)
	escape      = regexp.MustCompile(`(?s)<!--\s*nbcheck:(.*?)-->`)
)

// figures returns the figures of markdown text, each with its line.
func figures(md string) (figs, lines []string) {
	orig := strings.Split(md, "\n")
	for _, re := range []*regexp.Regexp{fenced, comment, displayMath, inlineCode, inlineMath, linkTarget} {
		md = re.ReplaceAllStringFunc(md, blank)
	}
	for i, line := range strings.Split(md, "\n") {
		for _, loc := range number.FindAllStringIndex(line, -1) {
			s, e := loc[0], loc[1]
			if s > 0 && isWordByte(line[s-1]) || e < len(line) && isWordByte(line[e]) {
				continue // part of an identifier or a word: X_1, go1.26, 3x
			}
			if s > 1 && line[s-1] == '.' && isDigit(line[s-2]) || e+1 < len(line) && line[e] == '.' && isDigit(line[e+1]) {
				continue // part of a version: 0.10.11
			}
			tok := line[s:e]
			if strings.Contains(tok, ".") || len(strings.ReplaceAll(tok, ",", "")) >= 3 {
				figs = append(figs, tok)
				lines = append(lines, excerpt(orig[i], tok))
			}
		}
	}
	return figs, lines
}

// excerpt returns up to about 160 bytes of line around the first tok.
func excerpt(line, tok string) string {
	line = strings.TrimSpace(line)
	const width = 80
	at := strings.Index(line, tok)
	if len(line) <= 2*width || at < 0 {
		return line
	}
	lo, hi := max(0, at-width), min(len(line), at+len(tok)+width)
	for lo > 0 && !utf8.RuneStart(line[lo]) {
		lo--
	}
	for hi < len(line) && !utf8.RuneStart(line[hi]) {
		hi++
	}
	s := line[lo:hi]
	if lo > 0 {
		s = "..." + s
	}
	if hi < len(line) {
		s += "..."
	}
	return s
}

// blank replaces a match with spaces, keeping its newlines, so that the
// lines stay where they were.
func blank(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		return ' '
	}, s)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// tokens returns the numbers of text as a set, thousands separators
// dropped.
func tokens(text string, into map[string]bool) {
	for _, t := range number.FindAllString(text, -1) {
		into[norm(t)] = true
		// "1,234" in an output also holds "1" and "234"-like tokens to the
		// eye, but only the whole number is a figure; a list such as
		// "32,64" reads as both.
		for _, part := range strings.Split(t, ",") {
			into[norm(part)] = true
		}
	}
}

func norm(t string) string { return strings.ReplaceAll(t, ",", "") }

// Check reads an executed notebook (.ipynb JSON) and returns its findings.
// A notebook whose code cells have no output at all is an error: it was not
// executed, and every figure would be reported.
func Check(ipynb []byte) ([]Finding, error) {
	var nb notebook
	if err := json.Unmarshal(ipynb, &nb); err != nil {
		return nil, fmt.Errorf("nbcheck: not a notebook: %w", err)
	}
	known := map[string]bool{}
	code, outputs := 0, 0
	for _, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		code++
		tokens(string(c.Source), known)
		for _, o := range c.Outputs {
			outputs++
			tokens(string(o.Text), known)
			tokens(o.Evalue, known)
			for _, mime := range textTypes {
				tokens(string(o.Data[mime]), known)
			}
		}
	}
	if code > 0 && outputs == 0 {
		return nil, fmt.Errorf("nbcheck: no code cell has an output: check an executed notebook (notebooks/run.sh writes them), not the committed one")
	}
	var found []Finding
	for i, c := range nb.Cells {
		if c.CellType != "markdown" {
			continue
		}
		src := string(c.Source)
		allowed := map[string]bool{}
		for _, m := range escape.FindAllStringSubmatch(src, -1) {
			for _, f := range number.FindAllString(m[1], -1) {
				allowed[norm(f)] = false // not yet used
			}
		}
		figs, lines := figures(src)
		for k, f := range figs {
			n := norm(f)
			if _, ok := allowed[n]; ok {
				allowed[n] = true
				continue
			}
			if !known[n] {
				found = append(found, Finding{Cell: i + 1, Figure: f, Context: lines[k]})
			}
		}
		for _, m := range escape.FindAllStringSubmatch(src, -1) {
			for _, f := range number.FindAllString(m[1], -1) {
				if !allowed[norm(f)] {
					found = append(found, Finding{Cell: i + 1, Figure: f, Escape: true})
					allowed[norm(f)] = true // report once
				}
			}
		}
	}
	return found, nil
}
