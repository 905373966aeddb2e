package dev.tollgate.access;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The client's address for per-IP limits. Behind a load balancer every connection comes from the
 * balancer, so {@code X-Forwarded-For} is read, but only when the connection comes from a proxy
 * listed in {@code TOLLGATE_TRUSTED_PROXIES}: anyone else could write any address into it. The
 * header is read from the right, skipping trusted proxies; the first other address is the client.
 */
public final class ClientAddress {

    /** One trusted address or network (CIDR). */
    private record Network(byte[] address, int prefix) {
        boolean contains(byte[] a) {
            if (a.length != address.length) return false;
            int full = prefix / 8, rest = prefix % 8;
            for (int i = 0; i < full; i++) if (a[i] != address[i]) return false;
            if (rest == 0) return true;
            int mask = 0xff << (8 - rest) & 0xff;
            return (a[full] & mask) == (address[full] & mask);
        }
    }

    private final List<Network> trusted;

    private ClientAddress(List<Network> trusted) {
        this.trusted = trusted;
    }

    /** Parses "10.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"; errors name the entry. Literal addresses only (no DNS). */
    public static ClientAddress of(List<String> entries) {
        List<Network> out = new ArrayList<>();
        for (String e : entries) {
            String v = e.trim();
            int slash = v.indexOf('/');
            String host = slash < 0 ? v : v.substring(0, slash);
            byte[] a = literal(host);
            if (a == null) throw new IllegalArgumentException("TOLLGATE_TRUSTED_PROXIES: '" + v + "' is not an IP address or CIDR network");
            int prefix = a.length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(v.substring(slash + 1));
                } catch (NumberFormatException bad) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > a.length * 8) {
                    throw new IllegalArgumentException("TOLLGATE_TRUSTED_PROXIES: '" + v + "' has an invalid prefix length");
                }
            }
            out.add(new Network(a, prefix));
        }
        return new ClientAddress(List.copyOf(out));
    }

    /** The client address of a connection from {@code remote} carrying this X-Forwarded-For (may be null). */
    public String resolve(String remote, String forwardedFor) {
        if (trusted.isEmpty() || forwardedFor == null || remote == null || !isTrusted(remote)) return remote;
        String[] hops = forwardedFor.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            if (hop.isEmpty()) continue;
            if (literal(hop) == null) return remote; // malformed: the connection is all we know
            if (!isTrusted(hop)) return hop;
        }
        return remote;
    }

    private boolean isTrusted(String address) {
        byte[] a = literal(address);
        if (a == null) return false;
        for (Network n : trusted) if (n.contains(a)) return true;
        return false;
    }

    /** The bytes of an IP literal, or null. Parsed by hand for IPv4, so a malformed value can never cause a DNS lookup. */
    private static byte[] literal(String s) {
        if (s.isEmpty() || s.length() > 45) return null;
        if (s.indexOf(':') < 0) return ipv4(s);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c == '.' || c == ':' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) return null;
        }
        try {
            return InetAddress.getByName(s).getAddress(); // a ':' makes it an IPv6 literal: never resolved
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static byte[] ipv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) return null;
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3) return null;
            int v = 0;
            for (int j = 0; j < p.length(); j++) {
                char c = p.charAt(j);
                if (c < '0' || c > '9') return null;
                v = v * 10 + (c - '0');
            }
            if (v > 255) return null;
            out[i] = (byte) v;
        }
        return out;
    }
}
