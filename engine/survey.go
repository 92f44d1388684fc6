package engine

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/catalog"
)

// Survey is a flow's customer-satisfaction survey (options.survey; SPEC
// §5, seeds 001–003): after the bot part of a conversation finishes or
// hands over, the reply carries a SurveyPrompt that the host shows (a
// widget renders it as rating buttons and a comment box; a text channel
// sends the question and the rating quick replies), and the host reports
// the visitor's answer with Engine.Feedback. The zero value is off.
type Survey struct {
	// Enabled switches the survey on.
	Enabled bool `json:"enabled"`
	// After lists when it is asked: "finished" (the bot reached the end of
	// a path) and "handed_off" (to a person or an agent; the host shows it
	// when that chat ends). Empty means both.
	After []Status `json:"after,omitempty"`
	// Scale is the highest rating, 2 to 10 (the lowest is 1); 0 means 5.
	Scale int `json:"scale,omitempty"`
	// Question asks for the rating; "" means the built-in text in the
	// flow's language (catalog.SurveyQuestion; DefaultSurveyQuestion in
	// English).
	Question string `json:"question,omitempty"`
	// CommentPrompt invites an optional comment; "" means the built-in
	// text (catalog.SurveyCommentPrompt; DefaultSurveyCommentPrompt).
	CommentPrompt string `json:"commentPrompt,omitempty"`
	// Thanks is said when the answer is recorded; "" means the built-in
	// text (catalog.SurveyThanks; DefaultSurveyThanks).
	Thanks string `json:"thanks,omitempty"`
}

// The survey's default scale and its texts in English.
const (
	DefaultSurveyQuestion      = "How would you rate this conversation?"
	DefaultSurveyCommentPrompt = "Anything you would like to add? (optional)"
	DefaultSurveyThanks        = "Thank you for your feedback!"
	DefaultSurveyScale         = 5
)

// ReasonSurveyComment is the Reason of an EventSurveyAnswered whose answer
// has a comment.
const ReasonSurveyComment = "comment"

// The reserved answer names under which Feedback records the survey answer
// with the conversation (Session.Answers); action names may not start with
// reservedPrefix.
const (
	reservedPrefix   = "$"
	surveyRatingKey  = reservedPrefix + "survey.rating"
	surveyCommentKey = reservedPrefix + "survey.comment"
)

// SurveyPrompt is what the host shows to ask for the survey: the question,
// one quick reply per rating (values "1" to the scale, lowest first) and the
// comment prompt.
type SurveyPrompt struct {
	// Question asks for the rating.
	Question string `json:"question"`
	// Ratings are the ratings to choose from, lowest first; a choice's
	// Value is the FeedbackRequest.Rating.
	Ratings []action.QuickReply `json:"ratings"`
	// CommentPrompt invites the optional comment.
	CommentPrompt string `json:"commentPrompt"`
}

// loadSurvey checks options.survey and fills in its defaults.
func (l *loader) loadSurvey() {
	s := l.f.def.Options.Survey
	if s == nil {
		return
	}
	if !s.Enabled {
		l.f.def.Options.Survey = nil // off: nothing to keep
		return
	}
	if s.Scale == 0 {
		s.Scale = DefaultSurveyScale
	} else if s.Scale < 2 || s.Scale > 10 {
		l.fail("options.survey.scale", "", fmt.Sprintf("must be between 2 and 10, got %d", s.Scale), nil)
	}
	if len(s.After) == 0 {
		s.After = []Status{StatusFinished, StatusHandedOff}
	}
	for i, st := range s.After {
		if st != StatusFinished && st != StatusHandedOff {
			l.fail("options.survey.after["+strconv.Itoa(i)+"]", "", fmt.Sprintf("%q is not %q or %q", st, StatusFinished, StatusHandedOff), nil)
		}
	}
	if s.Question == "" {
		s.Question = l.text(catalog.SurveyQuestion)
	}
	if s.CommentPrompt == "" {
		s.CommentPrompt = l.text(catalog.SurveyCommentPrompt)
	}
	if s.Thanks == "" {
		s.Thanks = l.text(catalog.SurveyThanks)
	}
}

// reservedName reports an action name the engine keeps for itself.
func reservedName(name string) bool { return strings.HasPrefix(name, reservedPrefix) }

// SurveyPrompt returns the flow's survey prompt, nil when the flow has no
// survey. Hosts that show the survey later than the reply that ended the
// bot part (when a person's chat ends) take it from here.
func (f *Flow) SurveyPrompt() *SurveyPrompt {
	s := f.def.Options.Survey
	if s == nil {
		return nil
	}
	p := &SurveyPrompt{Question: s.Question, CommentPrompt: s.CommentPrompt, Ratings: make([]action.QuickReply, s.Scale)}
	for i := range p.Ratings {
		p.Ratings[i] = action.QuickReply{Value: strconv.Itoa(i + 1)}
	}
	return p
}

