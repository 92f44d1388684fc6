package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"
	"github.com/stretchr/testify/require"
)

// The end-to-end tests drive headless Chromium (Debian's chromium
// package) through the widget as a visitor meets it. Without Chromium
// they skip, unless CHATFLOW_REQUIRE_BROWSER=1 (as in CI) makes that a
// failure. Screenshots of each state go to $CHATFLOW_ARTIFACTS, by default
// examples/web/artifacts (ignored by git).
//
// Waits are on DOM state — the widget marks itself idle with
// data-busy="0" once its bubbles are shown — never on sleeps.

// chromium finds the browser or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHATFLOW_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "headless Chromium not found (looked for chromium, chromium-browser, google-chrome): " +
		"install Debian's chromium package (apt-get install chromium)"
	if os.Getenv("CHATFLOW_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg + "; CHATFLOW_REQUIRE_BROWSER=1 makes this a failure")
	}
	t.Skip(msg + ", or set CHATFLOW_REQUIRE_BROWSER=1 to make this a failure")
	return ""
}

// liveSite is the web example on a real listener, so that it can be
// stopped and started again on the same address and database.
type liveSite struct {
	t    *testing.T
	dir  string
	addr string
	app  *app
	srv  *http.Server
	done chan error
}

func startLive(t *testing.T) *liveSite {
	l := &liveSite{t: t, dir: t.TempDir(), addr: "127.0.0.1:0"}
	l.start()
	t.Cleanup(l.stop)
	return l
}

func (l *liveSite) url(path string) string { return "http://" + l.addr + path }

func (l *liveSite) start() {
	l.t.Helper()
	ln, err := net.Listen("tcp", l.addr)
	require.NoError(l.t, err)
	l.addr = ln.Addr().String()
	l.app, err = newApp(context.Background(), testOptions(l.dir, "http://"+l.addr))
	require.NoError(l.t, err)
	l.srv = &http.Server{Handler: l.app, ReadHeaderTimeout: 5 * time.Second}
	l.done = make(chan error, 1)
	go func() { l.done <- l.srv.Serve(ln) }()
}

func (l *liveSite) stop() {
	if l.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = l.srv.Shutdown(ctx)
	if err := <-l.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		l.t.Errorf("serve: %v", err)
	}
	_ = l.app.Close()
	l.srv = nil
}

// restart stops the server and starts a new one on the same address and
// database, as a deploy would.
func (l *liveSite) restart() {
	l.stop()
	l.start()
}

// browser starts one headless Chromium for a test; each scenario gets a
// browser context of its own (cookies and storage of its own).
func browser(t *testing.T) context.Context {
	exe := chromium(t)
	// Chromium's helper processes may still write to the profile for a
	// moment after the browser is stopped, so the profile is not a
	// t.TempDir (whose removal must succeed) but removed after the browser,
	// as well as it can be.
	profile, err := os.MkdirTemp("", "chatflow-chromium-")
	require.NoError(t, err)
	t.Cleanup(func() { removeProfile(t, profile) })
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1180, 800),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	bctx, cancelB := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancelB)
	require.NoError(t, chromedp.Run(bctx), "start Chromium")
	return bctx
}

// tab opens a tab in a new browser context, with a time limit for the
// whole scenario.
func tab(t *testing.T, b context.Context) context.Context {
	ctx, cancel := chromedp.NewContext(b, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelT)
	require.NoError(t, chromedp.Run(ctx, chromedp.EmulateViewport(1180, 800)))
	return ctx
}

func artifacts(t *testing.T) string {
	dir := os.Getenv("CHATFLOW_ARTIFACTS")
	if dir == "" {
		dir = "artifacts"
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// shot saves a screenshot of the page as an artefact.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	require.NoError(t, chromedp.Run(ctx, chromedp.CaptureScreenshot(&png)))
	path := filepath.Join(artifacts(t), name+".png")
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot %s", path)
}

// until waits for a JavaScript expression to become true.
func until(expr string) chromedp.Action {
	return chromedp.Poll(expr, nil, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))
}

