package memory_test

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
)

// scaleContacts is how many contacts a busy host holds: roughly one per
// identified visitor of 200,000 live conversations.
const scaleContacts = 200_000

// BenchmarkContactsAtScale measures what one identified visitor costs the
// contact store while it holds scaleContacts others: per op the engine's
// calls (an email lookup that misses, a create, an update of two
// properties, a single-property read), and per contact the live heap
// objects and bytes that every garbage collection has to mark.
func BenchmarkContactsAtScale(b *testing.B) {
	ctx := context.Background()
	c := memory.NewContacts()

	// The engine hands the store freshly decoded strings, names included,
	// so each contact gets its own here too; what the store keeps of them
	// is what it costs.
	fresh := strings.Clone
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range scaleContacts {
		n := strconv.Itoa(i)
		_, err := c.CreateContact(ctx, store.Properties{
			fresh("firstname"):      "Visitor" + n,
			fresh("email"):          "visitor-" + n + "@example.com",
			fresh("company_size"):   fresh("11-50"),
			fresh("lifecyclestage"): fresh("lead"),
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	objects := float64(after.HeapObjects-before.HeapObjects) / scaleContacts
	bytes := float64(after.HeapAlloc-before.HeapAlloc) / scaleContacts
	// A full collection with little else live is mostly marking the store.
	var gc time.Duration
	for range 3 {
		start := time.Now()
		runtime.GC()
		gc += time.Since(start)
	}

	create := store.Properties{"firstname": "Ada"}
	update := store.Properties{"company_size": "51-200", "lifecyclestage": "lead"}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		email := "new-" + strconv.Itoa(i) + "@example.com"
		if _, err := c.ContactByEmail(ctx, email); err == nil {
			b.Fatal("ContactByEmail found a new address")
		}
		create["email"] = email
		ct, err := c.CreateContact(ctx, create)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.UpdateContact(ctx, ct.ID, update); err != nil {
			b.Fatal(err)
		}
		if v, ok, err := c.ContactProperty(ctx, ct.ID, "firstname"); err != nil || !ok || v != "Ada" {
			b.Fatalf("ContactProperty = %q, %v, %v", v, ok, err)
		}
	}
	// After the loop: b.Loop's first call drops metrics reported before it.
	b.ReportMetric(objects, "heapObjects/contact")
	b.ReportMetric(bytes, "heapB/contact")
	b.ReportMetric(float64(gc.Microseconds())/3, "µs/GC")
	runtime.KeepAlive(c)
}
