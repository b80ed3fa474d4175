package io.tokenwatch.validator.http;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The addresses whose forwarding headers ({@code X-Forwarded-*}, {@code X-Original-*}) the sidecar
 * believes: IP addresses and CIDR ranges, never host names (a name would make the decision depend
 * on DNS). Immutable and thread-safe.
 */
public final class TrustedProxies {

  /** The default: the loopback ranges, where a reverse proxy beside the sidecar connects from. */
  public static final String LOOPBACK = "127.0.0.0/8,::1";

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  @SuppressWarnings("ArrayRecordComponent") // private, built once, never handed out
  private record Range(byte[] network, int prefix) {
    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int whole = prefix / 8;
      for (int i = 0; i < whole; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (address[whole] & mask) == (network[whole] & mask);
    }

    @Override
    public String toString() {
      try {
        return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
      } catch (UnknownHostException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private final List<Range> ranges;

  private TrustedProxies(List<Range> ranges) {
    this.ranges = List.copyOf(ranges);
  }

  /** Nobody: every request is judged on what the sidecar itself sees. */
  public static TrustedProxies none() {
    return new TrustedProxies(List.of());
  }

  /**
   * Parses IP addresses and CIDR ranges ({@code 10.0.0.0/8}, {@code ::1}, {@code fd00::/8}).
   *
   * @throws IllegalArgumentException naming every entry that is not one
   */
  public static TrustedProxies parse(List<String> entries) {
    requireNonNull(entries, "entries");
    List<Range> ranges = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (String entry : entries) {
      String text = entry.trim();
      if (text.isEmpty()) {
        continue;
      }
      int slash = text.indexOf('/');
      byte[] address = literal(slash < 0 ? text : text.substring(0, slash));
      if (address == null) {
        problems.add("'" + text + "' is not an IP address or CIDR range");
        continue;
      }
      int prefix = address.length * 8;
      if (slash >= 0) {
        try {
          prefix = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
          prefix = -1;
        }
        if (prefix < 0 || prefix > address.length * 8) {
          problems.add("'" + text + "' has no valid prefix length");
          continue;
        }
      }
      ranges.add(new Range(address, prefix));
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return new TrustedProxies(ranges);
  }

  /** Whether {@code address} (an IP literal, as a server reports a peer) is trusted. */
  public boolean trusts(@Nullable String address) {
    if (address == null) {
      return false;
    }
    byte[] bytes = literal(address);
    if (bytes == null) {
      return false;
    }
    for (Range range : ranges) {
      if (range.contains(bytes)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The client behind a trusted proxy: the right-most {@code X-Forwarded-For} entry that is not
   * itself a trusted proxy (entries to its left could be written by the client), or {@code peer}
   * when the header names none.
   */
  public String client(@Nullable String forwardedFor, String peer) {
    requireNonNull(peer, "peer");
    if (forwardedFor == null || forwardedFor.isBlank()) {
      return peer;
    }
    String[] hops = forwardedFor.split(",");
    String leftmost = peer;
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].trim();
      if (hop.isEmpty()) {
        continue;
      }
      if (!trusts(hop)) {
        return hop;
      }
      leftmost = hop;
    }
    return leftmost;
  }

  /** The address as 4 or 16 bytes, or {@code null} when it is not an IP literal. */
  private static byte @Nullable [] literal(String text) {
    String address = text.trim();
    if (address.startsWith("[") && address.endsWith("]")) {
      address = address.substring(1, address.length() - 1);
    }
    if (!IPV4.matcher(address).matches() && !IPV6.matcher(address).matches()) {
      return null; // not a literal: never resolve a name
    }
    try {
      byte[] bytes = InetAddress.getByName(address).getAddress();
      return bytes;
    } catch (UnknownHostException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return ranges.toString();
  }
}
