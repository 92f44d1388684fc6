package main

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/chatflow/chatflow/engine/flowgraph"
)

// pageData is what the page templates see.
type pageData struct {
	Title string
	// Post is the blog post's slug.
	Post string
	// Flows are the chatflows, for the flows page.
	Flows []flowInfo
	// Agent hides the widget: the agent console is not a page visitors
	// chat on.
	Agent bool
}

// flowInfo is one chatflow on the flows page.
type flowInfo struct {
	ID, Name, Where, Mermaid string
	Actions                  int
}

// blogPosts are the demo blog's posts, by slug.
var blogPosts = map[string]string{
	"chatbots-101": "Chatbots 101: rules before robots",
	"office-hours": "Office hours that cross midnight",
}

// page serves a page of the demo site.
func (a *app) page(name, title string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a.render(w, name, pageData{Title: title})
	}
}

func (a *app) blogPost(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	title, ok := blogPosts[slug]
	if !ok {
		http.NotFound(w, r)
		return
	}
	a.render(w, "post", pageData{Title: title, Post: slug})
}

// flowsPage shows every chatflow as a picture and as Mermaid text.
func (a *app) flowsPage(w http.ResponseWriter, r *http.Request) {
	d := pageData{Title: "Chatflows"}
	for _, f := range a.flows {
		d.Flows = append(d.Flows, flowInfo{ID: f.ID(), Name: f.Name(), Where: a.where[f.ID()],
			Mermaid: flowgraph.New(f).Mermaid(), Actions: len(f.ActionNames())})
	}
	a.render(w, "flows", d)
}

// flowSVG serves /flows/ID.svg.
func (a *app) flowSVG(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".svg")
	f := a.byID[id]
	if !ok || f == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(flowgraph.New(f).SVG())
}

// render executes a page template into a buffer first, so that a failing
// template does not send half a page.
func (a *app) render(w http.ResponseWriter, name string, d pageData) {
	var buf bytes.Buffer
	if err := a.pages.ExecuteTemplate(&buf, name+".html", d); err != nil {
		a.log.Error("render page", "page", name, "err", err)
		http.Error(w, "page unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}
