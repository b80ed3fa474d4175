package io.tokenwatch.signals;

import static java.util.Objects.requireNonNull;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Whether a receiver's push endpoint is a URL the transmitter may connect to. Checked when a stream
 * is created or changed, and again before each connection, because what a name resolves to can
 * change.
 *
 * <p>An endpoint is refused when it is not an absolute {@code http} or {@code https} URL ({@code
 * https} only, unless plain HTTP is allowed), carries userinfo or a fragment, names its host
 * ambiguously, or when its host is or resolves to an address the transmitter must not reach on a
 * receiver's behalf (unless private endpoints are allowed): unspecified, loopback, private (RFC
 * 1918, shared address space RFC 6598, unique local fc00::/7, site-local fec0::/10), link-local
 * (169.254/16 including the cloud metadata address, fe80::/10), multicast, broadcast and reserved
 * ranges, and IPv6 addresses that embed one of these IPv4 addresses (IPv4-mapped, IPv4-compatible,
 * NAT64 64:ff9b::/96, 6to4 2002::/16). Every address the name resolves to must pass.
 *
 * <p>Host names are judged the way URL parsers of HTTP clients read them (WHATWG URL): a host whose
 * last label is a number ({@code 2130706433}, {@code 0x7f.1}, {@code 127.1}, {@code 0177.0.0.1}) is
 * an IPv4 address in some parser's eyes, so only the canonical dotted-quad form is accepted; a
 * trailing dot, an empty label, an IPv6 zone id and a host {@link URI} cannot parse are refused.
 *
 * <p>Immutable and thread-safe when the resolver is.
 */
public final class EndpointRules {

  /** Resolves a host name to its addresses; {@link InetAddress#getAllByName} in production. */
  @FunctionalInterface
  public interface Resolver {
    /**
     * The addresses {@code host} resolves to; never empty.
     *
     * @throws UnknownHostException when it resolves to none
     */
    List<InetAddress> resolve(String host) throws UnknownHostException;

    /** The system resolver. */
    static Resolver system() {
      return host -> List.of(InetAddress.getAllByName(host));
    }
  }

  /** Longest endpoint URL accepted. */
  public static final int MAX_URL_LENGTH = 2048;

  private static final Pattern DOTTED_QUAD =
      Pattern.compile(
          "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  private static final Pattern NUMERIC_LABEL = Pattern.compile("\\d+|0[xX][0-9a-fA-F]*");
  private static final Pattern HOST_NAME =
      Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

  private final boolean requireHttps;
  private final boolean allowPrivate;
  private final Resolver resolver;

  /**
   * @param requireHttps whether only {@code https} endpoints are accepted
   * @param allowPrivate whether endpoints on loopback, private, link-local and other non-public
   *     addresses are accepted (one-machine setups and tests)
   * @param resolver resolves host names
   */
  public EndpointRules(boolean requireHttps, boolean allowPrivate, Resolver resolver) {
    this.requireHttps = requireHttps;
    this.allowPrivate = allowPrivate;
    this.resolver = requireNonNull(resolver, "resolver");
  }

  /** Whether only {@code https} endpoints are accepted. */
  public boolean requireHttps() {
    return requireHttps;
  }

  /** Whether non-public addresses are accepted. */
  public boolean allowPrivate() {
    return allowPrivate;
  }

  /**
   * What is wrong with {@code endpoint}, or empty when the transmitter may connect to it. Resolves
   * its host (unless it is an address literal). The problem is a sentence written here, quoting
   * nothing from the URL.
   */
  public Optional<String> problem(URI endpoint) {
    requireNonNull(endpoint, "endpoint");
    if (endpoint.toString().length() > MAX_URL_LENGTH) {
      return Optional.of("the endpoint URL is longer than " + MAX_URL_LENGTH + " characters");
    }
    if (!endpoint.isAbsolute() || endpoint.isOpaque()) {
      return Optional.of("the endpoint must be an absolute http(s) URL");
    }
    String scheme = endpoint.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      return Optional.of("the endpoint must be an http(s) URL");
    }
    if (requireHttps && !scheme.equals("https")) {
      return Optional.of("the endpoint must be an https URL");
    }
    if (endpoint.getRawUserInfo() != null) {
      return Optional.of("the endpoint must not carry userinfo");
    }
    if (endpoint.getRawFragment() != null) {
      return Optional.of("the endpoint must not carry a fragment");
    }
    String rawHost = endpoint.getHost();
    if (rawHost == null || rawHost.isEmpty()) {
      return Optional.of("the endpoint's host is missing or not a valid host name");
    }
    if (endpoint.getRawAuthority() != null && endpoint.getRawAuthority().contains("@")) {
      return Optional.of("the endpoint must not carry userinfo");
    }
    if (endpoint.getPort() == 0 || endpoint.getPort() > 65535) {
      return Optional.of("the endpoint's port must be between 1 and 65535");
    }
    List<InetAddress> addresses;
    if (rawHost.startsWith("[")) {
      Optional<InetAddress> literal = ipv6Literal(rawHost);
      if (literal.isEmpty()) {
        return Optional.of("the endpoint's IPv6 address is not valid");
      }
      addresses = List.of(literal.get());
    } else {
      String host = rawHost.toLowerCase(Locale.ROOT);
      if (host.endsWith(".")) {
        return Optional.of("the endpoint's host must not end with a dot");
      }
      String[] labels = host.split("\\.", -1);
      if (NUMERIC_LABEL.matcher(labels[labels.length - 1]).matches()) {
        if (!DOTTED_QUAD.matcher(host).matches()) {
          return Optional.of(
              "the endpoint's IPv4 address must be written as four decimal numbers without"
                  + " leading zeros");
        }
        addresses = List.of(ipv4(host));
      } else {
        if (!HOST_NAME.matcher(host).matches() || host.length() > 253) {
          return Optional.of("the endpoint's host is not a valid host name");
        }
        try {
          addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
          return Optional.of("the endpoint's host does not resolve");
        }
        if (addresses.isEmpty()) {
          return Optional.of("the endpoint's host does not resolve");
        }
      }
    }
    if (allowPrivate) {
      return Optional.empty();
    }
    for (InetAddress address : addresses) {
      Optional<String> problem = addressProblem(address);
      if (problem.isPresent()) {
        return problem;
      }
    }
    return Optional.empty();
  }

