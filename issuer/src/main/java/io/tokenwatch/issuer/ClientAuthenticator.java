package io.tokenwatch.issuer;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.issuer.policy.ClientKind;
import io.tokenwatch.issuer.policy.ClientPolicy;
import io.tokenwatch.issuer.policy.Policy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.jspecify.annotations.Nullable;

/**
 * Authenticates a client against the policy: a secret (HTTP Basic or form), or the thumbprint of
 * the certificate the TLS terminator verified. A public client authenticates with its id alone,
 * which is why public clients are never allowed what needs a credential (client credentials,
 * admin). Stateless.
 */
public final class ClientAuthenticator {

  private ClientAuthenticator() {}

  /** Outcome of authenticating a client. */
  public sealed interface Result {
    /** The client is who it says. */
    record Authenticated(ClientPolicy client, String method) implements Result {}

    /** It is not; {@code clientId} is what it claimed, for the denial event. */
    record Failed(String clientId, IssuanceDenyReason reason, String detail) implements Result {}
  }

  /** Authenticates {@code presented} against {@code policy}. */
  public static Result authenticate(Policy policy, PresentedCredentials presented) {
    requireNonNull(policy, "policy");
    requireNonNull(presented, "presented");
    String clientId = presented.clientId();
    String thumbprint = presented.mtlsThumbprint();
    if (clientId == null && thumbprint != null) {
      for (ClientPolicy client : policy.clients().values()) {
        if (thumbprint.equals(client.mtlsThumbprint())) {
          return new Result.Authenticated(client, "tls_client_auth");
        }
      }
      return failed(
          "(certificate)",
          IssuanceDenyReason.UNKNOWN_CLIENT,
          "no client has the presented certificate");
    }
    if (clientId == null) {
      return failed(
          "(none)", IssuanceDenyReason.INVALID_CLIENT_CREDENTIALS, "no client authentication");
    }
    ClientPolicy client = policy.client(clientId).orElse(null);
    if (client == null) {
      return failed(clientId, IssuanceDenyReason.UNKNOWN_CLIENT, "unknown client " + clientId);
    }
    String secret = presented.secret();
    if (secret != null) {
      if (client.secretHash() != null && Secrets.matches(secret, client.secretHash())) {
        return new Result.Authenticated(
            client, presented.basic() ? "client_secret_basic" : "client_secret_post");
      }
      return failed(
          clientId, IssuanceDenyReason.INVALID_CLIENT_CREDENTIALS, "client secret does not match");
    }
    if (thumbprint != null) {
      if (client.mtlsThumbprint() != null
          && constantTimeEquals(thumbprint, client.mtlsThumbprint())) {
        return new Result.Authenticated(client, "tls_client_auth");
      }
      return failed(
          clientId,
          IssuanceDenyReason.INVALID_CLIENT_CREDENTIALS,
          "client certificate does not match");
    }
    if (client.kind() == ClientKind.PUBLIC) {
      return new Result.Authenticated(client, "none");
    }
    return failed(
        clientId,
        IssuanceDenyReason.INVALID_CLIENT_CREDENTIALS,
        "client " + clientId + " must authenticate");
  }

  private static Result failed(String clientId, IssuanceDenyReason reason, String detail) {
    return new Result.Failed(clientId, reason, detail);
  }

  private static boolean constantTimeEquals(String a, @Nullable String b) {
    return b != null
        && MessageDigest.isEqual(
            a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
  }
}
