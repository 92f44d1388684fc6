package validate_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/internal/validate"
)

// validCase is an input with its expected normalized value; want "" means
// the input must be rejected.
type validCase struct {
	in, lang, want string
}

// checkCases runs one subtest per case against fn.
func checkCases(t *testing.T, kind validate.Kind, fn func(s, lang string) (string, error), cases []validCase) {
	t.Helper()
	for _, c := range cases {
		name := fmt.Sprintf("%q", c.in)
		if c.lang != "" {
			name = c.lang + " " + name
		}
		t.Run(name, func(t *testing.T) {
			got, err := fn(c.in, c.lang)
			if c.want == "" {
				require.Error(t, err, "accepted as %q", got)
				assert.ErrorIs(t, err, validate.ErrInvalid)
				var ve *validate.Error
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, kind, ve.Kind)
				assert.Equal(t, c.in, ve.Input)
				assert.Empty(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestErrorHidesInput(t *testing.T) {
	_, err := validate.Email("secret.person@example")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret")
	assert.True(t, strings.HasPrefix(err.Error(), "validate: invalid email: "), err.Error())
	assert.True(t, errors.Is(err, validate.ErrInvalid))
}
