package engine

// Upper bounds of the flow options. A turn runs under the conversation's
// lock, so an option that lets one message do unbounded work would let a
// flow stall its conversations and the process: 300,000 actions in one
// turn took seconds and gigabytes. Load rejects larger values with an
// error naming the option's path.
const (
	// MaxActionsPerTurnLimit is the largest options.maxActionsPerTurn a
	// flow may set: ten times the default, far more actions than a visitor
	// can read between two answers.
	MaxActionsPerTurnLimit = 1000
	// MaxAnswerLengthLimit is the largest options.maxAnswerLength a flow
	// may set, in characters: five times the default, longer than any
	// chat message a person types, and still small enough to store in a
	// session and a contact property.
	MaxAnswerLengthLimit = 10_000
)
