// Package templates holds chatflow templates as flow JSON: ready-made bots
// to start from (SPEC §12). Each template is a file in this directory, named
// by its flow ID.
package templates

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.json
var files embed.FS

// ErrUnknown reports a template name that does not exist.
var ErrUnknown = errors.New("templates: unknown template")

// FS returns the templates as a read-only file system: one file per
// template, named <name>.json, at its root.
func FS() fs.FS { return files }

// Names returns the template names, sorted.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var out []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// JSON returns a template's flow JSON by name, e.g. "qualify-leads".
func JSON(name string) ([]byte, error) {
	b, err := files.ReadFile(name + ".json")
	if err != nil {
		return nil, fmt.Errorf("%w: %q (have %s)", ErrUnknown, name, strings.Join(Names(), ", "))
	}
	return b, nil
}
