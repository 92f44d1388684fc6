package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/examples/templates"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/sqlite"
	"github.com/chatflow/chatflow/targeting"
)

//go:embed static
var staticFiles embed.FS

//go:embed pages/*.html
var pageFiles embed.FS

// options configure the web example.
type options struct {
	// DBPath is the SQLite file for the chatflow stores and the example's
	// own tables; it is created if missing.
	DBPath string
	// BaseURL is the site's address, such as http://127.0.0.1:8080.
	BaseURL string
	// AgentKey opens the agent console; "" means a random one.
	AgentKey string
	// Clock is the engine's clock; nil means time.Now.
	Clock func() time.Time
	// RateBurst and RateInterval limit the API requests of one client
	// address: RateBurst at once, then one per RateInterval. Zero means
	// 60 and 100ms.
	RateBurst    int
	RateInterval time.Duration
	// Log receives errors; nil means slog.Default().
	Log *slog.Logger
}

// app is the web example: the engine on SQLite, the site's chatflows, the
// example's own store and the HTTP handlers.
type app struct {
	opts  options
	db    *sqlite.DB
	web   *webStore
	eng   *engine.Engine
	flows []*engine.Flow
	// engAvailable is the engine's availability callback, which
	// targeting asks about chatflows shown only while the team is.
	engAvailable func(ctx context.Context, flowID string, now time.Time) (bool, error)
	cands        []targeting.Candidate
	byID         map[string]*engine.Flow
	where        map[string]string
	agentKey     string
	limiter      *limiter
	pages        *template.Template
	log          *slog.Logger
	handler      http.Handler
}

// newApp opens (creating if need be) the database, loads the site's
// chatflows and builds the handlers.
func newApp(ctx context.Context, opts options) (*app, error) {
	if opts.DBPath == "" || opts.BaseURL == "" {
		return nil, errors.New("web: DBPath and BaseURL are required")
	}
	if opts.RateBurst == 0 {
		opts.RateBurst = 60
	}
	if opts.RateInterval == 0 {
		opts.RateInterval = 100 * time.Millisecond
	}
	a := &app{opts: opts, log: opts.Log, agentKey: opts.AgentKey,
		limiter: newLimiter(opts.RateBurst, opts.RateInterval),
		byID:    map[string]*engine.Flow{}, where: map[string]string{}}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.agentKey == "" {
		a.agentKey = randomToken(18)
	}
	sb := templates.NewSandbox()
	db, err := openDB(ctx, opts.DBPath, sb)
	if err != nil {
		return nil, err
	}
	a.db = db
	if a.web, err = openWebStore(ctx, opts.DBPath); err != nil {
		db.Close()
		return nil, err
	}
	cfg := sb.Config()
	cfg.Stores = db.Stores()
	cfg.Clock = opts.Clock
	a.engAvailable = cfg.Available
	if a.eng, err = engine.New(cfg); err != nil {
		a.Close()
		return nil, fmt.Errorf("web: %w", err)
	}
	if a.flows, err = loadSiteFlows(a.eng, strings.TrimSuffix(opts.BaseURL, "/")); err != nil {
		a.Close()
		return nil, fmt.Errorf("web: %w", err)
	}
	for i, f := range a.flows {
		a.cands = append(a.cands, targeting.Candidate{ID: f.ID(), Rules: f.Targeting()})
		a.byID[f.ID()] = f
		a.where[f.ID()] = siteFlows[i].Where
	}
	if a.pages, err = template.ParseFS(pageFiles, "pages/*.html"); err != nil {
		a.Close()
		return nil, fmt.Errorf("web: pages: %w", err)
	}
	a.handler = a.routes()
	return a, nil
}

