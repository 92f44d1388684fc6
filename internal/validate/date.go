package validate

import (
	"strconv"
	"strings"
	"time"
)

// dateOrder is the order in which a language writes day, month and year in
// numeric dates.
type dateOrder int

const (
	orderDMY dateOrder = iota
	orderMDY
	orderYMD
)

// ymdLangs write numeric dates year first.
var ymdLangs = map[string]bool{"ja": true, "zh": true, "ko": true, "hu": true, "lt": true, "mn": true}

// mdyRegions are the regions where English writes the month first: the
// United States and its territories, and the Philippines.
var mdyRegions = map[string]bool{"": true, "US": true, "PH": true, "AS": true, "GU": true, "MP": true, "PR": true, "UM": true, "VI": true}

func dateOrderFor(tag string) dateOrder {
	lang, region := splitLang(tag)
	switch {
	case lang == "" || lang == "en" && mdyRegions[region]:
		return orderMDY
	case ymdLangs[lang]:
		return orderYMD
	default:
		return orderDMY
	}
}

// Date validates a calendar date and returns it as YYYY-MM-DD.
//
// Accepted forms:
//   - ISO 8601 calendar dates, "2024-03-05" (also "2024-3-5"), in every
//     language;
//   - RFC 3339 timestamps, "2024-03-05T23:30:00+01:00", whose date is taken
//     as written, in the timestamp's own offset;
//   - three numbers separated by "/", "." or "-" (the same separator twice,
//     spaces allowed around it, and a trailing "." after a "."-separated
//     date as in "5. 3. 2024." or "2024. 03. 05."), in the order usual for
//     lang, a BCP 47 tag: month/day/year for "en" and "en-US" (and for an
//     empty lang), year/month/day for "ja", "zh", "ko", "hu", "lt" and "mn",
//     and day/month/year for every other language, including "en-GB".
//
// A first number of four digits is always a year followed by month and day,
// whatever the language. A four-digit year last in a year-first language is
// rejected as ambiguous. Two-digit years are read with the POSIX pivot:
// 00–68 mean 2000–2068 and 69–99 mean 1969–1999. Years run from 1 to 9999,
// and the day must exist in the month ("2024-02-30" and "31/04/2024" are
// rejected; "29/02/2024" is accepted, "29/02/2023" is not). Times of day
// and ":" separators are not accepted outside RFC 3339 timestamps.
func Date(s, lang string) (string, error) {
	in := s
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalid(KindDate, in, "empty")
	}
	if len(s) > 64 {
		return "", invalid(KindDate, in, "too long")
	}
	if len(s) > 10 && s[10] == 'T' {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil || t.Year() < 1 {
			return "", invalid(KindDate, in, "not an RFC 3339 timestamp")
		}
		return t.Format(time.DateOnly), nil
	}
	parts, ok := splitDate(s)
	if !ok {
		return "", invalid(KindDate, in, "not a date")
	}
	var y, m, d string
	switch order := dateOrderFor(lang); {
	case len(parts[0]) == 4:
		y, m, d = parts[0], parts[1], parts[2]
	case order == orderYMD:
		if len(parts[2]) > 2 {
			return "", invalid(KindDate, in, "ambiguous order")
		}
		y, m, d = parts[0], parts[1], parts[2]
	case order == orderMDY:
		m, d, y = parts[0], parts[1], parts[2]
	default:
		d, m, y = parts[0], parts[1], parts[2]
	}
	if len(m) > 2 || len(d) > 2 || (len(y) != 2 && len(y) != 4) {
		return "", invalid(KindDate, in, "not a date")
	}
	year, _ := strconv.Atoi(y)
	month, _ := strconv.Atoi(m)
	day, _ := strconv.Atoi(d)
	if len(y) == 2 {
		if year < 69 {
			year += 2000
		} else {
			year += 1900
		}
	}
	if year < 1 {
		return "", invalid(KindDate, in, "year out of range")
	}
	if month < 1 || month > 12 {
		return "", invalid(KindDate, in, "month out of range")
	}
	if day < 1 || day > daysIn(year, month) {
		return "", invalid(KindDate, in, "day out of range")
	}
	return formatYMD(year, month, day), nil
}

// formatYMD formats a date as YYYY-MM-DD.
func formatYMD(year, month, day int) string {
	b := make([]byte, 10)
	for i, n := 3, year; i >= 0; i, n = i-1, n/10 {
		b[i] = byte('0' + n%10)
	}
	b[4], b[7] = '-', '-'
	b[5], b[6] = byte('0'+month/10), byte('0'+month%10)
	b[8], b[9] = byte('0'+day/10), byte('0'+day%10)
	return string(b)
}

// daysIn returns the number of days in a month of the proleptic Gregorian
// calendar.
func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	default:
		return 31
	}
}

// splitDate splits s into three groups of one to four ASCII digits joined
// by the same separator ("/", "." or "-"), with optional spaces around the
// separators and, for ".", an optional trailing ".".
func splitDate(s string) (parts [3]string, ok bool) {
	var sep byte
	i := 0
	for n := 0; n < 3; n++ {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start || i-start > 4 {
			return parts, false
		}
		parts[n] = s[start:i]
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i == len(s) {
			return parts, n == 2
		}
		c := s[i]
		switch {
		case n == 0 && (c == '/' || c == '.' || c == '-'):
			sep = c
		case c != sep:
			return parts, false
		}
		i++
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if n == 2 {
			// Only a trailing "." may follow the last group.
			return parts, sep == '.' && i == len(s)
		}
	}
	return parts, false
}
