package io.tokenwatch.signals;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * What one push (RFC 8935) of a SET came to, and so what the transmitter does next: {@link
 * Delivered}, {@link Retry} later (the receiver is down, slow, or may fix what it rejected), or
 * {@link Rejected}: the receiver refused that SET for good, so it is dead-lettered and delivery
 * moves on.
 */
public sealed interface PushOutcome {

  /** The receiver accepted the SET (202, or any 2xx). */
  record Delivered(int status) implements PushOutcome {}

  /**
   * The SET must be sent again after a backoff.
   *
   * @param reason a short label for logs and metrics: {@code timeout}, {@code connection}, {@code
   *     http_5xx}, an RFC 8935 error code, {@code endpoint_refused}, ...
   */
  record Retry(String reason, String detail) implements PushOutcome {
    public Retry {
      requireNonNull(reason, "reason");
      requireNonNull(detail, "detail");
    }
  }

  /**
   * The receiver rejected the SET itself; sending it again cannot succeed.
   *
   * @param code the RFC 8935 error code, or {@code unparseable} for a 400 without one
   */
  record Rejected(String code, String description) implements PushOutcome {
    public Rejected {
      requireNonNull(code, "code");
      requireNonNull(description, "description");
    }
  }

  /**
   * Classifies an HTTP answer to a push. For 400, {@code err} and {@code description} are the
   * members of the receiver's JSON error body (RFC 8935 section 2.3), null when absent.
   *
   * <table>
   *   <caption>RFC 8935 error codes</caption>
   *   <tr><th>code</th><th>outcome</th><th>why</th></tr>
   *   <tr><td>invalid_request</td><td>Rejected</td><td>the SET itself is malformed for the
   *   receiver; resending the same bytes cannot help</td></tr>
   *   <tr><td>access_denied</td><td>Rejected</td><td>the receiver refuses this SET's
   *   content</td></tr>
   *   <tr><td>invalid_key</td><td>Retry</td><td>after a key rotation the receiver refreshes the
   *   JWKS</td></tr>
   *   <tr><td>invalid_issuer, invalid_audience, authentication_failed</td><td>Retry</td><td>a
   *   configuration mismatch the receiver or the stream's owner can fix; every later SET would
   *   fail alike, so the stream is held (until the pending age limit disables it)</td></tr>
   *   <tr><td>unknown code, or no parseable body</td><td>Rejected</td><td>an answer the
   *   transmitter cannot interpret is not taken as a reason to hold the stream</td></tr>
   * </table>
   *
   * <p>Other statuses: 2xx delivered; 5xx, 408, 429 and every other status (redirects are not
   * followed; 401/403/404 may be fixed by the receiver) retry.
   */
  static PushOutcome ofResponse(int status, @Nullable String err, @Nullable String description) {
    if (status >= 200 && status < 300) {
      return new Delivered(status);
    }
    if (status == 400) {
      String text = description == null ? "" : description;
      if (err == null) {
        return new Rejected("unparseable", "400 without an RFC 8935 error body");
      }
      return switch (err) {
        case "invalid_request", "access_denied" -> new Rejected(err, text);
        case "invalid_key", "invalid_issuer", "invalid_audience", "authentication_failed" ->
            new Retry(err, text);
        default -> new Rejected("unknown_code", err + ": " + text);
      };
    }
    if (status >= 500) {
      return new Retry("http_5xx", "HTTP " + status);
    }
    return new Retry("http_" + status, "HTTP " + status);
  }
}
