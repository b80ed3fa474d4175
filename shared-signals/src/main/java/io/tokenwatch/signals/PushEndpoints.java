package io.tokenwatch.signals;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * The strictest endpoint rule for push delivery, used when no other is configured: {@code https}
 * only, with a host that resolves only to public addresses (no loopback, private, link-local,
 * site-local, multicast or wildcard address), so a receiver cannot aim the transmitter at internal
 * services. Checked before each connection, since DNS answers change.
 */
public final class PushEndpoints {

  private PushEndpoints() {}

  /** Whether {@code endpoint} may be pushed to under the strict rule. */
  public static boolean strict(URI endpoint) {
    if (endpoint == null
        || !"https".equals(String.valueOf(endpoint.getScheme()).toLowerCase(Locale.ROOT))
        || endpoint.getHost() == null
        || endpoint.getUserInfo() != null) {
      return false;
    }
    try {
      InetAddress[] addresses = InetAddress.getAllByName(endpoint.getHost());
      for (InetAddress address : addresses) {
        if (address.isLoopbackAddress()
            || address.isAnyLocalAddress()
            || address.isLinkLocalAddress()
            || address.isSiteLocalAddress()
            || address.isMulticastAddress()
            || isUniqueLocal(address)) {
          return false;
        }
      }
      return addresses.length > 0;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static boolean isUniqueLocal(InetAddress address) {
    byte[] bytes = address.getAddress();
    if (bytes.length == 16) {
      return (bytes[0] & 0xfe) == 0xfc;
    }
    // 100.64.0.0/10, carrier-grade NAT
    return (bytes[0] & 0xff) == 100 && (bytes[1] & 0xc0) == 64;
  }
}