// js quotes a Go string for a JavaScript expression.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

const (
	widget = "#cf-widget"
	idle   = `(function(w){ return !!w && w.dataset.busy === '0'; })(document.getElementById('cf-widget'))`
)

func chatflowIs(id string) chromedp.Action {
	return until(`document.documentElement.dataset.chatflow === ` + js(id))
}

// said waits for a message from who whose text contains text.
func said(who, text string) chromedp.Action {
	return until(fmt.Sprintf(`Array.from(document.querySelectorAll('#cf-widget li[data-from=%s]')).some(function(li){ return li.textContent.indexOf(%s) >= 0; })`, who, js(text)))
}

func typeText(text string) chromedp.Action {
	return chromedp.Tasks{
		until(`!document.querySelector('#cf-widget .cf-input').disabled`),
		chromedp.SendKeys(widget+" .cf-input", text, chromedp.ByQuery),
		chromedp.Click(widget+" .cf-send", chromedp.ByQuery),
	}
}

func clickReply(value string) chromedp.Action {
	sel := fmt.Sprintf(`%s .cf-qr[data-value=%s]`, widget, js(value))
	return chromedp.Tasks{chromedp.WaitVisible(sel, chromedp.ByQuery), chromedp.Click(sel, chromedp.ByQuery)}
}

func eval(ctx context.Context, t *testing.T, expr string, out any) {
	t.Helper()
	require.NoError(t, chromedp.Run(ctx, chromedp.Evaluate(expr, out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	})))
}

