package builtin

import (
	"fmt"
	"net/netip"
)

// This file holds the webhook action's address rule: a call may only
// connect to a global unicast address, unless the policy allows the address
// or the host name. The reference is IANA's special-purpose address
// registries for IPv4 and IPv6 (RFC 6890), as of 2025, and the IPv6 global
// unicast range.

// specialRange is an address block a webhook may not reach unless allowed.
type specialRange struct {
	prefix netip.Prefix
	what   string // what the block is, as a failure reason says it
}

func special(prefix, what string) specialRange {
	return specialRange{netip.MustParsePrefix(prefix), what}
}

// specialV4 are the blocks of the IANA IPv4 special-purpose address
// registry, plus multicast and the reserved class E space; read-only. Every
// block is refused, including the few the registry marks globally
// reachable (anycast and AS112 DNS infrastructure, which serves no
// webhook). Where blocks nest, the more specific comes first, so that a
// reason names it.
var specialV4 = [...]specialRange{
	special("0.0.0.0/8", `a "this network" address (0.0.0.0/8, RFC 791)`),
	special("10.0.0.0/8", "a private address (10.0.0.0/8, RFC 1918)"),
	special("100.64.0.0/10", "a shared address (carrier-grade NAT, 100.64.0.0/10, RFC 6598)"),
	special("127.0.0.0/8", "a loopback address (127.0.0.0/8, RFC 1122)"),
	special("169.254.0.0/16", "a link-local address (169.254.0.0/16, RFC 3927)"),
	special("172.16.0.0/12", "a private address (172.16.0.0/12, RFC 1918)"),
	special("192.0.0.0/24", "an IETF protocol assignment (192.0.0.0/24, RFC 6890)"),
	special("192.0.2.0/24", "a documentation address (TEST-NET-1, 192.0.2.0/24, RFC 5737)"),
	special("192.31.196.0/24", "an AS112 address (192.31.196.0/24, RFC 7535)"),
	special("192.52.193.0/24", "an AMT address (192.52.193.0/24, RFC 7450)"),
	special("192.88.99.0/24", "a deprecated 6to4 relay address (192.88.99.0/24, RFC 7526)"),
	special("192.168.0.0/16", "a private address (192.168.0.0/16, RFC 1918)"),
	special("192.175.48.0/24", "an AS112 address (192.175.48.0/24, RFC 7534)"),
	special("198.18.0.0/15", "a benchmarking address (198.18.0.0/15, RFC 2544)"),
	special("198.51.100.0/24", "a documentation address (TEST-NET-2, 198.51.100.0/24, RFC 5737)"),
	special("203.0.113.0/24", "a documentation address (TEST-NET-3, 203.0.113.0/24, RFC 5737)"),
	special("224.0.0.0/4", "a multicast address (224.0.0.0/4, RFC 5771)"),
	special("255.255.255.255/32", "the limited broadcast address (RFC 919)"),
	special("240.0.0.0/4", "a reserved address (240.0.0.0/4, RFC 1112)"),
}

// specialV6 are the blocks of the IANA IPv6 special-purpose address
// registry that lie in the global unicast range 2000::/3, and the
// well-known blocks outside it, named for clearer reasons (everything
// outside 2000::/3 is refused anyway); read-only. The IPv4-mapped block is
// checked as IPv4, and the NAT64 (64:ff9b::/96) and 6to4 (2002::/16)
// blocks by the IPv4 address they embed.
var specialV6 = [...]specialRange{
	special("::/128", "the unspecified address (::/128, RFC 4291)"),
	special("::1/128", "the loopback address (::1/128, RFC 4291)"),
	special("::/96", "an IPv4-compatible address (::/96, deprecated by RFC 4291)"),
	special("64:ff9b:1::/48", "a local-use NAT64 address (64:ff9b:1::/48, RFC 8215)"),
	special("100::/64", "a discard-only address (100::/64, RFC 6666)"),
	special("2001::/32", "a Teredo address (2001::/32, RFC 4380)"),
	special("2001:2::/48", "a benchmarking address (2001:2::/48, RFC 5180)"),
	special("2001:db8::/32", "a documentation address (2001:db8::/32, RFC 3849)"),
	special("2001::/23", "an IETF protocol assignment (2001::/23, RFC 2928)"),
	special("2620:4f:8000::/48", "an AS112 address (2620:4f:8000::/48, RFC 7534)"),
	special("3fff::/20", "a documentation address (3fff::/20, RFC 9637)"),
	special("5f00::/16", "a segment-routing SID (5f00::/16, RFC 9602)"),
	special("fc00::/7", "a unique local address (fc00::/7, RFC 4193)"),
	special("fe80::/10", "a link-local address (fe80::/10, RFC 4291)"),
	special("fec0::/10", "a site-local address (fec0::/10, deprecated by RFC 3879)"),
	special("ff00::/8", "a multicast address (ff00::/8, RFC 4291)"),
}

// Blocks of IPv6 that are checked specially; read-only.
var (
	// globalUnicast6 is the IPv6 global unicast range (RFC 4291).
	globalUnicast6 = netip.MustParsePrefix("2000::/3")
	// nat64Prefix embeds an IPv4 address in its last 32 bits (RFC 6052).
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	// sixToFour embeds an IPv4 address after the prefix (RFC 3056).
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// notGlobal says why an address is not a global unicast address, or
// returns "" when it is one.
func notGlobal(ip netip.Addr) string {
	ip = ip.Unmap().WithZone("")
	if !ip.IsValid() {
		return "not a valid address"
	}
	if ip.Is4() {
		for _, r := range specialV4 {
			if r.prefix.Contains(ip) {
				return r.what
			}
		}
		return ""
	}
	b := ip.As16()
	switch {
	case nat64Prefix.Contains(ip):
		return embedded(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
	case sixToFour.Contains(ip):
		return embedded(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
	}
	for _, r := range specialV6 {
		if r.prefix.Contains(ip) {
			return r.what
		}
	}
	if !globalUnicast6.Contains(ip) {
		return "outside the IPv6 global unicast range (2000::/3)"
	}
	return ""
}

// embedded says why an IPv6 address embedding an IPv4 one is not global.
func embedded(v4 netip.Addr) string {
	if why := notGlobal(v4); why != "" {
		return "an IPv6 address embedding " + v4.String() + ", " + why
	}
	return ""
}

// addressRule decides which addresses a webhook call may connect to: global
// unicast ones, and those of the policy's Allow prefixes.
type addressRule struct {
	allow []netip.Prefix
}

// check returns an error matching ErrWebhookAddress when the call may not
// connect to ap.
func (r addressRule) check(ap netip.AddrPort) error {
	ip := ap.Addr().WithZone("")
	for _, p := range r.allow {
		if p.Contains(ip) || p.Contains(ip.Unmap()) {
			return nil
		}
	}
	if why := notGlobal(ip); why != "" {
		return fmt.Errorf("%w: %s is %s", ErrWebhookAddress, ap.Addr(), why)
	}
	return nil
}
