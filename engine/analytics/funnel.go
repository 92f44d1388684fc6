package analytics

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The funnel picture's layout, in SVG user units.
const (
	svgWidth   = 760
	svgLabelW  = 200 // action names
	svgBarW    = 330 // the widest bar
	svgRowH    = 34
	svgTop     = 78
	svgBarH    = 22
	svgPadding = 16
)

// WriteFunnelSVG draws a report as an SVG funnel a host can serve
// (Content-Type image/svg+xml): a heading with the conversation totals,
// then one row per action in the report's order, a bar as long as the
// action was reached (relative to the most reached action or the engaged
// conversations, whichever is more), its drop-off in red at the bar's end,
// and the counts. Every text is escaped; the picture has no scripts and no
// external references.
func WriteFunnelSVG(w io.Writer, r Report) error {
	bw := bufio.NewWriter(w)
	height := svgTop + len(r.Funnel)*svgRowH + svgPadding
	if len(r.Funnel) == 0 {
		height += svgRowH
	}
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="13">`+"\n",
		svgWidth, height, svgWidth, height)
	title := "All chatflows"
	if r.FlowID != "" {
		title = r.FlowID
		if r.Version != 0 {
			title += " v" + strconv.Itoa(r.Version)
		}
	}
	fmt.Fprintf(bw, "<title>Funnel: %s</title>\n", esc(title))
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", svgWidth, height)
	fmt.Fprintf(bw, `<text x="%d" y="26" font-size="16" font-weight="bold">%s</text>`+"\n", svgPadding, esc(title))
	totals := fmt.Sprintf("started %d · engaged %d · completed %d · handed off %d · abandoned %d", r.Started, r.Engaged, r.Completed, r.HandedOff, r.Abandoned)
	if r.Survey.Responses > 0 {
		totals += fmt.Sprintf(" · satisfaction %.1f (%d)", r.Survey.Average(), r.Survey.Responses)
	}
	fmt.Fprintf(bw, `<text x="%d" y="50" fill="#444444">%s</text>`+"\n", svgPadding, esc(totals))
	if len(r.Funnel) == 0 {
		fmt.Fprintf(bw, `<text x="%d" y="%d" fill="#888888">No actions reached yet.</text>`+"\n", svgPadding, svgTop+16)
	}
	scale := r.Engaged
	for _, s := range r.Funnel {
		scale = max(scale, s.Reached, s.DropOff)
	}
	for i, s := range r.Funnel {
		y := svgTop + i*svgRowH
		fmt.Fprintf(bw, `<g><title>%s</title>`+"\n", esc(fmt.Sprintf("%s (%s): reached %d, completed %d, skipped %d, failed %d, answers rejected %d, dropped off %d",
			s.Action, s.Type, s.Reached, s.Completed, s.Skipped, s.Failed, s.Rejected, s.DropOff)))
		fmt.Fprintf(bw, `<text x="%d" y="%d">%s</text>`+"\n", svgPadding, y+16, esc(clip(s.Action, 26)))
		x := svgPadding + svgLabelW
		fmt.Fprintf(bw, `<rect x="%d" y="%d" width="%d" height="%d" fill="#eef1f6"/>`+"\n", x, y, svgBarW, svgBarH)
		reached, drop := width(s.Reached, scale), width(s.DropOff, scale)
		if reached > 0 {
			fmt.Fprintf(bw, `<rect x="%d" y="%d" width="%d" height="%d" fill="#4f7fd6"/>`+"\n", x, y, reached, svgBarH)
		}
		if drop > 0 {
			fmt.Fprintf(bw, `<rect x="%d" y="%d" width="%d" height="%d" fill="#d9534f"/>`+"\n", x+max(reached-drop, 0), y, drop, svgBarH)
		}
		label := fmt.Sprintf("%d reached · %d done", s.Reached, s.Completed)
		if s.DropOff > 0 {
			label += fmt.Sprintf(" · %d dropped off", s.DropOff)
		}
		fmt.Fprintf(bw, `<text x="%d" y="%d" fill="#333333">%s</text>`+"\n", x+svgBarW+8, y+16, esc(label))
		bw.WriteString("</g>\n")
	}
	bw.WriteString("</svg>\n")
	return bw.Flush()
}

// width scales a count to a bar width.
func width(n, scale int64) int {
	if n <= 0 || scale <= 0 {
		return 0
	}
	return max(1, int(n*svgBarW/scale))
}

// clip shortens a label to n runes.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// esc escapes text for SVG.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
