package datasets

import "fmt"

// TextError is a text that cannot be read or trained on. Path names it (a
// file's path, or the name the text was given); Problem says what is
// wrong, and Fix what would work. The message words the fix without
// knowing how the caller names the path; Hint words it with that name
// (cmd/train passes "-data"). Err is the cause, if any.
type TextError struct {
	Path    string
	Read    bool   // reading failed: the message reads "read Path: Problem"
	Problem string // "is empty", "no such file", "it is a directory", ...
	Fix     TextFix
	Err     error
}

// TextFix is what would make a text usable.
type TextFix int

const (
	FixPath      TextFix = iota // check the path
	FixPathPerms                // check the path and its permissions
	FixFile                     // pass a text file
	FixNonEmpty                 // pass a non-empty text file
	FixEnglish                  // pass an English text file
	FixNotDir                   // pass a text file, not a directory
)

// Hint words e.Fix for a caller that names the path name (a flag such as
// "-data"); "" words it without a name.
func (e *TextError) Hint(name string) string {
	path, with := "the path", ""
	if name != "" {
		path, with = "the "+name+" path", " with "+name
	}
	switch e.Fix {
	case FixPath:
		return "check " + path
	case FixPathPerms:
		return "check " + path + " and its permissions"
	case FixNonEmpty:
		return "pass a non-empty text file" + with
	case FixEnglish:
		return "pass an English text file" + with
	case FixNotDir:
		if with != "" {
			with = "," + with
		}
		return "pass a text file, not a directory" + with
	}
	return "pass a text file" + with
}

// What says what is wrong, without the fix: "read PATH: PROBLEM" or
// "PATH PROBLEM" (the path's own problem when Path is empty).
func (e *TextError) What() string {
	switch {
	case e.Path == "":
		return e.Problem
	case e.Read:
		return fmt.Sprintf("read %s: %s", e.Path, e.Problem)
	}
	return e.Path + " " + e.Problem
}

func (e *TextError) Error() string {
	if e.Problem == "" {
		return "datasets: unusable text"
	}
	return "datasets: " + e.What() + ": " + e.Hint("")
}

// Unwrap returns the cause.
func (e *TextError) Unwrap() error { return e.Err }
