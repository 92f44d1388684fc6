package store

import (
	"cmp"
	"context"

	"github.com/chatflow/chatflow/consent"
)

// Stores is every store a chatflow engine uses, in one value the host fills
// once. package store/memory's New returns one with every field set.
//
// Contacts, Sessions and Consent are required; an engine refuses a Stores
// without them. Locker may be nil, which means an in-process lock: right
// only when one process handles a conversation. Every other field is
// optional, and a nil one disables what needs it: the engine refuses to
// load a flow whose actions use a store it lacks, naming the store, rather
// than fail in the middle of a conversation.
//
// The zero value has no stores. A Stores is a plain value: copying it
// copies the interface values, which still refer to the same stores. Every
// store in it must be safe for concurrent use.
type Stores struct {
	// Contacts reads and writes contact records. Required.
	Contacts Contacts
	// Companies reads and writes company records; nil disables the
	// actions that read or set company properties.
	Companies Companies
	// Sessions keeps conversation sessions. Required.
	Sessions Sessions
	// Locker serializes the turns of a conversation; nil means an
	// in-process lock (right only when one process handles a
	// conversation).
	Locker Locker
	// Consent keeps the consent decisions visitors make. Required.
	Consent consent.Records
	// Subscriptions keeps email subscription states; nil disables consent
	// to communicate and the actions that subscribe contacts.
	Subscriptions Subscriptions
	// Lists adds contacts to static lists; nil disables the actions that
	// do.
	Lists Lists
	// Workflows enrolls contacts in workflows; nil disables the actions
	// that do.
	Workflows Workflows
	// Tickets creates support tickets; nil disables the actions that do.
	Tickets Tickets
	// KnowledgeBase finds help articles; nil disables the knowledge-base
	// actions.
	KnowledgeBase KnowledgeBase
	// Meetings resolves meeting links; nil disables the meeting actions.
	Meetings Meetings
}

// Forgetter is an optional interface of a store that holds personal data by
// contact: Subscriptions, Lists, Workflows and Tickets (see "Personal data
// and erasure" in the package documentation). An engine erasing a contact
// (the right to be forgotten) probes each of those stores for it with a
// type assertion, calls Forget on those that have it, and reports those
// that do not as unable to forget.
type Forgetter interface {
	// Forget erases every record the store holds about the contact: after
	// it returns nil, no method returns anything of the contact (a
	// subscription state reads NotOptedInOrOut again), and the contact may
	// be added, enrolled or given tickets afresh. Forgetting a contact the
	// store knows nothing about is not an error; forgetting twice is
	// harmless.
	Forget(ctx context.Context, contactID string) error
}

// Or returns s with each nil store replaced by d's, for a host that
// supplies some stores and takes the rest elsewhere (memory.New() in tests).
func (s Stores) Or(d Stores) Stores {
	return Stores{
		Contacts: cmp.Or(s.Contacts, d.Contacts), Companies: cmp.Or(s.Companies, d.Companies),
		Sessions: cmp.Or(s.Sessions, d.Sessions), Locker: cmp.Or(s.Locker, d.Locker),
		Consent: cmp.Or(s.Consent, d.Consent), Subscriptions: cmp.Or(s.Subscriptions, d.Subscriptions),
		Lists: cmp.Or(s.Lists, d.Lists), Workflows: cmp.Or(s.Workflows, d.Workflows),
		Tickets: cmp.Or(s.Tickets, d.Tickets), KnowledgeBase: cmp.Or(s.KnowledgeBase, d.KnowledgeBase),
		Meetings: cmp.Or(s.Meetings, d.Meetings),
	}
}
