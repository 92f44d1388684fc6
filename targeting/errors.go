package targeting

import (
	"errors"
	"fmt"

	"github.com/chatflow/chatflow/condition"
)

// ErrInvalid is the kind (the Err) of every *condition.Error that
// Spec.Compile and Display.Validate return for bad input:
// errors.Is(err, ErrInvalid) tells bad settings.
var ErrInvalid = errors.New("targeting: invalid settings")

// problems collects the problems of one section, each a *condition.Error
// whose Path is relative to the section.
type problems []error

func (p *problems) add(path, format string, args ...any) {
	*p = append(*p, &condition.Error{Path: path, Msg: fmt.Sprintf(format, args...), Err: ErrInvalid})
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return errors.Join(p...)
}
