package memory_test

import (
	"testing"

	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/chatflow/chatflow/store/storetest"
)

func TestConsentRecordsConformance(t *testing.T) {
	storetest.TestConsentRecords(t, func(*testing.T) consent.Records { return memory.NewConsentRecords() })
}
