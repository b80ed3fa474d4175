package io.tokenwatch.signals;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.Optional;

/**
 * The Security Event Token types Tokenwatch transmits or acts on, each named by its URI in the
 * {@code events} claim (RFC 8417 section 2.2).
 */
public enum EventType {
  /** CAEP: a session (a token, a grant, every session of a subject) was revoked. */
  SESSION_REVOKED("https://schemas.openid.net/secevent/caep/event-type/session-revoked"),
  /** CAEP: the claims of a token changed (scopes narrowed by a policy change). */
  TOKEN_CLAIMS_CHANGE("https://schemas.openid.net/secevent/caep/event-type/token-claims-change"),
  /** CAEP: a credential of the subject was created, changed, revoked or deleted. */
  CREDENTIAL_CHANGE("https://schemas.openid.net/secevent/caep/event-type/credential-change"),
  /** RISC: an account (for Tokenwatch, a client) was disabled. */
  ACCOUNT_DISABLED("https://schemas.openid.net/secevent/risc/event-type/account-disabled"),
  /** SSF: the verification event a receiver asks for to test its stream. */
  VERIFICATION("https://schemas.openid.net/secevent/ssf/event-type/verification"),
  /** SSF: the transmitter changed a stream's status. */
  STREAM_UPDATED("https://schemas.openid.net/secevent/ssf/event-type/stream-updated");

  private final String uri;

  EventType(String uri) {
    this.uri = uri;
  }

  /** The event type's URI, the key of its member in the {@code events} claim. */
  public String uri() {
    return uri;
  }

  /** Whether receivers may ask for this type in {@code events_requested}. */
  public boolean requestable() {
    return this != VERIFICATION && this != STREAM_UPDATED;
  }

  /** The type with that URI, if Tokenwatch knows it. */
  public static Optional<EventType> ofUri(String uri) {
    requireNonNull(uri, "uri");
    return Arrays.stream(values()).filter(type -> type.uri.equals(uri)).findFirst();
  }
}