// openDB opens the SQLite stores and adds the sandbox's sample data (help
// articles, the "chat-leads" list, the "onboarding" workflow, the
// "sales-demo" meeting link) that the templates use. Adding it again on a
// restart changes nothing.
func openDB(ctx context.Context, path string, sb *templates.Sandbox) (*sqlite.DB, error) {
	db, err := sqlite.Open(ctx, sqlite.Config{Path: path})
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	seed := []func() error{
		func() error { return db.Migrate(ctx) },
		func() error { return db.KnowledgeBase().Add(ctx, templates.SampleArticles...) },
		func() error { return db.Lists().CreateList(ctx, "chat-leads") },
		func() error { return db.Workflows().CreateWorkflow(ctx, "onboarding", true) },
		func() error {
			link, err := sb.Meetings.Link(ctx, "sales-demo")
			if err != nil {
				return err
			}
			return db.Meetings().SetLink(ctx, "sales-demo", link)
		},
	}
	for _, step := range seed {
		if err := step(); err != nil {
			db.Close()
			return nil, fmt.Errorf("web: prepare %s: %w", path, err)
		}
	}
	return db, nil
}

// Close closes the databases.
func (a *app) Close() error {
	var errs []error
	if a.web != nil {
		errs = append(errs, a.web.Close())
	}
	if a.db != nil {
		errs = append(errs, a.db.Close())
	}
	return errors.Join(errs...)
}

// ServeHTTP serves the site.
func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// routes builds the handler: the demo pages, the static files, the
// visitor API, the agent console and its API, all behind the security
// headers; the APIs also behind the rate limit.
func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFiles, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", a.page("home", "Home"))
	mux.HandleFunc("GET /pricing", a.page("pricing", "Pricing"))
	mux.HandleFunc("GET /blog/{slug}", a.blogPost)
	mux.HandleFunc("GET /support", a.page("support", "Support"))
	mux.HandleFunc("GET /contact", a.page("contact", "Contact"))
	mux.HandleFunc("GET /privacy", a.page("privacy", "Privacy policy"))
	mux.HandleFunc("GET /flows", a.flowsPage)
	mux.HandleFunc("GET /flows/{file}", a.flowSVG)
	mux.HandleFunc("GET /agent", a.agentPage)

	api := http.NewServeMux()
	api.HandleFunc("GET /api/chat", a.chatConfig)
	api.HandleFunc("POST /api/conversations", a.startConversation)
	api.HandleFunc("GET /api/conversations/{id}/messages", a.pollConversation)
	api.HandleFunc("POST /api/conversations/{id}/messages", a.sendMessage)
	api.HandleFunc("POST /api/conversations/{id}/consent", a.giveConsent)
	api.HandleFunc("GET /api/agent/conversations", a.agentList)
	api.HandleFunc("GET /api/agent/conversations/{id}/messages", a.agentMessages)
	api.HandleFunc("POST /api/agent/conversations/{id}/messages", a.agentReply)
	mux.Handle("/api/", a.rateLimit(api))
	return securityHeaders(mux)
}

// visitorFunc looks up, lazily, the contact behind the browser's latest
// conversation, for chatflows with visitor rules.
func (a *app) visitorFunc(r *http.Request) targeting.VisitorFunc {
	owner := visitorOwner(r)
	if owner == "" {
		return nil
	}
	return func(ctx context.Context) (targeting.Visitor, error) {
		c, err := a.web.LatestAny(ctx, owner)
		if errors.Is(err, errNotFound) {
			return targeting.Visitor{}, nil
		}
		if err != nil {
			return targeting.Visitor{}, err
		}
		s, err := a.eng.Session(ctx, c.ID)
		if errors.Is(err, engine.ErrUnknownConversation) || (err == nil && s.ContactID == "") {
			return targeting.Visitor{}, nil
		}
		if err != nil {
			return targeting.Visitor{}, err
		}
		contact, err := a.db.Contacts().Contact(ctx, s.ContactID)
		if errors.Is(err, store.ErrNotFound) {
			return targeting.Visitor{}, nil
		}
		if err != nil {
			return targeting.Visitor{}, err
		}
		lists, err := a.db.Lists().ListsOf(ctx, s.ContactID)
		if err != nil {
			return targeting.Visitor{}, err
		}
		return targeting.Visitor{Known: true, Properties: contact.Properties, Lists: lists}, nil
	}
}
