package hook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader is the request header that carries a webhook call's
// signature, when the host gave the webhook a signing key.
//
// Its value is "t=<timestamp>,v1=<signature>": the timestamp is the time
// the call was sent, in decimal Unix seconds, and the signature is the
// lower-case hex encoding of the HMAC-SHA256, keyed with the signing key,
// of the timestamp's decimal digits, a full stop and the raw request body
// ("1767600000.{\"userMessage\":…}"). A receiver recomputes the HMAC over
// the body exactly as received, compares it in constant time, and refuses
// a timestamp too far from its own clock, which bounds how long a captured
// request can be replayed (VerifySignature does all three). The signature
// does not cover the URL or the other headers. A receiver should ignore
// entries other than t and v1, and accept any of several v1 entries.
const SignatureHeader = "Chatflow-Signature"

// DefaultSignatureTolerance is how far a signature's timestamp may be from
// the receiver's clock when VerifySignature is given no tolerance.
const DefaultSignatureTolerance = 5 * time.Minute

// ErrSignature reports a SignatureHeader value that is missing, malformed,
// or does not match the body and key.
var ErrSignature = errors.New("hook: invalid signature")

// ErrSignatureExpired reports a valid signature whose timestamp is further
// from the receiver's clock than the tolerance: a late or replayed request.
var ErrSignatureExpired = errors.New("hook: signature timestamp out of tolerance")

// Sign returns the SignatureHeader value of a request with the given body
// sent at t, signed with key (see SignatureHeader).
func Sign(key, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(key, ts, body))
}

// mac is the HMAC-SHA256 of "<ts>.<body>" under key.
func mac(key []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// VerifySignature checks a request's SignatureHeader value, header,
// against its raw body and the signing key: it returns nil when one of the
// header's v1 signatures matches and its timestamp is within tolerance of
// now (tolerance <= 0 means DefaultSignatureTolerance), an error matching
// ErrSignature when the header is missing, malformed or matches no
// signature, and one matching ErrSignatureExpired when it matches but is
// too old or too far in the future. body must be the bytes received, before
// any decoding.
func VerifySignature(header string, body, key []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultSignatureTolerance
	}
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: malformed header %q", ErrSignature, part)
		}
		switch k {
		case "t":
			if ts != "" {
				return fmt.Errorf("%w: two timestamps", ErrSignature)
			}
			ts = v
		case "v1":
			if sig, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, sig)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: no valid timestamp", ErrSignature)
	}
	want := mac(key, ts, body)
	matched := false
	for _, sig := range sigs {
		matched = hmac.Equal(sig, want) || matched
	}
	if !matched {
		return ErrSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: the timestamp is %s away from now", ErrSignatureExpired, d.Abs())
	}
	return nil
}