  /**
   * What is wrong with connecting to {@code address} on a receiver's behalf, or empty when it is a
   * public unicast address. Ignores {@code allowPrivate}: callers that connect check it themselves.
   */
  public static Optional<String> addressProblem(InetAddress address) {
    requireNonNull(address, "address");
    byte[] bytes = address.getAddress();
    if (address instanceof Inet4Address) {
      return ipv4Problem(bytes);
    }
    if (address instanceof Inet6Address v6 && v6.getScopeId() != 0) {
      return Optional.of("the endpoint resolves to a scoped IPv6 address");
    }
    return ipv6Problem(bytes);
  }

  private static Optional<String> ipv4Problem(byte[] b) {
    int a0 = b[0] & 0xff;
    int a1 = b[1] & 0xff;
    int a2 = b[2] & 0xff;
    String kind = null;
    if (a0 == 0) {
      kind = "an unspecified (this-network) address";
    } else if (a0 == 127) {
      kind = "a loopback address";
    } else if (a0 == 10 || (a0 == 172 && a1 >= 16 && a1 <= 31) || (a0 == 192 && a1 == 168)) {
      kind = "a private (RFC 1918) address";
    } else if (a0 == 100 && a1 >= 64 && a1 <= 127) {
      kind = "a shared (carrier-grade NAT) address";
    } else if (a0 == 169 && a1 == 254) {
      kind = "a link-local address";
    } else if (a0 == 192 && a1 == 0 && a2 == 0) {
      kind = "an IETF protocol assignment address";
    } else if (a0 == 198 && (a1 == 18 || a1 == 19)) {
      kind = "a benchmarking address";
    } else if (a0 >= 224 && a0 <= 239) {
      kind = "a multicast address";
    } else if (a0 >= 240) {
      kind = "a reserved or broadcast address";
    }
    return kind == null ? Optional.empty() : Optional.of("the endpoint resolves to " + kind);
  }

  private static Optional<String> ipv6Problem(byte[] b) {
    boolean firstTenZero = true;
    for (int i = 0; i < 10; i++) {
      firstTenZero &= b[i] == 0;
    }
    if (firstTenZero && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
      return ipv4Problem(new byte[] {b[12], b[13], b[14], b[15]}); // IPv4-mapped
    }
    if (firstTenZero && b[10] == 0 && b[11] == 0) {
      boolean upperZero = b[12] == 0 && b[13] == 0 && b[14] == 0;
      if (upperZero && (b[15] == 0 || b[15] == 1)) {
        return Optional.of(
            "the endpoint resolves to "
                + (b[15] == 0 ? "the unspecified address" : "a loopback address"));
      }
      return ipv4Problem(new byte[] {b[12], b[13], b[14], b[15]}); // IPv4-compatible
    }
    int first = b[0] & 0xff;
    int second = b[1] & 0xff;
    if (first == 0x00 && second == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
      boolean wellKnown = true;
      for (int i = 4; i < 12; i++) {
        wellKnown &= b[i] == 0;
      }
      if (wellKnown) {
        return ipv4Problem(new byte[] {b[12], b[13], b[14], b[15]}); // NAT64
      }
    }
    if (first == 0x20 && second == 0x02) {
      return ipv4Problem(new byte[] {b[2], b[3], b[4], b[5]}); // 6to4
    }
    if ((first & 0xfe) == 0xfc) {
      return Optional.of("the endpoint resolves to a unique local (fc00::/7) address");
    }
    if (first == 0xfe && (second & 0xc0) == 0x80) {
      return Optional.of("the endpoint resolves to a link-local address");
    }
    if (first == 0xfe && (second & 0xc0) == 0xc0) {
      return Optional.of("the endpoint resolves to a site-local address");
    }
    if (first == 0xff) {
      return Optional.of("the endpoint resolves to a multicast address");
    }
    if (first == 0x01 && second == 0x00 && allZero(b, 2, 8)) {
      return Optional.of("the endpoint resolves to a discard-only address");
    }
    if (first == 0x20 && second == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
      return Optional.of("the endpoint resolves to a documentation address");
    }
    return Optional.empty();
  }

  private static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static InetAddress ipv4(String dottedQuad) {
    String[] parts = dottedQuad.split("\\.");
    byte[] bytes = new byte[4];
    for (int i = 0; i < 4; i++) {
      bytes[i] = (byte) Integer.parseInt(parts[i]);
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("four bytes are always an address", e);
    }
  }

  private static Optional<InetAddress> ipv6Literal(String bracketed) {
    if (!bracketed.endsWith("]")) {
      return Optional.empty();
    }
    String literal = bracketed.substring(1, bracketed.length() - 1);
    if (literal.isEmpty() || !literal.matches("[0-9a-fA-F:.]+") || !literal.contains(":")) {
      return Optional.empty(); // no zone ids, nothing a resolver would look up
    }
    try {
      return Optional.of(InetAddress.getByName(literal));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }
}
