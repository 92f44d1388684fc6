package engine

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The limits of what a host passes in. Stores keep these values as text
// keys and columns, so they are checked here, at the edge, with an error
// that names the field, rather than failing in a store on every retry.
const (
	// MaxIDLength bounds conversation, message and contact IDs, in bytes.
	MaxIDLength = 256
	// MaxChannelLength bounds a channel name, in bytes.
	MaxChannelLength = 64
	// MaxFacts bounds the entries of StartRequest.Page and Visitor each.
	MaxFacts = 64
	// MaxFactLength bounds a key or value of StartRequest.Page and
	// Visitor, in bytes.
	MaxFactLength = 2048
)

// checkID checks an ID: not empty, at most MaxIDLength bytes of valid
// UTF-8 without control characters.
func checkID(what, id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: empty %s", ErrInvalidInput, what)
	case len(id) > MaxIDLength:
		return fmt.Errorf("%w: the %s is %d bytes long, more than %d", ErrInvalidInput, what, len(id), MaxIDLength)
	}
	return checkText(what, id, false)
}

// checkText checks text: valid UTF-8 without NUL or other control
// characters (line breaks and tabs are allowed where multiline is).
func checkText(what, s string, multiline bool) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: the %s is not valid UTF-8", ErrInvalidInput, what)
	}
	for i, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return fmt.Errorf("%w: the %s has a control character (U+%04X) at byte %d", ErrInvalidInput, what, r, i)
		}
	}
	return nil
}

// checkInput checks a visitor input and returns the answer conditions see.
func checkInput(in Input) (string, error) {
	if err := checkID("conversation ID", in.ConversationID); err != nil {
		return "", err
	}
	if in.MessageID != "" {
		if err := checkID("message ID", in.MessageID); err != nil {
			return "", err
		}
	}
	value := in.Text
	if in.QuickReply != "" {
		value = in.QuickReply
	}
	if strings.TrimSpace(value) == "" && in.Signal == "" {
		return "", fmt.Errorf("%w: empty message", ErrInvalidInput)
	}
	if err := checkText("message", in.Text, true); err != nil {
		return "", err
	}
	if err := checkText("quick reply", in.QuickReply, false); err != nil {
		return "", err
	}
	if err := checkText("signal", in.Signal, false); err != nil {
		return "", err
	}
	return value, nil
}

// checkStart checks a start request.
func checkStart(req StartRequest) error {
	if err := checkID("conversation ID", req.ConversationID); err != nil {
		return err
	}
	if req.ContactID != "" {
		if err := checkID("contact ID", req.ContactID); err != nil {
			return err
		}
	}
	if len(req.Channel) > MaxChannelLength {
		return fmt.Errorf("%w: the channel is %d bytes long, more than %d", ErrInvalidInput, len(req.Channel), MaxChannelLength)
	}
	if err := checkText("channel", req.Channel, false); err != nil {
		return err
	}
	for what, facts := range map[string]map[string]string{"page": req.Page, "visitor": req.Visitor} {
		if len(facts) > MaxFacts {
			return fmt.Errorf("%w: %d %s facts, more than %d", ErrInvalidInput, len(facts), what, MaxFacts)
		}
		for k, v := range facts {
			if len(k) > MaxFactLength || len(v) > MaxFactLength {
				return fmt.Errorf("%w: %s fact %.40q is longer than %d bytes", ErrInvalidInput, what, k, MaxFactLength)
			}
			if err := checkText(what+" fact name", k, false); err != nil {
				return err
			}
			if err := checkText(what+" fact "+k, v, true); err != nil {
				return err
			}
		}
	}
	return nil
}
