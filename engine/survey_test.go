package engine_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
)

const surveyFlow = `{"id": "csat", "version": 1, "welcome": {"message": ["Hi!"]},
 "options": {"survey": {"enabled": true, "scale": 3, "after": ["finished"], "thanks": "Cheers!"}},
 "actions": [
  {"name": "ask", "type": "ask_question", "settings": {"message": ["Name?"]}},
  {"name": "bye", "type": "send_message", "settings": {"message": ["Bye"]}}]}`

func TestSurveyAfterTheConversationEnds(t *testing.T) {
	h := enginetest.New(t, []byte(surveyFlow))
	ctx := t.Context()
	c := h.Start("c1").Says("hi")
	assert.Nil(t, c.Reply().Survey, "not asked while the bot runs")
	_, err := h.Engine.Feedback(ctx, engine.FeedbackRequest{ConversationID: "c1", Rating: 3})
	assert.ErrorIs(t, err, engine.ErrInvalidInput, "not before the end")

	c.Says("Ada").ExpectStatus(engine.StatusFinished)
	p := c.Reply().Survey
	require.NotNil(t, p)
	assert.Equal(t, engine.DefaultSurveyQuestion, p.Question)
	assert.Equal(t, engine.DefaultSurveyCommentPrompt, p.CommentPrompt)
	require.Len(t, p.Ratings, 3)
	assert.Equal(t, "1", p.Ratings[0].Value)
	assert.Equal(t, "3", p.Ratings[2].Value)
	assert.Equal(t, p, h.Flow.SurveyPrompt())

	for _, bad := range []engine.FeedbackRequest{
		{ConversationID: "c1", Rating: 0},
		{ConversationID: "c1", Rating: 4},
		{ConversationID: "c1", Rating: 2, Comment: strings.Repeat("x", engine.DefaultMaxAnswerLength+1)},
	} {
		_, err := h.Engine.Feedback(ctx, bad)
		assert.ErrorIs(t, err, engine.ErrInvalidInput, "%+v", bad)
	}
	_, err = h.Engine.Feedback(ctx, engine.FeedbackRequest{ConversationID: "nope", Rating: 2})
	assert.ErrorIs(t, err, engine.ErrUnknownConversation)

	r, err := h.Engine.Feedback(ctx, engine.FeedbackRequest{ConversationID: "c1", Rating: 2, Comment: " Quick! "})
	require.NoError(t, err)
	assert.Equal(t, []string{"Cheers!"}, r.Texts())
	assert.Equal(t, engine.OutcomeProcessed, r.Outcome)
	assert.Equal(t, engine.StatusFinished, r.Status)
	require.Len(t, r.Events, 1)
	ev := r.Events[0]
	assert.Equal(t, engine.EventSurveyAnswered, ev.Type)
	assert.Equal(t, "2", ev.Value)
	assert.Equal(t, engine.ReasonSurveyComment, ev.Reason)
	assert.Equal(t, "csat", ev.FlowID)

	// Recorded with the conversation.
	s, err := h.Engine.Session(ctx, "c1")
	require.NoError(t, err)
	resp, ok := s.SurveyResponse()
	require.True(t, ok)
	assert.Equal(t, engine.SurveyResponse{Rating: 2, Comment: "Quick!"}, resp)

	// Answered once: the same answer is a duplicate, another an error.
	r, err = h.Engine.Feedback(ctx, engine.FeedbackRequest{ConversationID: "c1", Rating: 2, Comment: "Quick!"})
	require.NoError(t, err)
	assert.Equal(t, engine.OutcomeDuplicate, r.Outcome)
	assert.Empty(t, r.Events)
	_, err = h.Engine.Feedback(ctx, engine.FeedbackRequest{ConversationID: "c1", Rating: 1})
	assert.ErrorIs(t, err, engine.ErrInvalidInput)
}

func TestSurveyAfterHandoffOnly(t *testing.T) {
	h := enginetest.New(t, []byte(`{"id": "f", "version": 1, "welcome": {"message": ["Hi!"]},
	 "options": {"survey": {"enabled": true, "after": ["handed_off"]}},
	 "actions": [
	  {"name": "route", "type": "send_to_team_member", "settings": {"assign": "nobody"}, "branches": [{"if": "answer == \"done\"", "then": "bye"}]},
	  {"name": "bye", "type": "send_message", "settings": {"message": ["Bye"]}}]}`))
	c := h.Start("c1").Says("help").ExpectStatus(engine.StatusHandedOff)
	require.NotNil(t, c.Reply().Survey)
	assert.Len(t, c.Reply().Survey.Ratings, engine.DefaultSurveyScale)
	r, err := h.Engine.Feedback(t.Context(), engine.FeedbackRequest{ConversationID: "c1", Rating: 5})
	require.NoError(t, err)
	assert.Equal(t, []string{engine.DefaultSurveyThanks}, r.Texts())
}

func TestSurveyLoadErrors(t *testing.T) {
	e := enginetest.New(t, []byte(surveyFlow)).Engine
	for _, tc := range []struct{ options, path string }{
		{`{"survey": {"enabled": true, "scale": 11}}`, "options.survey.scale"},
		{`{"survey": {"enabled": true, "after": ["ended"]}}`, "options.survey.after[0]"},
	} {
		_, err := e.Load([]byte(`{"id": "x", "version": 1, "welcome": {"message": ["Hi"]}, "options": ` + tc.options + `,
		 "actions": [{"name": "a", "type": "send_message", "settings": {"message": ["x"]}}]}`))
		require.ErrorIs(t, err, engine.ErrInvalidFlow)
		assert.Contains(t, err.Error(), tc.path)
	}
	_, err := e.Load([]byte(`{"id": "x", "version": 1, "welcome": {"message": ["Hi"]},
	 "actions": [{"name": "$survey.rating", "type": "send_message", "settings": {"message": ["x"]}}]}`))
	require.ErrorIs(t, err, engine.ErrInvalidFlow)
	assert.Contains(t, err.Error(), "reserved")
	// Without a survey, Feedback is refused.
	h := enginetest.New(t, []byte(twoQuestions))
	h.Start("c").Says("a").Says("b").Says("c").ExpectStatus(engine.StatusFinished)
	assert.Nil(t, h.Flow.SurveyPrompt())
	_, err = h.Engine.Feedback(t.Context(), engine.FeedbackRequest{ConversationID: "c", Rating: 1})
	assert.ErrorIs(t, err, engine.ErrInvalidInput)
}

func TestSurveyTextsInTheFlowLanguage(t *testing.T) {
	h := enginetest.New(t, []byte(`{"id": "nl", "version": 1, "language": "nl", "welcome": {"message": ["Hoi!"]},
	 "options": {"survey": {"enabled": true}},
	 "actions": [{"name": "bye", "type": "send_message", "settings": {"message": ["Doei"]}}]}`))
	p := h.Start("c").Says("hoi").ExpectStatus(engine.StatusFinished).Reply().Survey
	require.NotNil(t, p)
	assert.Equal(t, "Hoe beoordeel je dit gesprek?", p.Question)
	r, err := h.Engine.Feedback(t.Context(), engine.FeedbackRequest{ConversationID: "c", Rating: 5})
	require.NoError(t, err)
	assert.Equal(t, []string{"Bedankt voor je feedback!"}, r.Texts())
}
