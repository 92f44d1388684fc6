//go:build !race

package validate_test

// raceEnabled is set when the race detector runs, which slows the
// differential tests' original paths tenfold; they then sample less.
const raceEnabled = false