func TestBrowser(t *testing.T) {
	b := browser(t)
	site := startLive(t)

	t.Run("targeting", func(t *testing.T) {
		ctx := tab(t, b)
		var heading, avatar, accent, behavior string
		require.NoError(t, chromedp.Run(ctx,
			chromedp.Navigate(site.url("/pricing")), chatflowIs("qualify-leads"),
			chromedp.Evaluate(`document.querySelector('#cf-widget .cf-heading').textContent`, &heading),
			chromedp.AttributeValue(widget+" img.cf-avatar", "src", &avatar, nil, chromedp.ByQuery),
			chromedp.AttributeValue(widget, "data-behavior", &behavior, nil, chromedp.ByQuery),
			chromedp.Evaluate(`getComputedStyle(document.querySelector('#cf-widget .cf-launcher')).backgroundColor`, &accent),
		))
		require.Equal(t, "Sales team", heading)
		require.Equal(t, "/static/avatars/sales.svg", avatar)
		require.Equal(t, "rgb(192, 57, 43)", accent, "the flow's accent colour")
		require.Equal(t, "pop_message", behavior)
		shot(t, ctx, "01-pricing-launcher")

		// Exit intent pops the welcome message up beside the launcher.
		require.NoError(t, chromedp.Run(ctx,
			chromedp.Evaluate(`document.dispatchEvent(new MouseEvent('mouseout', {clientY: -2, relatedTarget: null, bubbles: true}))`, nil),
			chromedp.WaitVisible(widget+" .cf-prompt", chromedp.ByQuery),
		))
		shot(t, ctx, "02-pricing-welcome-prompt")

		var none bool
		require.NoError(t, chromedp.Run(ctx,
			chromedp.Navigate(site.url("/privacy")), chatflowIs("none"),
			chromedp.Evaluate(`document.getElementById('cf-widget') === null`, &none),
		))
		require.True(t, none, "no chatflow on the privacy policy")
		shot(t, ctx, "03-privacy-no-chat")

		// #hs-chat-open opens the chat at once; a blog post opens it when
		// half of it is scrolled.
		require.NoError(t, chromedp.Run(ctx,
			chromedp.Navigate(site.url("/pricing#hs-chat-open")), chatflowIs("qualify-leads"),
			chromedp.WaitVisible(widget+" .cf-window", chromedp.ByQuery),
			chromedp.Navigate(site.url("/blog/chatbots-101")), chatflowIs("knowledge-base-support"),
			until(`document.querySelector('#cf-widget .cf-window').hidden`),
			chromedp.Evaluate(`window.scrollTo(0, document.documentElement.scrollHeight)`, nil),
			chromedp.WaitVisible(widget+" .cf-window", chromedp.ByQuery), until(idle),
		))
		shot(t, ctx, "04-blog-opened-on-scroll")

		// On a phone the pricing bot shows only its launcher.
		mobile := tab(t, b)
		require.NoError(t, chromedp.Run(mobile, chromedp.Emulate(device.IPhoneX),
			chromedp.Navigate(site.url("/pricing")), chatflowIs("qualify-leads"),
			chromedp.AttributeValue(widget, "data-behavior", &behavior, nil, chromedp.ByQuery)))
		require.Equal(t, "launcher_only", behavior)
	})

	t.Run("lead conversation", func(t *testing.T) {
		ctx := tab(t, b)
		var disabled bool
		require.NoError(t, chromedp.Run(ctx,
			chromedp.Navigate(site.url("/pricing")), chatflowIs("qualify-leads"),
			chromedp.Click(widget+" .cf-launcher", chromedp.ByQuery),
			chromedp.WaitVisible(widget+" .cf-consent", chromedp.ByQuery), until(idle),
			chromedp.Evaluate(`document.querySelector('#cf-widget .cf-input').disabled`, &disabled),
		))
		require.True(t, disabled, "no typing before consent")
		var n int
		require.NoError(t, chromedp.Run(ctx, chromedp.Evaluate(`document.querySelectorAll('#cf-widget .cf-qr').length`, &n)))
		require.Zero(t, n, "no quick replies before consent")
		// The server refuses a message sent around the widget, too.
		var status int
		eval(ctx, t, `fetch('/api/conversations/' + document.getElementById('cf-widget').dataset.conversation + '/messages', {
			method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({messageId: 'sneaky', text: 'Ada'})
		}).then(function(r){ return r.status; })`, &status)
		require.Equal(t, http.StatusConflict, status)
		shot(t, ctx, "05-consent-prompt")

		require.NoError(t, chromedp.Run(ctx,
			chromedp.Click(widget+" .cf-agree", chromedp.ByQuery),
			until(`document.getElementById('cf-widget').dataset.consent === 'ok'`),
			chromedp.WaitVisible(widget+" .cf-cookie", chromedp.ByQuery),
			chromedp.Click(widget+" .cf-cookie-accept", chromedp.ByQuery),
			chromedp.WaitNotVisible(widget+" .cf-cookie", chromedp.ByQuery),
			clickReply("yes"), said("bot", "What's your first name?"), until(idle),
			// A name that looks like markup stays text.
			typeText("Ada <b>Lovelace</b>"), said("bot", "Nice to meet you, Ada <b>Lovelace</b>."), until(idle),
			chromedp.Evaluate(`document.querySelectorAll('#cf-widget .cf-messages b, #cf-widget .cf-messages img').length`, &n),
		))
		require.Zero(t, n, "no element made from a visitor's text")
		require.NoError(t, chromedp.Run(ctx,
			typeText("ada-at-example"),
			chromedp.WaitVisible(widget+" li.cf-invalid", chromedp.ByQuery), until(idle),
			chromedp.WaitVisible(widget+" li.cf-rejected", chromedp.ByQuery),
		))
		shot(t, ctx, "06-email-rejected")
		require.NoError(t, chromedp.Run(ctx,
			typeText("ada@example.com"), said("bot", "How many people work at your company?"), until(idle),
			chromedp.WaitVisible(widget+` .cf-qr[data-value="201+"]`, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelector('#cf-widget .cf-input').disabled`, &disabled),
		))
		require.True(t, disabled, "free text is off: only the quick replies answer")
		shot(t, ctx, "07-quick-replies")
		require.NoError(t, chromedp.Run(ctx,
			clickReply("201+"), said("visitor", "More than 200"),
			said("bot", "A sales representative will email ada@example.com within one business day."), until(idle),
			until(`document.getElementById('cf-widget').dataset.status === 'finished'`),
			chromedp.WaitVisible(widget+" .cf-ended", chromedp.ByQuery),
		))
		shot(t, ctx, "08-lead-finished")
	})

	t.Run("reload and restart resume", func(t *testing.T) {
		ctx := tab(t, b)
		require.NoError(t, chromedp.Run(ctx,
			chromedp.Navigate(site.url("/")), chatflowIs("concierge"),
			chromedp.WaitVisible(widget+" .cf-prompt", chromedp.ByQuery), // pops up on load
			chromedp.Click(widget+" .cf-prompt-text", chromedp.ByQuery), until(idle),
			clickReply("answer"), said("bot", "Sure — what's your question?"), until(idle),
			chromedp.Reload(), chatflowIs("concierge"),
			chromedp.WaitVisible(widget+" .cf-window", chromedp.ByQuery), until(idle),
			said("visitor", "Find an answer"), said("bot", "Sure — what's your question?"),
		))
		shot(t, ctx, "09-reloaded")

		site.restart()
		require.NoError(t, chromedp.Run(ctx,
			chromedp.Navigate(site.url("/")), chatflowIs("concierge"),
			chromedp.WaitVisible(widget+" .cf-window", chromedp.ByQuery), until(idle),
			said("visitor", "Find an answer"), said("bot", "Sure — what's your question?"),
			typeText("how do I reset my password"), said("bot", "Reset your password"), until(idle),
		))
		shot(t, ctx, "10-restarted")
	})

	t.Run("handoff to an agent", func(t *testing.T) {
		visitor := tab(t, b)
		var conv string
		require.NoError(t, chromedp.Run(visitor,
			chromedp.Navigate(site.url("/")), chatflowIs("concierge"),
			chromedp.Click(widget+" .cf-launcher", chromedp.ByQuery), until(idle),
			clickReply("team"), said("bot", "Connecting you with our support team"), until(idle),
			until(`document.getElementById('cf-widget').dataset.status === 'handed_off'`),
			typeText("Where do I find my invoices?"), said("visitor", "Where do I find my invoices?"), until(idle),
			chromedp.AttributeValue(widget, "data-conversation", &conv, nil, chromedp.ByQuery),
		))

		agent := tab(t, b)
		item := fmt.Sprintf(`.agent-open[data-id=%s]`, js(conv))
		require.NoError(t, chromedp.Run(agent,
			chromedp.Navigate(site.url("/agent?key=agent-key")),
			chromedp.WaitVisible(item, chromedp.ByQuery), chromedp.Click(item, chromedp.ByQuery),
			until(`Array.from(document.querySelectorAll('#agent-messages li')).some(function(li){ return li.textContent.indexOf('Where do I find my invoices?') >= 0; })`),
			chromedp.SendKeys("#agent-text", "Hi, Ana here: they are under Settings, Billing.", chromedp.ByQuery),
			chromedp.Click("#agent-form button", chromedp.ByQuery),
			until(`!!document.querySelector('#agent-messages li[data-from=agent]')`),
		))
		shot(t, agent, "11-agent-console")

		require.NoError(t, chromedp.Run(visitor,
			said("agent", "Hi, Ana here: they are under Settings, Billing."), until(idle)))
		shot(t, visitor, "12-agent-reply")
	})
}

// removeProfile removes a browser profile, retrying while Chromium's last
// helper processes finish writing to it.
func removeProfile(t *testing.T, dir string) {
	var err error
	for i := 0; i < 20; i++ {
		if err = os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("leaving browser profile %s: %v", dir, err)
}
