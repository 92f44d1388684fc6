package validate_test

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/chatflow/chatflow/internal/validate"
)

// The differential tests in phone_fast_test.go and email_fast_test.go hold
// Phone and Email to the implementations they replaced, validate.PhoneSlow
// and validate.EmailSlow: for every input both must accept with the same
// result or reject with the same error.

// sameResult fails t unless fast and slow, the results of the fast and the
// original path for the same input, are the same.
func sameResult(t testing.TB, call string, fast, slow string, fastErr, slowErr error) {
	t.Helper()
	if (fastErr == nil) != (slowErr == nil) || fast != slow {
		t.Fatalf("%s = %q, %v; the original path gives %q, %v", call, fast, fastErr, slow, slowErr)
	}
	if fastErr == nil {
		return
	}
	var f, s *validate.Error
	if !errors.As(fastErr, &f) || !errors.As(slowErr, &s) || *f != *s || !errors.Is(fastErr, validate.ErrInvalid) {
		t.Fatalf("%s: error %#v; the original path gives %#v", call, fastErr, slowErr)
	}
}

// thorough reports whether the differential tests run in full; in -short
// mode and under the race detector they sample a part (a different part
// each run) of their inputs.
func thorough() bool { return !testing.Short() && !raceEnabled }

// sampled reports whether to check the i-th of a series of inputs.
func sampled(rng *rand.Rand, i int) bool {
	return thorough() || i%16 == 0 || rng.IntN(32) == 0
}
