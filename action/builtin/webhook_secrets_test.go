package builtin

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/hook"
	"github.com/chatflow/chatflow/store"
	"github.com/stretchr/testify/assert"
	must "github.com/stretchr/testify/require"
)

// fakeSecrets is a Ports.Secrets that records the names asked for.
type fakeSecrets struct {
	mu     sync.Mutex
	values map[string]string
	err    error // returned for every name, if set
	asked  []string
}

func (f *fakeSecrets) Secret(ctx context.Context, name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, name)
	if _, ok := ctx.Deadline(); !ok {
		return "", errors.New("fake secrets: no deadline")
	}
	if f.err != nil {
		return "", f.err
	}
	v, ok := f.values[name]
	if !ok {
		return "", errors.New("fake secrets: unknown secret")
	}
	return v, nil
}

func (f *fakeSecrets) set(name, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.values[name] = value
}

// body returns the raw body of the i-th request.
func (s *hookServer) body(t *testing.T, i int) []byte {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	must.Greater(t, len(s.bodies), i, "request %d never came", i)
	return s.bodies[i]
}

// secretPorts allows the test servers and resolves secrets with sec.
func secretPorts(sec Secrets) Ports {
	p := localPorts()
	p.Secrets = sec
	return p
}

func TestWebhookSecretsProvision(t *testing.T) {
	sec := &fakeSecrets{}
	for name, tc := range map[string]struct{ settings, path string }{
		"url and urlSecret":        {`{"url": "https://example.com", "urlSecret": "u"}`, "urlSecret"},
		"neither":                  {`{"secretHeaders": {"Authorization": "t"}}`, "url"},
		"blank urlSecret":          {`{"urlSecret": " "}`, "urlSecret"},
		"blank signingSecret":      {`{"url": "https://example.com", "signingSecret": " "}`, "signingSecret"},
		"bad header name":          {`{"url": "https://example.com", "secretHeaders": {"Bad Name": "t"}}`, "secretHeaders.Bad Name"},
		"reserved header":          {`{"url": "https://example.com", "secretHeaders": {"Host": "t"}}`, "secretHeaders.Host"},
		"signature header":         {`{"url": "https://example.com", "secretHeaders": {"chatflow-signature": "t"}}`, "secretHeaders.chatflow-signature"},
		"header in both":           {`{"url": "https://example.com", "headers": {"Authorization": "x"}, "secretHeaders": {"authorization": "t"}}`, "secretHeaders.authorization"},
		"blank header secret":      {`{"url": "https://example.com", "secretHeaders": {"Authorization": ""}}`, "secretHeaders.Authorization"},
		"parameter in url":         {`{"url": "https://example.com/?key=x", "secretQuery": {"key": "k"}}`, "secretQuery.key"},
		"empty parameter":          {`{"url": "https://example.com", "secretQuery": {"": "k"}}`, "secretQuery."},
		"blank parameter secret":   {`{"url": "https://example.com", "secretQuery": {"key": " "}}`, "secretQuery.key"},
		"plain signature header":   {`{"url": "https://example.com", "headers": {"Chatflow-Signature": "t=1,v1=00"}}`, "headers.Chatflow-Signature"},
		"first bad secret headers": {`{"url": "https://example.com", "secretHeaders": {"B Bad": "t", "A Bad": "t"}}`, "secretHeaders.A Bad"},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := load(t, WebhookType, tc.settings, store.Stores{}, Ports{Secrets: sec})
			assert.Equal(t, tc.path, problem(t, err).Path, "error: %v", err)
		})
	}

	// Naming a secret needs the port.
	for _, settings := range []string{
		`{"urlSecret": "u"}`,
		`{"url": "https://example.com", "secretHeaders": {"Authorization": "t"}}`,
		`{"url": "https://example.com", "secretQuery": {"key": "k"}}`,
		`{"url": "https://example.com", "signingSecret": "s"}`,
	} {
		_, _, err := load(t, WebhookType, settings, store.Stores{}, Ports{})
		assert.ErrorIs(t, err, ErrMissingPort, settings)
		assert.Contains(t, err.Error(), "Ports.Secrets")
	}
	mustLoad[*Webhook](t, WebhookType, `{"urlSecret": "u", "secretQuery": {"key": "k"}, "secretHeaders": {"X-Token": "t"}, "signingSecret": "s"}`,
		store.Stores{}, Ports{Secrets: sec})
	assert.Empty(t, sec.asked, "secrets are resolved when a call is made, not when the flow loads")
}

