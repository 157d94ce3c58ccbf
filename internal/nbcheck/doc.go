// Package nbcheck checks that the prose of an executed Jupyter notebook
// quotes no figure its run did not produce: every number a markdown cell
// states as a result must appear in an output of the notebook (or in a
// code cell, where settings live). Prose with hand-written results drifts
// whenever the code changes; CI runs the check on every notebook it
// executes (notebooks/run.sh), so drift fails the build.
//
// # What counts as a figure
//
// A figure is a number in a markdown cell's text that has a fractional
// part (4.85, 0.5, 1.0) or at least three digits (256, 2016, 10,000;
// thousands separators are dropped before comparing). One- and two-digit
// integers (3 steps, 35 characters, 60 epochs) are too common in plain
// words to check. Not checked at all: math ($...$, $$...$$), inline code
// and fenced code blocks, link targets and HTML comments.
//
// A figure passes when the same number, as a whole token, appears in an
// output of the notebook (stream text, text/plain, text/markdown or
// text/html; not images) or in the source of a code cell (the run's
// settings, such as num_hiddens = 256). Tokens compare exactly as written:
// prose that says 4.8 where the run printed 4.83 fails; write what the cell
// prints, or words that do not depend on the run.
//
// # The escape
//
// Numbers that are not results (section numbers of the book, years of
// papers, constants) are allowed cell by cell with an HTML comment that
// lists them, which markdown does not show; words in it are comments, only
// its numbers count:
//
//	<!-- nbcheck: sections 9.1 and 9.2, the MGU paper of 2016 -->
//
// A listed number that the cell does not contain is itself a finding, so
// that escapes do not outlive their text.
package nbcheck
