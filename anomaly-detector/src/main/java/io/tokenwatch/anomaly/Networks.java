package io.tokenwatch.anomaly;

import java.math.BigInteger;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Groups source addresses into networks: the IPv4 or IPv6 prefix of the configured length, in CIDR
 * notation. Anything that is not an address literal (a host name, garbage) is its own network.
 * Never resolves names.
 */
public final class Networks {

  private Networks() {}

  /** The network of {@code address}, e.g. {@code 10.1.2.0/24}. */
  public static String of(String address, int ipv4Prefix, int ipv6Prefix) {
    String host = stripPort(address.trim());
    int[] v4 = ipv4(host);
    if (v4 != null) {
      long value = ((long) v4[0] << 24) | (v4[1] << 16) | (v4[2] << 8) | v4[3];
      long mask = ipv4Prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - ipv4Prefix)) & 0xFFFFFFFFL;
      long net = value & mask;
      return ((net >> 24) & 0xFF)
          + "."
          + ((net >> 16) & 0xFF)
          + "."
          + ((net >> 8) & 0xFF)
          + "."
          + (net & 0xFF)
          + "/"
          + ipv4Prefix;
    }
    BigInteger v6 = ipv6(host);
    if (v6 != null) {
      BigInteger net = v6.shiftRight(128 - ipv6Prefix).shiftLeft(128 - ipv6Prefix);
      return net.toString(16) + "/" + ipv6Prefix;
    }
    return host.toLowerCase(Locale.ROOT);
  }

  private static String stripPort(String address) {
    if (address.startsWith("[")) {
      int end = address.indexOf(']');
      return end > 0 ? address.substring(1, end) : address;
    }
    int colon = address.indexOf(':');
    if (colon > 0 && colon == address.lastIndexOf(':')) {
      return address.substring(0, colon);
    }
    return address;
  }

  private static int @Nullable [] ipv4(String host) {
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    int[] octets = new int[4];
    for (int i = 0; i < 4; i++) {
      if (parts[i].isEmpty()
          || parts[i].length() > 3
          || !parts[i].chars().allMatch(Character::isDigit)) {
        return null;
      }
      octets[i] = Integer.parseInt(parts[i]);
      if (octets[i] > 255) {
        return null;
      }
    }
    return octets;
  }

  private static @Nullable BigInteger ipv6(String host) {
    if (!host.contains(":")
        || !host.chars().allMatch(c -> c == ':' || Character.digit(c, 16) >= 0)) {
      return null;
    }
    String[] halves = host.split("::", -1);
    if (halves.length > 2) {
      return null;
    }
    String[] head = halves[0].isEmpty() ? new String[0] : halves[0].split(":", -1);
    String[] tail =
        halves.length == 2 && !halves[1].isEmpty() ? halves[1].split(":", -1) : new String[0];
    int groups = head.length + tail.length;
    if (groups > 8 || (halves.length == 1 && groups != 8)) {
      return null;
    }
    BigInteger value = BigInteger.ZERO;
    for (String g : head) {
      if (g.isEmpty() || g.length() > 4) {
        return null;
      }
      value = value.shiftLeft(16).or(new BigInteger(g, 16));
    }
    value = value.shiftLeft(16 * (8 - groups));
    BigInteger low = BigInteger.ZERO;
    for (String g : tail) {
      if (g.isEmpty() || g.length() > 4) {
        return null;
      }
      low = low.shiftLeft(16).or(new BigInteger(g, 16));
    }
    return value.or(low);
  }
}