// TestWebhookSecretsAtCallTime: the secrets a flow names are resolved at
// every call, within its deadline, and sent where the settings say.
func TestWebhookSecretsAtCallTime(t *testing.T) {
	srv := newHookServer(t, respond(`{}`))
	sec := &fakeSecrets{values: map[string]string{"crm_token": "Bearer t0ken", "crm_key": "k3y", "crm_q": "a b&c"}}
	w, _ := mustLoad[*Webhook](t, WebhookType, `{"url": "`+srv.URL+`/hook?plain=1", "waitForResponse": true,
		"headers": {"X-Source": "bot"}, "secretHeaders": {"Authorization": "crm_token", "X-Api-Key": "crm_key"},
		"secretQuery": {"token": "crm_q"}}`, store.Stores{}, secretPorts(sec))

	res, err := w.Run(context.Background(), newFakeTurn())
	must.NoError(t, err)
	must.Equal(t, action.Done, res.Status, res.Reason)
	h := srv.header(t, 0)
	assert.Equal(t, "Bearer t0ken", h.Get("Authorization"))
	assert.Equal(t, "k3y", h.Get("X-Api-Key"))
	assert.Equal(t, "bot", h.Get("X-Source"))
	assert.Empty(t, h.Get(hook.SignatureHeader), "no signing key, no signature")

	// A rotated secret is used by the next call.
	sec.set("crm_token", "Bearer n3w")
	res, err = w.Run(context.Background(), newFakeTurn())
	must.NoError(t, err)
	must.Equal(t, action.Done, res.Status, res.Reason)
	assert.Equal(t, "Bearer n3w", srv.header(t, 1).Get("Authorization"))
	assert.Len(t, sec.asked, 6)
}

func TestWebhookSecretQuery(t *testing.T) {
	var got []string
	var mu sync.Mutex
	srv := newHookServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.URL.RawQuery)
		mu.Unlock()
	})
	sec := &fakeSecrets{values: map[string]string{"q": "a b&c", "z": "zz"}}
	for settings, want := range map[string]string{
		`{"url": "` + srv.URL + `/hook?plain=1&x=%2F", "secretQuery": {"token": "q", "a": "z"}}`: "plain=1&x=%2F&a=zz&token=a+b%26c",
		`{"url": "` + srv.URL + `/hook", "secretQuery": {"token": "q"}}`:                         "token=a+b%26c",
	} {
		mu.Lock()
		got = nil
		mu.Unlock()
		w, _ := mustLoad[*Webhook](t, WebhookType, settings, store.Stores{}, secretPorts(sec))
		res, err := w.Run(context.Background(), newFakeTurn())
		must.NoError(t, err)
		must.Equal(t, action.Done, res.Status, res.Reason)
		mu.Lock()
		assert.Equal(t, []string{want}, got, "the url's own query keeps its form")
		mu.Unlock()
	}
}

// TestWebhookURLSecret: the whole URL can be a secret; failure reasons then
// name the secret, never the URL.
func TestWebhookURLSecret(t *testing.T) {
	srv := newHookServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/services/T0/B0/s3cr3t" {
			respond(`{"botMessage": "posted"}`)(w, r)
			return
		}
		http.Error(w, "no", http.StatusForbidden)
	})
	sec := &fakeSecrets{values: map[string]string{"slack": srv.URL + "/services/T0/B0/s3cr3t"}}
	w, _ := mustLoad[*Webhook](t, WebhookType, `{"urlSecret": "slack", "waitForResponse": true}`, store.Stores{}, secretPorts(sec))
	turn := newFakeTurn()
	res, err := w.Run(context.Background(), turn)
	must.NoError(t, err)
	must.Equal(t, action.Done, res.Status, res.Reason)
	assert.Equal(t, []string{"posted"}, turn.said)

	sec.set("slack", srv.URL+"/services/T0/B0/wrong")
	res, err = w.Run(context.Background(), newFakeTurn())
	must.NoError(t, err)
	assert.ErrorIs(t, res.Err, ErrWebhookStatus)
	assert.Equal(t, `webhook call to the url of secret "slack" failed: builtin: webhook answered with an error status: 403 Forbidden`, res.Reason)
}

