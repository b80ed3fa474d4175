package io.tokenwatch.signals;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.Optional;

/**
 * How a stream's SETs reach its receiver, named by the URIs SSF uses in {@code delivery.method}.
 */
public enum DeliveryMethod {
  /** The transmitter POSTs each SET to the receiver's endpoint (RFC 8935). */
  PUSH("urn:ietf:rfc:8935"),
  /** The receiver polls the transmitter's endpoint and acknowledges what it got (RFC 8936). */
  POLL("urn:ietf:rfc:8936");

  private final String uri;

  DeliveryMethod(String uri) {
    this.uri = uri;
  }

  public String uri() {
    return uri;
  }

  /** The method with that URI, if supported. */
  public static Optional<DeliveryMethod> ofUri(String uri) {
    requireNonNull(uri, "uri");
    return Arrays.stream(values()).filter(method -> method.uri.equals(uri)).findFirst();
  }
}
