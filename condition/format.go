package condition

import (
	"math"
	"strconv"
	"strings"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// formatGo renders a value read from a Lookup; ok is false for a value that
// cannot be rendered.
func formatGo(x any) (string, bool) {
	switch v := x.(type) {
	case string:
		return v, true
	case int64:
		return strconv.FormatInt(v, 10), true
	case float64:
		return formatFloat(v), true
	case bool:
		return formatBool(v), true
	case time.Time:
		return formatTime(v), true
	case time.Duration:
		return v.String(), true
	case []string:
		return strings.Join(v, ", "), true
	}
	return formatVal(toVal(x))
}

// formatVal renders a CEL value; ok is false for an absent value (null, an
// empty optional, a map) or an error.
func formatVal(v ref.Val) (string, bool) {
	switch x := v.(type) {
	case types.String:
		return string(x), true
	case types.Int:
		return strconv.FormatInt(int64(x), 10), true
	case types.Uint:
		return strconv.FormatUint(uint64(x), 10), true
	case types.Double:
		return formatFloat(float64(x)), true
	case types.Bool:
		return formatBool(bool(x)), true
	case types.Timestamp:
		return formatTime(x.Time), true
	case types.Duration:
		return x.Duration.String(), true
	case types.Bytes:
		return string(x), true
	case *types.Optional:
		if !x.HasValue() {
			return "", false
		}
		return formatVal(x.GetValue())
	case traits.Mapper:
		return "", false
	case traits.Lister:
		var b strings.Builder
		n := 0
		for it := x.Iterator(); it.HasNext() == types.True; {
			s, ok := formatVal(it.Next())
			if !ok {
				continue
			}
			if n > 0 {
				b.WriteString(", ")
			}
			b.WriteString(s)
			n++
		}
		return b.String(), true
	}
	return "", false
}

func formatBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// formatFloat writes the shortest representation that reads back as f,
// without an exponent for the magnitudes people write by hand.
func formatFloat(f float64) string {
	if a := math.Abs(f); a == 0 || (a >= 1e-6 && a < 1e21) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func formatTime(t time.Time) string { return t.Format(time.RFC3339Nano) }
