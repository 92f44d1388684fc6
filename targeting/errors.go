package targeting

import (
	"errors"
	"fmt"
)

// ErrInvalid is matched (errors.Is) by every error that Spec.Compile and
// Display.Validate return for bad input.
var ErrInvalid = errors.New("targeting: invalid settings")

// Error is one problem in a targeting or display section. Path is the JSON
// path of the culprit relative to the section, such as "pageRules[2].value"
// or "heading.userIds[0]"; a flow loader prefixes the section's own path
// ("targeting." or "display.").
type Error struct {
	// Path is the JSON path of the bad value, relative to the section.
	Path string
	// Msg says what is wrong.
	Msg string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Path == "" {
		return "targeting: " + e.Msg
	}
	return "targeting: " + e.Path + ": " + e.Msg
}

// Is reports whether target is ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// problems collects *Error values and joins them.
type problems []error

func (p *problems) add(path, format string, args ...any) {
	*p = append(*p, &Error{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return errors.Join(p...)
}
