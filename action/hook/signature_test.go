package hook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chatflow/chatflow/action/hook"
	"github.com/stretchr/testify/assert"
)

var (
	testKey  = []byte("whsec_test")
	testBody = []byte(`{"userMessage":{"message":"hi","quickReply":null}}`)
	sentAt   = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
)

// TestSignMatchesTheDocumentedScheme recomputes the signature as a
// receiver in another language would, from SignatureHeader's description.
func TestSignMatchesTheDocumentedScheme(t *testing.T) {
	m := hmac.New(sha256.New, testKey)
	fmt.Fprintf(m, "%d.%s", sentAt.Unix(), testBody)
	want := fmt.Sprintf("t=%d,v1=%s", sentAt.Unix(), hex.EncodeToString(m.Sum(nil)))
	assert.Equal(t, want, hook.Sign(testKey, testBody, sentAt))
	assert.Equal(t, "t=1772442000,v1=", hook.Sign(testKey, testBody, sentAt)[:len("t=1772442000,v1=")])
}

func TestVerifySignature(t *testing.T) {
	good := hook.Sign(testKey, testBody, sentAt)
	sig := strings.TrimPrefix(good, "t=1772442000,")
	for name, tc := range map[string]struct {
		header string
		body   []byte
		key    []byte
		now    time.Time
		tol    time.Duration
		want   error
	}{
		"valid":                 {header: good},
		"valid, 4m late":        {header: good, now: sentAt.Add(4 * time.Minute)},
		"valid, clock behind":   {header: good, now: sentAt.Add(-4 * time.Minute)},
		"spaces and extra keys": {header: "t=1772442000, v0=abc, " + sig + ", v2=zz"},
		"rotated key":           {header: good + ",v1=" + strings.Repeat("0", 64)},
		"rotated key first":     {header: "t=1772442000,v1=" + strings.Repeat("0", 64) + "," + sig},
		"too old":               {header: good, now: sentAt.Add(6 * time.Minute), want: hook.ErrSignatureExpired},
		"from the future":       {header: good, now: sentAt.Add(-6 * time.Minute), want: hook.ErrSignatureExpired},
		"own tolerance":         {header: good, now: sentAt.Add(time.Hour), tol: 2 * time.Hour},
		"own tolerance, old":    {header: good, now: sentAt.Add(2 * time.Minute), tol: time.Minute, want: hook.ErrSignatureExpired},
		"body changed":          {header: good, body: []byte(`{"userMessage":{"message":"HI","quickReply":null}}`), want: hook.ErrSignature},
		"body re-encoded":       {header: good, body: []byte(`{"userMessage": {"message": "hi", "quickReply": null}}`), want: hook.ErrSignature},
		"wrong key":             {header: good, key: []byte("whsec_other"), want: hook.ErrSignature},
		"timestamp changed":     {header: "t=1772442600," + sig, now: sentAt.Add(10 * time.Minute), want: hook.ErrSignature},
		"missing":               {header: "", want: hook.ErrSignature},
		"no signature":          {header: "t=1772442000", want: hook.ErrSignature},
		"no timestamp":          {header: sig, want: hook.ErrSignature},
		"two timestamps":        {header: "t=1772442000,t=1772442001," + sig, want: hook.ErrSignature},
		"bad timestamp":         {header: "t=soon," + sig, want: hook.ErrSignature},
		"not hex":               {header: "t=1772442000,v1=xyz", want: hook.ErrSignature},
		"no equals":             {header: "t=1772442000,v1", want: hook.ErrSignature},
		"truncated":             {header: good[:len(good)-2], want: hook.ErrSignature},
	} {
		t.Run(name, func(t *testing.T) {
			body, key, now := testBody, testKey, sentAt
			if tc.body != nil {
				body = tc.body
			}
			if tc.key != nil {
				key = tc.key
			}
			if !tc.now.IsZero() {
				now = tc.now
			}
			err := hook.VerifySignature(tc.header, body, key, now, tc.tol)
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tc.want)
			if tc.want == hook.ErrSignatureExpired {
				assert.NotErrorIs(t, err, hook.ErrSignature, "a stale but genuine request is told apart")
			}
		})
	}
}

// ExampleVerifySignature checks a webhook call in a receiver written in Go:
// read the raw body, then verify it before decoding it.
func ExampleVerifySignature() {
	key := []byte("whsec_from_the_host") // the key the chatbot's host signs with
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "cannot read", http.StatusBadRequest)
			return
		}
		if err := hook.VerifySignature(r.Header.Get(hook.SignatureHeader), body, key, time.Now(), 0); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"botMessage": "Verified."}`)
	})

	body := `{"userMessage": {"message": "hi", "quickReply": null}}`
	for _, signingKey := range []string{"whsec_from_the_host", "a guess"} {
		req := httptest.NewRequest(http.MethodPost, "/bot", strings.NewReader(body))
		req.Header.Set(hook.SignatureHeader, hook.Sign([]byte(signingKey), []byte(body), time.Now()))
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// 200 {"botMessage": "Verified."}
	// 401 bad signature
}
