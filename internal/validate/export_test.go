package validate

// The original implementations, for the differential tests and benchmarks
// that hold the fast paths to them.
var (
	PhoneSlow = phoneSlow
	EmailSlow = emailSlow
)
