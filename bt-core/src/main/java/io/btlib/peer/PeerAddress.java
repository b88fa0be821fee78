package io.btlib.peer;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Where to reach a peer: an IPv4 or IPv6 address and a TCP/UDP port, as trackers (BEP 3, BEP 23,
 * BEP 7), PEX (BEP 11) and the DHT (BEP 5) hand them out.
 *
 * <pre>{@code
 * PeerAddress a = PeerAddress.parse("1.2.3.4:6881");
 * PeerAddress b = PeerAddress.parse("[2001:db8::1]:51413");
 * b.isIpv6();            // true
 * b.toString();          // "[2001:db8::1]:51413"
 * socket.connect(a.toSocketAddress());
 * }</pre>
 *
 * <p>A peer address is always an IP address, never a host name, and nothing here ever asks a name
 * service: {@link #parse(String)} and {@link #of(String, int)} accept IP literals only, and {@link
 * #of(InetSocketAddress)} rejects an unresolved address. The address is normalised on the way in:
 * any host name or IPv6 scope id an {@link InetAddress} carried is dropped, and an IPv4-mapped IPv6
 * address ({@code ::ffff:1.2.3.4}) becomes the IPv4 address, so that one peer has one value.
 *
 * <p>The port is 1 to 65535; port 0 cannot be connected to and is rejected. Instances are
 * immutable and thread-safe; equality is by address and port.
 *
 * @param address the IP address: an {@link java.net.Inet4Address} or an {@link Inet6Address}
 * @param port the port, 1 to 65535
 */
public record PeerAddress(InetAddress address, int port) {
  /** The smallest valid port. */
  public static final int MIN_PORT = 1;
  /** The largest valid port. */
  public static final int MAX_PORT = 65535;

  /**
   * Normalises the address (no host name, no scope id, IPv4-mapped to IPv4) and checks the port.
   *
   * @throws IllegalArgumentException if the port is outside 1..65535
   */
  public PeerAddress {
    Objects.requireNonNull(address, "address");
    checkPort(port);
    address = IpLiterals.toInetAddress(address.getAddress());
  }

  /**
   * The address of a peer at {@code address} and {@code port}.
   *
   * @throws IllegalArgumentException if the port is outside 1..65535
   */
  public static PeerAddress of(InetAddress address, int port) {
    return new PeerAddress(address, port);
  }

  /**
   * The address of a peer at a resolved socket address. This never resolves a name.
   *
   * @throws IllegalArgumentException if {@code socketAddress} is unresolved, or its port is 0
   */
  public static PeerAddress of(InetSocketAddress socketAddress) {
    Objects.requireNonNull(socketAddress, "socketAddress");
    if (socketAddress.isUnresolved()) {
      throw new IllegalArgumentException(
          "unresolved address " + socketAddress.getHostString() + ":" + socketAddress.getPort()
              + ": a peer address must be an IP address, and bt never resolves names here");
    }
    return new PeerAddress(socketAddress.getAddress(), socketAddress.getPort());
  }

  /**
   * The address of a peer at the IP literal {@code ip} and {@code port}: a dotted quad such as
   * {@code 1.2.3.4} (no leading zeros in a part), or an IPv6 literal such as {@code 2001:db8::1}
   * with or without brackets (no zone id). Host names are rejected, never resolved.
   *
   * @throws IllegalArgumentException if {@code ip} is not an IP literal, or the port is outside
   *     1..65535
   */
  public static PeerAddress of(String ip, int port) {
    Objects.requireNonNull(ip, "ip");
    checkPort(port);
    String literal = ip;
    if (ip.length() >= 2 && ip.charAt(0) == '[' && ip.charAt(ip.length() - 1) == ']') {
      literal = ip.substring(1, ip.length() - 1);
      byte[] v6 = IpLiterals.parseIpv6(literal);
      if (v6 == null) {
        throw new IllegalArgumentException("not an IPv6 literal: " + quote(ip));
      }
      return new PeerAddress(IpLiterals.toInetAddress(v6), port);
    }
    byte[] bytes = literal.indexOf(':') >= 0 ? IpLiterals.parseIpv6(literal) : IpLiterals.parseIpv4(literal);
    if (bytes == null) {
      throw new IllegalArgumentException(
          "not an IP literal: " + quote(ip) + " (host names are not accepted and never resolved)");
    }
    return new PeerAddress(IpLiterals.toInetAddress(bytes), port);
  }

  /**
   * Parses {@code ip:port} for IPv4 ({@code 1.2.3.4:6881}) or {@code [ip]:port} for IPv6 ({@code
   * [::1]:6881}), the forms {@link #toString()} writes. Host names are rejected, never resolved.
   *
   * @throws IllegalArgumentException naming the input, if it is not of that form, the address is
   *     not an IP literal, or the port is not a decimal number in 1..65535
   */
  public static PeerAddress parse(String text) {
    Objects.requireNonNull(text, "text");
    String host;
    String portText;
    if (text.startsWith("[")) {
      int close = text.indexOf("]:");
      if (close < 0) {
        throw new IllegalArgumentException(
            "expected [ipv6]:port, got " + quote(text) + " (no ']:' after the address)");
      }
      host = text.substring(1, close);
      portText = text.substring(close + 2);
      if (IpLiterals.parseIpv6(host) == null) {
        throw new IllegalArgumentException("not an IPv6 literal: " + quote(host) + " in " + quote(text));
      }
    } else {
      int colon = text.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("expected ip:port, got " + quote(text) + " (no port)");
      }
      host = text.substring(0, colon);
      portText = text.substring(colon + 1);
      if (host.indexOf(':') >= 0) {
        throw new IllegalArgumentException(
            "an IPv6 address with a port needs brackets, as in [::1]:6881; got " + quote(text));
      }
      if (IpLiterals.parseIpv4(host) == null) {
        throw new IllegalArgumentException(
            "not an IPv4 literal: " + quote(host) + " in " + quote(text)
                + " (host names are not accepted and never resolved)");
      }
    }
    int port = parsePort(portText, text);
    return of(host, port);
  }

  private static int parsePort(String s, String whole) {
    if (s.isEmpty() || s.length() > 5) {
      throw new IllegalArgumentException("port must be 1 to 65535, got " + quote(s) + " in " + quote(whole));
    }
    int port = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        throw new IllegalArgumentException(
            "port must be a decimal number, got " + quote(s) + " in " + quote(whole));
      }
      port = port * 10 + (c - '0');
    }
    if (port < MIN_PORT || port > MAX_PORT) {
      throw new IllegalArgumentException("port must be 1 to 65535, got " + port + " in " + quote(whole));
    }
    return port;
  }

  private static void checkPort(int port) {
    if (port < MIN_PORT || port > MAX_PORT) {
      throw new IllegalArgumentException("port must be 1 to 65535, got " + port);
    }
  }

  private static String quote(String s) {
    return s.length() <= 80 ? "'" + s + "'" : "'" + s.substring(0, 80) + "...' (" + s.length() + " chars)";
  }

  /** Whether the address is IPv6 (an IPv4-mapped address is IPv4, see the class doc). */
  public boolean isIpv6() {
    return address instanceof Inet6Address;
  }

  /**
   * The address as text without port or brackets: {@code 1.2.3.4}, or {@code 2001:db8::1} (RFC
   * 5952); {@link #of(String, int)} reads it back. This is the form of the {@code ip} key in a
   * tracker's dictionary peer list (BEP 3).
   */
  public String ipLiteral() {
    byte[] a = address.getAddress();
    return a.length == 4 ? IpLiterals.formatIpv4(a) : IpLiterals.formatIpv6(a);
  }

  /** The socket address to connect to; no name is resolved. */
  public InetSocketAddress toSocketAddress() {
    return new InetSocketAddress(address, port);
  }

  /**
   * {@code 1.2.3.4:6881} for IPv4, {@code [2001:db8::1]:6881} for IPv6 (RFC 5952 text: lower case,
   * the longest run of zero groups as {@code ::}); {@link #parse(String)} reads it back.
   */
  @Override
  public String toString() {
    return isIpv6() ? "[" + ipLiteral() + "]:" + port : ipLiteral() + ":" + port;
  }

  // equals and hashCode are written out: a record's generated ones go through ObjectMethods
  // method handles, which a fresh JVM spins classes for and runs interpreted, and a download
  // hashes the sender's address once per block received.

  /** Equal when the address and port are. */
  @Override
  public final boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof PeerAddress)) {
      return false;
    }
    PeerAddress p = (PeerAddress) o;
    return port == p.port && address.equals(p.address);
  }

  @Override
  public final int hashCode() {
    return address.hashCode() * 31 + port;
  }
}