// asksSurveyAfter reports whether the flow asks the survey once a session
// reaches the status.
func (f *Flow) asksSurveyAfter(st Status) bool {
	s := f.def.Options.Survey
	return s != nil && slices.Contains(s.After, st)
}

// offerSurvey adds the survey prompt to the reply of a turn that ended the
// bot part in a way the flow asks the survey after.
func (t *turn) offerSurvey(r *Reply) {
	if (t.sess.Status == StatusFinished || t.sess.Status == StatusHandedOff) && t.flow.asksSurveyAfter(t.sess.Status) {
		for i := range r.Events {
			if typ := r.Events[i].Type; typ == EventConversationFinished || typ == EventHandedOff {
				r.Survey = t.flow.SurveyPrompt()
				return
			}
		}
	}
}

// FeedbackRequest is a visitor's answer to the customer-satisfaction
// survey, reported by the host.
type FeedbackRequest struct {
	// ConversationID identifies the conversation.
	ConversationID string
	// Rating is from 1 to the survey's scale.
	Rating int
	// Comment is the visitor's optional comment.
	Comment string
	// Time is when; zero means the engine's clock.
	Time time.Time
}

// SurveyResponse is a recorded survey answer.
type SurveyResponse struct {
	// Rating is from 1 to the survey's scale.
	Rating int `json:"rating"`
	// Comment is the visitor's comment, "" for none.
	Comment string `json:"comment,omitempty"`
}

// SurveyResponse returns the survey answer recorded with the session, if
// any.
func (s *Session) SurveyResponse() (SurveyResponse, bool) {
	v, ok := s.Answers[surveyRatingKey]
	if !ok {
		return SurveyResponse{}, false
	}
	r, _ := strconv.Atoi(v)
	return SurveyResponse{Rating: r, Comment: s.Answers[surveyCommentKey]}, true
}

// Feedback records a visitor's answer to the customer-satisfaction survey
// with the conversation (see Session.SurveyResponse) and returns a reply
// with the thanks and an EventSurveyAnswered for the analytics. The survey
// is answered once: the same answer again gets OutcomeDuplicate and changes
// nothing. A conversation whose flow version has no survey, whose bot part
// has not ended as the survey asks, a rating outside the scale, a comment
// longer than the flow's maxAnswerLength or a second, different answer are
// errors matching ErrInvalidInput. Like every call on a conversation, it
// holds the conversation's lock.
func (e *Engine) Feedback(ctx context.Context, req FeedbackRequest) (*Reply, error) {
	now := e.now(req.Time)
	comment := strings.TrimSpace(req.Comment)
	var dup *Reply
	r, err := e.withSession(ctx, req.ConversationID, func(s *Session, f *Flow) (*turn, error) {
		sv := f.def.Options.Survey
		switch {
		case sv == nil:
			return nil, fmt.Errorf("%w: flow %s version %d has no survey", ErrInvalidInput, f.def.ID, f.def.Version)
		case !slices.Contains(sv.After, s.Status):
			return nil, fmt.Errorf("%w: conversation %s is %s; the survey is asked after %v", ErrInvalidInput, s.ConversationID, s.Status, sv.After)
		case req.Rating < 1 || req.Rating > sv.Scale:
			return nil, fmt.Errorf("%w: rating %d is outside 1 to %d", ErrInvalidInput, req.Rating, sv.Scale)
		case !utf8.ValidString(comment) || utf8.RuneCountInString(comment) > f.def.Options.MaxAnswerLength:
			return nil, fmt.Errorf("%w: the comment is not valid UTF-8 or longer than %d characters", ErrInvalidInput, f.def.Options.MaxAnswerLength)
		}
		if old, ok := s.SurveyResponse(); ok {
			if old.Rating == req.Rating && old.Comment == comment {
				dup = &Reply{ConversationID: s.ConversationID, Status: s.Status, Outcome: OutcomeDuplicate}
				return nil, errSurveyDuplicate
			}
			return nil, fmt.Errorf("%w: conversation %s has answered the survey already", ErrInvalidInput, s.ConversationID)
		}
		t := newTurn(ctx, e, f, s, now, "")
		if s.Answers == nil {
			s.Answers = make(map[string]string, 2)
		}
		s.Answers[surveyRatingKey] = strconv.Itoa(req.Rating)
		ev := action.Event{Type: EventSurveyAnswered, Time: now, Value: strconv.Itoa(req.Rating)}
		if comment != "" {
			s.Answers[surveyCommentKey] = comment
			ev.Reason = ReasonSurveyComment
		}
		t.reply.Events = append(t.reply.Events, ev)
		t.sayText(sv.Thanks)
		return t, nil
	})
	if err == errSurveyDuplicate {
		return dup, nil
	}
	return r, err
}

// errSurveyDuplicate stops withSession for a repeated survey answer; it
// never leaves Feedback.
var errSurveyDuplicate = fmt.Errorf("engine: survey answered already")