func TestWebhookSecretFailures(t *testing.T) {
	srv := newHookServer(t, respond(`{}`))
	errSealed := errors.New("vault sealed")
	for name, tc := range map[string]struct {
		settings string
		sec      *fakeSecrets
		reason   string
		is       error
	}{
		"resolver fails": {`"secretHeaders": {"Authorization": "crm_token"}`, &fakeSecrets{err: errSealed},
			`builtin: webhook secret not available: "crm_token": vault sealed`, errSealed},
		"unknown": {`"secretQuery": {"key": "nope"}`, &fakeSecrets{values: map[string]string{}},
			`"nope": fake secrets: unknown secret`, ErrWebhookSecret},
		"empty": {`"secretHeaders": {"Authorization": "crm_token"}`, &fakeSecrets{values: map[string]string{"crm_token": ""}},
			`"crm_token" is empty`, ErrWebhookSecret},
		"header injection": {`"secretHeaders": {"Authorization": "crm_token"}`, &fakeSecrets{values: map[string]string{"crm_token": "Bearer s3cr3t\r\nX-Evil: 1"}},
			`"crm_token" is not a valid value for header Authorization`, ErrWebhookSecret},
		"signing key": {`"signingSecret": "sign"`, &fakeSecrets{err: errSealed},
			`"sign": vault sealed`, ErrWebhookSecret},
	} {
		t.Run(name, func(t *testing.T) {
			before := srv.calls()
			w, _ := mustLoad[*Webhook](t, WebhookType, `{"url": "`+srv.URL+`", "waitForResponse": true, `+tc.settings+`, "errorMessage": ["Sorry."]}`, store.Stores{}, secretPorts(tc.sec))
			turn := newFakeTurn()
			res, err := w.Run(context.Background(), turn)
			must.NoError(t, err)
			assert.Equal(t, action.Fail, res.Status)
			assert.ErrorIs(t, res.Err, ErrWebhookSecret)
			assert.ErrorIs(t, res.Err, tc.is)
			assert.Contains(t, res.Reason, tc.reason)
			assert.NotContains(t, res.Reason, "s3cr3t", "a secret's value stays out of reasons")
			assert.Equal(t, []string{"Sorry."}, turn.said)
			assert.Equal(t, before, srv.calls(), "nothing is sent")
		})
	}

	for name, value := range map[string]string{"not a URL": "s3cr3t", "ftp": "ftp://host/s3cr3t", "no host": "https:///s3cr3t", "unparsable": "http://h/%zzs3cr3t"} {
		t.Run("urlSecret "+name, func(t *testing.T) {
			w, _ := mustLoad[*Webhook](t, WebhookType, `{"urlSecret": "hook_url", "waitForResponse": true}`, store.Stores{},
				secretPorts(&fakeSecrets{values: map[string]string{"hook_url": value}}))
			res, err := w.Run(context.Background(), newFakeTurn())
			must.NoError(t, err)
			assert.ErrorIs(t, res.Err, ErrWebhookSecret)
			assert.Contains(t, res.Reason, `"hook_url" is not an http or https URL`)
			assert.NotContains(t, res.Reason, "s3cr3t")
		})
	}
}

// TestWebhookSignature: with a signing key, each request carries a
// signature the receiver verifies with hook.VerifySignature.
func TestWebhookSignature(t *testing.T) {
	srv := newHookServer(t, respond(`{}`))
	sentAt := time.Date(2026, time.March, 2, 9, 30, 0, 0, time.UTC)
	policyKey, ownKey := []byte("policy-key"), "crm-signing-key"
	pol := &WebhookPolicy{Allow: loopback, SigningKey: policyKey, Clock: func() time.Time { return sentAt }}
	sec := &fakeSecrets{values: map[string]string{"crm_signing": ownKey}}

	run := func(settings string) (header string, body []byte) {
		t.Helper()
		w, _ := mustLoad[*Webhook](t, WebhookType, settings, store.Stores{}, Ports{Webhooks: pol, Secrets: sec})
		res, err := w.Run(context.Background(), newFakeTurn())
		must.NoError(t, err)
		must.Equal(t, action.Done, res.Status, res.Reason)
		i := srv.calls() - 1
		return srv.header(t, i).Get(hook.SignatureHeader), srv.body(t, i)
	}

	header, body := run(`{"url": "` + srv.URL + `"}`)
	assert.True(t, strings.HasPrefix(header, "t=1772443800,v1="), header)
	assert.NoError(t, hook.VerifySignature(header, body, policyKey, sentAt.Add(time.Minute), 0))
	assert.ErrorIs(t, hook.VerifySignature(header, body, []byte("other"), sentAt, 0), hook.ErrSignature)
	assert.ErrorIs(t, hook.VerifySignature(header, body, policyKey, sentAt.Add(time.Hour), 0), hook.ErrSignatureExpired)

	// A webhook's own signing secret replaces the policy's key.
	header, body = run(`{"url": "` + srv.URL + `", "signingSecret": "crm_signing"}`)
	assert.NoError(t, hook.VerifySignature(header, body, []byte(ownKey), sentAt, 0))
	assert.ErrorIs(t, hook.VerifySignature(header, body, policyKey, sentAt, 0), hook.ErrSignature)

	// Without a key, requests are not signed.
	pol.SigningKey = nil
	header, _ = run(`{"url": "` + srv.URL + `"}`)
	assert.Empty(t, header)
}
