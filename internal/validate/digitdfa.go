package validate

import (
	"errors"
	"regexp/syntax"
	"slices"
)

// digitDFA is a deterministic automaton equivalent to one regular
// expression, restricted to input made of the ASCII digits '0' to '9'.
//
// libphonenumber describes number ranges with large alternations of digit
// patterns; Go's regexp package runs the larger of them through its NFA
// simulation, at several hundred nanoseconds to microseconds a match. The
// same question asked of a digitDFA costs one table look-up per digit.
//
// The automaton is built once from the regexp/syntax program of the very
// pattern string the library compiles (syntax.Perl flags, as
// regexp.Compile uses), so it answers exactly as regexp would: whether a
// match of the pattern starts at the beginning of the input and ends at a
// given position. Empty-width assertions (^, $, \A, \z, \b, \B) are
// honoured: with digits only, their truth depends only on whether the
// position is the start or the end of the input.
type digitDFA struct {
	// next[state*10+d] is the state after reading digit d; state 0 is the
	// dead state, from which no match is possible.
	next []int32
	// flags[state] holds dfaMatchMid and dfaMatchEnd.
	flags []uint8
}

const (
	// dfaMatchMid: a match ends here when more input follows.
	dfaMatchMid uint8 = 1 << iota
	// dfaMatchEnd: a match ends here when the input ends here.
	dfaMatchEnd
)

// dfaStart is the initial state, at the start of the input.
const dfaStart = 1

// maxDFAStates bounds the automaton's size; a pattern that needs more is
// left to the regexp package.
const maxDFAStates = 1 << 15

var errDFATooLarge = errors.New("validate: pattern needs too many DFA states")

// newDigitDFA builds the automaton for pattern, parsed with the flags
// regexp.Compile uses.
func newDigitDFA(pattern string) (*digitDFA, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, err
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, err
	}
	b := dfaBuilder{prog: prog, ids: map[string]int32{}, seen: make([]uint32, len(prog.Inst))}
	// State 0 is dead: the empty set of instructions, matching nothing.
	b.state(nil, false)
	b.state([]uint32{uint32(prog.Start)}, true)
	d := &digitDFA{}
	for id := 0; id < len(b.kernels); id++ {
		if len(b.kernels) > maxDFAStates {
			return nil, errDFATooLarge
		}
		k := b.kernels[id]
		atStart := id == dfaStart
		var fl uint8
		// At the end of the input.
		if b.closure(k, atStart, true, nil) {
			fl |= dfaMatchEnd
		}
		// Before more input: collect the instructions that consume a rune.
		var consumers []uint32
		if b.closure(k, atStart, false, &consumers) {
			fl |= dfaMatchMid
		}
		d.flags = append(d.flags, fl)
		var outs [10][]uint32
		for _, pc := range consumers {
			in := &prog.Inst[pc]
			for digit := range 10 {
				if instMatchesRune(in, rune('0'+digit)) {
					outs[digit] = append(outs[digit], in.Out)
				}
			}
		}
		for digit := range 10 {
			d.next = append(d.next, b.state(outs[digit], false))
		}
	}
	return d, nil
}

// dfaBuilder holds the subset construction's bookkeeping. A DFA state is
// a kernel: the set of program counters reached right after consuming a
// digit (or the program's start), before any empty-width step, because
// what those steps allow depends on the position.
type dfaBuilder struct {
	prog    *syntax.Prog
	ids     map[string]int32
	kernels [][]uint32
	// seen marks the instructions visited by the current closure.
	seen  []uint32
	epoch uint32
	stack []uint32
}

// state returns the id of the state with kernel pcs, adding it if new.
// The start state is kept apart from any later state with the same
// kernel, as assertions such as ^ hold only at the start.
func (b *dfaBuilder) state(pcs []uint32, atStart bool) int32 {
	slices.Sort(pcs)
	pcs = slices.Compact(pcs)
	key := make([]byte, 0, 1+4*len(pcs))
	if atStart {
		key = append(key, 1)
	} else {
		key = append(key, 0)
	}
	for _, pc := range pcs {
		key = append(key, byte(pc), byte(pc>>8), byte(pc>>16), byte(pc>>24))
	}
	if id, ok := b.ids[string(key)]; ok {
		return id
	}
	id := int32(len(b.kernels))
	b.ids[string(key)] = id
	b.kernels = append(b.kernels, slices.Clone(pcs))
	return id
}

// closure follows the empty transitions from kernel at a position that is
// (or is not) the start and the end of the input. It reports whether a
// match is reached, and appends the rune-consuming instructions reached to
// consumers if that is not nil.
func (b *dfaBuilder) closure(kernel []uint32, atStart, atEnd bool, consumers *[]uint32) bool {
	b.epoch++
	ctx := emptyContext(atStart, atEnd)
	matched := false
	b.stack = append(b.stack[:0], kernel...)
	for len(b.stack) > 0 {
		pc := b.stack[len(b.stack)-1]
		b.stack = b.stack[:len(b.stack)-1]
		if b.seen[pc] == b.epoch {
			continue
		}
		b.seen[pc] = b.epoch
		in := &b.prog.Inst[pc]
		switch in.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			b.stack = append(b.stack, in.Arg, in.Out)
		case syntax.InstCapture, syntax.InstNop:
			b.stack = append(b.stack, in.Out)
		case syntax.InstEmptyWidth:
			if syntax.EmptyOp(in.Arg)&^ctx == 0 {
				b.stack = append(b.stack, in.Out)
			}
		case syntax.InstMatch:
			matched = true
		case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			if consumers != nil {
				*consumers = append(*consumers, pc)
			}
		case syntax.InstFail:
		}
	}
	return matched
}

