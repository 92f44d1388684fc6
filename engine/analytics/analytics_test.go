package analytics_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/analytics"
	"github.com/chatflow/chatflow/engine/enginetest"
)

// flow asks a name and an email, then finishes or hands over.
const flow = `{"id": "leads", "version": 1, "welcome": {"message": ["Hi!"]},
 "options": {"sessionTimeout": "10m", "survey": {"enabled": true}},
 "actions": [
  {"name": "ask_name", "type": "ask_question", "settings": {"message": ["Name?"], "property": "firstname", "skipIfKnown": true}},
  {"name": "ask_email", "type": "ask_question", "settings": {"message": ["Email?"], "property": "email"},
   "branches": [{"if": "answer.endsWith(\"@bigcorp.example\")", "then": "route"}]},
  {"name": "bye", "type": "send_message", "settings": {"message": ["Bye"]}, "end": true},
  {"name": "route", "type": "send_to_team_member", "settings": {"assign": "nobody"}}]}`

// scripted runs a few conversations through the harness, feeding every
// reply, the feedback's and the sweep's included.
func scripted(t *testing.T, feed func(*engine.Reply)) *enginetest.Harness {
	h := enginetest.New(t, []byte(flow))
	h.OnReply = feed
	h.Start("done").Says("hi").Says("Ada").Says("nope").Says("ada@example.com").ExpectStatus(engine.StatusFinished)
	h.Start("handed").Says("hi").Says("Bo").Says("bo@bigcorp.example").ExpectStatus(engine.StatusHandedOff)
	h.Start("left1").Says("hi").Says("Cy")
	h.Start("left2").Says("hi")
	h.Start("browsing")
	for _, fb := range []engine.FeedbackRequest{{ConversationID: "done", Rating: 4, Comment: "nice"}, {ConversationID: "handed", Rating: 2}} {
		r, err := h.Engine.Feedback(t.Context(), fb)
		require.NoError(t, err)
		feed(r)
	}
	h.Clock.Advance(time.Hour)
	res, err := h.Engine.Sweep(t.Context(), engine.SweepRequest{})
	require.NoError(t, err)
	require.Len(t, res.Replies, 2)
	for _, r := range res.Replies {
		feed(r)
	}
	return h
}

func TestAggregatorCountsAConversationFunnel(t *testing.T) {
	agg := analytics.New(analytics.Config{})
	h := scripted(t, agg.AddReply)
	r := agg.Report(analytics.Query{FlowID: "leads", Actions: h.Flow.ActionNames()})
	assert.Equal(t, int64(5), r.Started)
	assert.Equal(t, int64(4), r.Engaged)
	assert.Equal(t, int64(1), r.Completed)
	assert.Equal(t, int64(1), r.HandedOff)
	assert.Equal(t, int64(2), r.Abandoned)
	assert.Equal(t, int64(2), r.Survey.Responses)
	assert.Equal(t, 3.0, r.Survey.Average())
	assert.Equal(t, int64(1), r.Survey.Comments)
	assert.Equal(t, map[int]int64{2: 1, 4: 1}, r.Survey.Ratings)

	var names []string
	for _, s := range r.Funnel {
		names = append(names, s.Action)
	}
	assert.Equal(t, []string{"ask_name", "ask_email", "bye", "route"}, names, "flow order")
	step := func(name string) analytics.ActionCounts {
		for _, s := range r.Funnel {
			if s.Action == name {
				return s.ActionCounts
			}
		}
		t.Fatalf("no step %s", name)
		return analytics.ActionCounts{}
	}
	assert.Equal(t, analytics.ActionCounts{Type: "ask_question", Reached: 4, Completed: 3, DropOff: 1}, step("ask_name"))
	assert.Equal(t, analytics.ActionCounts{Type: "ask_question", Reached: 3, Completed: 2, Rejected: 1, DropOff: 1}, step("ask_email"))
	assert.Equal(t, analytics.ActionCounts{Type: "send_message", Reached: 1, Completed: 1}, step("bye"))
	assert.Equal(t, analytics.ActionCounts{Type: "send_to_team_member", Reached: 1, Completed: 1}, step("route"))

	// Other flows, versions and times select nothing.
	assert.Zero(t, agg.Report(analytics.Query{FlowID: "other"}).Started)
	assert.Zero(t, agg.Report(analytics.Query{FlowID: "leads", Version: 2}).Started)
	assert.Zero(t, agg.Report(analytics.Query{From: enginetest.Epoch.Add(24 * time.Hour)}).Started)
	assert.Equal(t, int64(5), agg.Report(analytics.Query{From: enginetest.Epoch, To: enginetest.Epoch.Add(time.Hour)}).Started)
	// The abandonments came an hour later, in the next bucket.
	assert.Equal(t, int64(2), agg.Report(analytics.Query{From: enginetest.Epoch.Add(time.Hour)}).Abandoned)
}

