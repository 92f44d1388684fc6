package targeting

import "strings"

// Device is the kind of device a page is viewed on. The zero value is an
// unknown device: device exclusion rules with "is" never match it, and those
// with "is_not" always do.
type Device string

const (
	// Desktop is a desktop or laptop computer.
	Desktop Device = "desktop"
	// Tablet is a tablet.
	Tablet Device = "tablet"
	// Mobile is a phone.
	Mobile Device = "mobile"
)

// valid reports whether d is one of the known devices.
func (d Device) valid() bool { return d == Desktop || d == Tablet || d == Mobile }

// DeviceFromUserAgent guesses the device from a browser's User-Agent header:
// iPad, Android without "Mobile", and "Tablet" mean Tablet; "Mobi", iPhone,
// iPod and Android mean Mobile; anything else is Desktop. Hosts with a
// better device detector should use it instead.
func DeviceFromUserAgent(ua string) Device {
	switch {
	case ua == "":
		return ""
	case strings.Contains(ua, "iPad"), strings.Contains(ua, "Tablet"),
		strings.Contains(ua, "Android") && !strings.Contains(ua, "Mobile"):
		return Tablet
	case strings.Contains(ua, "Mobi"), strings.Contains(ua, "iPhone"), strings.Contains(ua, "iPod"),
		strings.Contains(ua, "Android"):
		return Mobile
	}
	return Desktop
}
