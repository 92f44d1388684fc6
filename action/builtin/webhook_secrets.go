package builtin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/chatflow/chatflow/action"
)

// ErrWebhookSecret reports a secret a webhook names that could not be
// resolved through Ports.Secrets, or whose value is empty or unusable (a
// header value with control characters, a urlSecret that is not an http or
// https URL). The error never contains the value.
var ErrWebhookSecret = errors.New("builtin: webhook secret not available")

// webhookSecrets is what a call resolved: the URL to post to, the secret
// headers and the signing key (nil: the request is not signed).
type webhookSecrets struct {
	url        string
	headers    map[string]string
	signingKey []byte
}

// provisionSecrets checks the names of the secrets the settings use; query
// is the url's query (nil with a urlSecret).
func (w *Webhook) provisionSecrets(p action.Provision, query url.Values) error {
	named := w.URLSecret != "" || len(w.SecretHeaders) > 0 || len(w.SecretQuery) > 0 || w.SigningSecret != ""
	if !named {
		return nil
	}
	if err := require(p, w.svc.ports.Secrets != nil, "secrets (Ports.Secrets)"); err != nil {
		return err
	}
	if strings.TrimSpace(w.URLSecret) == "" && w.URLSecret != "" {
		return p.Errorf("urlSecret", "empty secret name")
	}
	if strings.TrimSpace(w.SigningSecret) == "" && w.SigningSecret != "" {
		return p.Errorf("signingSecret", "empty secret name")
	}
	plain := make(map[string]bool, len(w.Headers))
	for k := range w.Headers {
		plain[http.CanonicalHeaderKey(k)] = true
	}
	for _, k := range sortedKeys(w.SecretHeaders) {
		at := "secretHeaders." + k
		if err := checkWebhookHeader(k, ""); err != nil {
			return p.Errorf(at, "%w", err)
		}
		if plain[http.CanonicalHeaderKey(k)] {
			return p.Errorf(at, "header %q is also set in headers", k)
		}
		if strings.TrimSpace(w.SecretHeaders[k]) == "" {
			return p.Errorf(at, "empty secret name")
		}
	}
	for _, k := range sortedKeys(w.SecretQuery) {
		at := "secretQuery." + k
		if k == "" {
			return p.Errorf(at, "empty parameter name")
		}
		if query.Has(k) {
			return p.Errorf(at, "parameter %q is also set in the url", k)
		}
		if strings.TrimSpace(w.SecretQuery[k]) == "" {
			return p.Errorf(at, "empty secret name")
		}
	}
	return nil
}

// secrets resolves the secrets of one call, within its context, and the
// signing key: the webhook's signingSecret, else the policy's SigningKey.
func (w *Webhook) secrets(ctx context.Context, pol WebhookPolicy) (webhookSecrets, error) {
	out := webhookSecrets{url: w.URL}
	if len(pol.SigningKey) > 0 {
		out.signingKey = pol.SigningKey
	}
	if w.URLSecret == "" && len(w.SecretHeaders) == 0 && len(w.SecretQuery) == 0 && w.SigningSecret == "" {
		return out, nil
	}
	get := func(name string) (string, error) {
		v, err := w.svc.ports.Secrets.Secret(ctx, name)
		if err != nil {
			return "", fmt.Errorf("%w: %q: %w", ErrWebhookSecret, name, err)
		}
		if v == "" {
			return "", fmt.Errorf("%w: %q is empty", ErrWebhookSecret, name)
		}
		return v, nil
	}
	if w.URLSecret != "" {
		v, err := get(w.URLSecret)
		if err != nil {
			return out, err
		}
		// The parser's error would quote the value.
		if u, err := url.Parse(v); err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Hostname() == "" {
			return out, fmt.Errorf("%w: %q is not an http or https URL", ErrWebhookSecret, w.URLSecret)
		}
		out.url = v
	}
	if len(w.SecretQuery) > 0 {
		var q strings.Builder
		for _, k := range sortedKeys(w.SecretQuery) {
			v, err := get(w.SecretQuery[k])
			if err != nil {
				return out, err
			}
			if q.Len() > 0 {
				q.WriteByte('&')
			}
			q.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v))
		}
		// Appended as it is, so that the url's own query keeps its form.
		u, err := url.Parse(out.url)
		if err != nil {
			return out, stripURL(err)
		}
		if u.RawQuery != "" {
			u.RawQuery += "&"
		}
		u.RawQuery += q.String()
		out.url = u.String()
	}
	if len(w.SecretHeaders) > 0 {
		out.headers = make(map[string]string, len(w.SecretHeaders))
		for _, k := range sortedKeys(w.SecretHeaders) {
			name := w.SecretHeaders[k]
			v, err := get(name)
			if err != nil {
				return out, err
			}
			if checkWebhookHeader(k, v) != nil {
				return out, fmt.Errorf("%w: %q is not a valid value for header %s", ErrWebhookSecret, name, k)
			}
			out.headers[k] = v
		}
	}
	if w.SigningSecret != "" {
		v, err := get(w.SigningSecret)
		if err != nil {
			return out, err
		}
		out.signingKey = []byte(v)
	}
	return out, nil
}

// sortedKeys returns a map's keys in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
