package memory_test

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/store/memory"
)

// BenchmarkConsentRecordsAtScale measures a conversation's consent work in
// a store that already holds the records of 200,000 conversations, and
// what each stored record costs the heap: every record stays for good, so
// its heap objects and bytes are what the garbage collector keeps marking.
func BenchmarkConsentRecordsAtScale(b *testing.B) {
	const stored = 200_000
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	hash := consent.Hash(consent.DefaultProcessingText)
	// The record the engine keeps for each new conversation under the
	// default policy: legitimate interest, the visitor being the
	// conversation.
	record := func(i int) consent.Record {
		conv := "conv-" + strconv.Itoa(i)
		return consent.Record{ID: conv + "/1/data_processing/0", VisitorID: conv, ConversationID: conv,
			Kind: consent.DataProcessing, Basis: consent.LegitimateInterest, Text: consent.DefaultProcessingText,
			TextHash: hash, Choice: consent.Granted, Time: start.Add(time.Duration(i) * time.Millisecond),
			ChatflowID: "support", FlowVersion: 3}
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := new(memory.ConsentRecords)
	for i := range stored {
		if err := c.Append(ctx, record(i)); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	objects := float64(int64(after.HeapObjects)-int64(before.HeapObjects)) / stored
	bytes := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / stored

	b.ReportAllocs()
	i := stored
	for b.Loop() {
		r := record(i)
		if err := c.Append(ctx, r); err != nil {
			b.Fatal(err)
		}
		if err := c.LinkContact(ctx, r.VisitorID, "contact-"+strconv.Itoa(i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
	runtime.KeepAlive(c)
	// After the loop: starting it resets the metrics reported so far.
	b.ReportMetric(objects, "heapObjects/record")
	b.ReportMetric(bytes, "heapB/record")
}