func TestAggregatorMergesPartialResults(t *testing.T) {
	whole := analytics.New(analytics.Config{})
	scripted(t, whole.AddReply)

	// The same events split over two processes, merged through JSON.
	a, b := analytics.New(analytics.Config{}), analytics.New(analytics.Config{})
	var n int
	scripted(t, func(r *engine.Reply) {
		n++
		if n%2 == 0 {
			a.AddReply(r)
		} else {
			b.AddReply(r)
		}
	})
	split := analytics.New(analytics.Config{})
	for _, part := range []*analytics.Aggregator{a, b} {
		data, err := json.Marshal(part.Snapshot())
		require.NoError(t, err)
		var s analytics.Snapshot
		require.NoError(t, json.Unmarshal(data, &s))
		require.NoError(t, split.Merge(s))
	}
	assert.Equal(t, whole.Snapshot(), split.Snapshot())
	assert.Equal(t, whole.Report(analytics.Query{}), split.Report(analytics.Query{}))

	// Buckets of another width do not merge.
	daily := analytics.New(analytics.Config{Bucket: 24 * time.Hour})
	err := daily.Merge(whole.Snapshot())
	assert.True(t, errors.Is(err, analytics.ErrBucketMismatch), "%v", err)
	assert.Empty(t, daily.Snapshot().Cells)
}

func TestAggregatorIgnoresUnstampedAndUncountedEvents(t *testing.T) {
	var agg analytics.Aggregator // the zero value works
	agg.Add(action.Event{Type: engine.EventConversationStarted, Time: time.Now()},
		action.Event{Type: engine.EventPropertySet, FlowID: "f", FlowVersion: 1, Time: time.Now()})
	agg.AddReply(nil)
	assert.Empty(t, agg.Snapshot().Cells)
	assert.Equal(t, "1h0m0s", agg.Snapshot().Bucket)
}

func TestReportJSON(t *testing.T) {
	agg := analytics.New(analytics.Config{})
	h := scripted(t, agg.AddReply)
	data, err := json.MarshalIndent(agg.Report(analytics.Query{FlowID: "leads", Version: 1, Actions: h.Flow.ActionNames()}), "", "  ")
	require.NoError(t, err)
	enginetest.Golden(t, "testdata/report.golden.json", data, h.Update)
}

func TestFunnelSVG(t *testing.T) {
	agg := analytics.New(analytics.Config{})
	h := scripted(t, agg.AddReply)
	var buf bytes.Buffer
	require.NoError(t, analytics.WriteFunnelSVG(&buf, agg.Report(analytics.Query{FlowID: "leads", Actions: h.Flow.ActionNames()})))
	wellFormed(t, buf.Bytes())
	assert.Less(t, strings.Index(buf.String(), ">ask_name<"), strings.Index(buf.String(), ">ask_email<"))
	enginetest.Golden(t, "testdata/funnel.golden.svg", buf.Bytes(), h.Update)

	// Names are escaped; an empty report draws a note.
	buf.Reset()
	require.NoError(t, analytics.WriteFunnelSVG(&buf, analytics.Report{FlowID: `<script>"&`, Funnel: []analytics.Step{{Action: "<b>"}}}))
	wellFormed(t, buf.Bytes())
	assert.NotContains(t, buf.String(), "<script>")
	assert.NotContains(t, buf.String(), "<b>")
	buf.Reset()
	require.NoError(t, analytics.WriteFunnelSVG(&buf, analytics.Report{}))
	wellFormed(t, buf.Bytes())
	assert.Contains(t, buf.String(), "No actions reached yet.")
}

func wellFormed(t *testing.T, data []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		require.NoError(t, err, "SVG is not well-formed XML")
	}
}