// emptyContext returns the empty-width assertions that hold at a position
// of an input made of digits, which are word characters.
func emptyContext(atStart, atEnd bool) syntax.EmptyOp {
	var op syntax.EmptyOp
	if atStart {
		op |= syntax.EmptyBeginText | syntax.EmptyBeginLine
	}
	if atEnd {
		op |= syntax.EmptyEndText | syntax.EmptyEndLine
	}
	// A word character precedes unless at the start, and one follows
	// unless at the end.
	if atStart != atEnd {
		op |= syntax.EmptyWordBoundary
	} else {
		op |= syntax.EmptyNoWordBoundary
	}
	return op
}

// instMatchesRune reports whether the rune-consuming instruction in
// consumes r.
func instMatchesRune(in *syntax.Inst, r rune) bool {
	switch in.Op {
	case syntax.InstRuneAny:
		return true
	case syntax.InstRuneAnyNotNL:
		return r != '\n'
	default:
		return in.MatchRune(r)
	}
}

// digitText is the input a digitDFA reads.
type digitText interface{ ~string | ~[]byte }

// dfaFull reports whether d matches all of s. ok is false if s holds a
// byte that is not an ASCII digit, for which d cannot answer.
func dfaFull[T digitText](d *digitDFA, s T) (match, ok bool) {
	st := int32(dfaStart)
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return false, false
		}
		if st = d.next[int(st)*10+int(c)]; st == 0 {
			// Dead; the answer holds if the rest is digits too.
			return false, allDigits(s[i+1:])
		}
	}
	return d.flags[st]&dfaMatchEnd != 0, true
}

// dfaPrefix reports whether d matches a prefix of s (the empty one and s
// itself included), that is whether a match starts at the start of s. ok
// is false if s holds a byte that is not an ASCII digit.
func dfaPrefix[T digitText](d *digitDFA, s T) (match, ok bool) {
	if !allDigits(s) {
		return false, false
	}
	st := int32(dfaStart)
	for i := 0; i < len(s); i++ {
		if d.flags[st]&dfaMatchMid != 0 {
			return true, true
		}
		if st = d.next[int(st)*10+int(s[i]-'0')]; st == 0 {
			return false, true
		}
	}
	return d.flags[st]&dfaMatchEnd != 0, true
}

// allDigits reports whether s holds ASCII digits only ("" included).
func allDigits[T digitText](s T) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// multiDFA runs up to 16 digitDFAs in step, as one automaton whose states
// are tuples of theirs: it tells in one pass which of them match all of
// an input.
type multiDFA struct {
	// next[state*10+d] is the state after digit d; 0 is the state where
	// every automaton is dead.
	next []int32
	// match[state] has bit i set if automaton i matches input ending here.
	match []uint16
}

// newMultiDFA combines parts, or returns nil if they are more than 16 or
// their combination needs more than maxDFAStates states.
func newMultiDFA(parts []*digitDFA) *multiDFA {
	if len(parts) > 16 {
		return nil
	}
	ids := map[string]int32{}
	var tuples [][]int32
	add := func(t []int32) int32 {
		key := make([]byte, 0, 4*len(t))
		for _, s := range t {
			key = append(key, byte(s), byte(s>>8), byte(s>>16), byte(s>>24))
		}
		if id, ok := ids[string(key)]; ok {
			return id
		}
		id := int32(len(tuples))
		ids[string(key)] = id
		tuples = append(tuples, t)
		return id
	}
	add(make([]int32, len(parts))) // dead
	start := make([]int32, len(parts))
	for i := range start {
		start[i] = dfaStart
	}
	add(start)
	m := &multiDFA{}
	for id := 0; id < len(tuples); id++ {
		if len(tuples) > maxDFAStates {
			return nil
		}
		t := tuples[id]
		var match uint16
		for i, p := range parts {
			if p.flags[t[i]]&dfaMatchEnd != 0 {
				match |= 1 << i
			}
		}
		m.match = append(m.match, match)
		for digit := range 10 {
			nt := make([]int32, len(parts))
			for i, p := range parts {
				nt[i] = p.next[int(t[i])*10+digit]
			}
			m.next = append(m.next, add(nt))
		}
	}
	return m
}

// run returns the set of automata that match all of s, as a bit mask. ok
// is false if s holds a byte that is not an ASCII digit.
func (m *multiDFA) run(s []byte) (match uint16, ok bool) {
	st := int32(dfaStart)
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		if st = m.next[int(st)*10+int(c)]; st == 0 {
			return 0, allDigits(s[i+1:])
		}
	}
	return m.match[st], true
}
