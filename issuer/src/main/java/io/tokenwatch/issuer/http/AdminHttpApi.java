package io.tokenwatch.issuer.http;

import static io.tokenwatch.issuer.http.Answers.JSON;
import static io.tokenwatch.issuer.http.Answers.error;
import static io.tokenwatch.issuer.http.Answers.json;
import static io.tokenwatch.issuer.http.Answers.refuse;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.tokenwatch.issuer.AdminAuthenticator;
import io.tokenwatch.issuer.EventLogUnavailableException;
import io.tokenwatch.issuer.PresentedCredentials;
import io.tokenwatch.issuer.policy.OAuthError;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.issuer.revocation.AdminRevocation;
import io.tokenwatch.issuer.revocation.RevocationOutcome;
import io.tokenwatch.issuer.token.TokenService;
import io.tokenwatch.keys.SigningAlgorithm;
import io.tokenwatch.keys.SigningKey;
import io.tokenwatch.keys.SigningKeys;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin endpoints ({@code POST /admin/revocations}, {@code POST /admin/keys/rotate}): an admin
 * access token (RFC 6750, or RFC 9449 DPoP) or an admin client's credentials, refused per RFC 6750
 * section 3. A revocation by a person (session, users-file Basic credentials or a person assertion)
 * goes to {@link PersonRevocationHttpApi} instead, under the policy's revocation rights.
 */
final class AdminHttpApi {

  private static final Logger LOG = LoggerFactory.getLogger(AdminHttpApi.class);

  private final TokenService tokens;
  private final Supplier<Policy> policy;
  private final SigningKeys keys;
  private final AdminAuthenticator admins;
  private final ClientCredentialsReader clients;
  private final @Nullable PersonRevocationHttpApi persons;

  /**
   * @param persons answers revocations by people, or null where only admins may revoke
   */
  AdminHttpApi(
      TokenService tokens,
      Supplier<Policy> policy,
      SigningKeys keys,
      AdminAuthenticator admins,
      ClientCredentialsReader clients,
      @Nullable PersonRevocationHttpApi persons) {
    this.tokens = requireNonNull(tokens, "tokens");
    this.policy = requireNonNull(policy, "policy");
    this.keys = requireNonNull(keys, "keys");
    this.admins = requireNonNull(admins, "admins");
    this.clients = requireNonNull(clients, "clients");
    this.persons = persons;
  }

  /** The authenticated admin's identity, or null once the refusal has been answered. */
  private @Nullable String authenticatedAdmin(Context ctx) {
    AdminAuthenticator.Credentials credentials = adminCredentials(ctx);
    if (credentials == null) {
      return null;
    }
    AdminAuthenticator.Result auth = admins.authenticate(credentials);
    if (auth instanceof AdminAuthenticator.Result.Refused refused) {
      refuseAdmin(ctx, refused, credentials);
      return null;
    }
    return ((AdminAuthenticator.Result.Admin) auth).requestedBy();
  }

  /**
   * Adds a new signing key and retires the current one, which stays published until every token it
   * signed has expired: rotation without downtime. Optional JSON body {@code {"algorithm":
   * "EdDSA"|"RS256"}}; default: the current key's algorithm.
   */
  void rotateKeys(Context ctx) {
    String requestedBy = authenticatedAdmin(ctx);
    if (requestedBy == null) {
      return;
    }
    SigningAlgorithm algorithm = keys.current().algorithm();
    try {
      String body = ctx.body();
      if (!body.isBlank()) {
        JsonNode json = JSON.readTree(body);
        if (json == null || !json.isObject()) {
          throw new IllegalArgumentException("the body must be a JSON object");
        }
        String name = optional(json, "algorithm");
        if (name != null) {
          algorithm = algorithmNamed(name);
        }
      }
    } catch (JsonProcessingException | IllegalArgumentException e) {
      refuse(
          ctx,
          OAuthError.INVALID_REQUEST,
          "expected an empty body or {\"algorithm\": \"EdDSA\"|\"RS256\"}",
          false);
      return;
    }
    String previous = keys.current().kid();
    SigningKey next = keys.rotate(algorithm, tokens.ttlCeiling());
    LOG.info("Signing key rotated by {}: {} replaces {}", requestedBy, next.kid(), previous);
    json(
        ctx,
        200,
        JSON.createObjectNode()
            .put("kid", next.kid())
            .put("algorithm", next.algorithm().jws().getName())
            .put("retired_kid", previous));
  }

  private static SigningAlgorithm algorithmNamed(String name) {
    for (SigningAlgorithm algorithm : SigningAlgorithm.values()) {
      if (algorithm.jws().getName().equalsIgnoreCase(name)) {
        return algorithm;
      }
    }
    throw new IllegalArgumentException("unknown algorithm " + name);
  }

  void revocation(Context ctx) {
    PersonRevocationHttpApi people = persons;
    if (people != null && people.isPersonRequest(ctx)) {
      people.revoke(ctx);
      return;
    }
    String requestedBy = authenticatedAdmin(ctx);
    if (requestedBy == null) {
      return;
    }
    AdminRevocation revocation;
    try {
      revocation = AdminRevocationBody.read(ctx.bodyAsBytes()).toRevocation(requestedBy);
    } catch (AdminRevocationBody.MalformedBodyException e) {
      error(
          ctx,
          e.status(),
          OAuthError.INVALID_REQUEST.code(),
          java.util.Objects.requireNonNullElse(e.getMessage(), "malformed body"));
      return;
    }
    try {
      RevocationOutcome outcome = tokens.revocations().revokeByAdmin(revocation);
      if (outcome instanceof RevocationOutcome.Refused refused) {
        refuse(ctx, refused.error(), refused.description(), refused.basicChallenge());
      } else {
        ObjectNode body = JSON.createObjectNode().put("status", "requested");
        PersonRevocationHttpApi.receipt(body, (RevocationOutcome.Accepted) outcome);
        json(ctx, 202, body);
      }
    } catch (EventLogUnavailableException e) {
      refuse(
          ctx, OAuthError.TEMPORARILY_UNAVAILABLE, "cannot record the revocation right now", false);
    }
  }

  /**
   * What the request offers to authenticate an admin: a bearer or DPoP access token, else client
   * credentials; null after answering {@code invalid_request}.
   */
  private AdminAuthenticator.@Nullable Credentials adminCredentials(Context ctx) {
    String thumbprint = clients.mtlsThumbprint(ctx);
    String authorization = ctx.header("Authorization");
    if (authorization != null) {
      int space = authorization.indexOf(' ');
      String scheme = space < 0 ? authorization : authorization.substring(0, space);
      String token = space < 0 ? "" : authorization.substring(space + 1).trim();
      if (scheme.equalsIgnoreCase("Bearer") || scheme.equalsIgnoreCase("DPoP")) {
        return new AdminAuthenticator.Credentials.AccessToken(
            token, scheme.equalsIgnoreCase("DPoP"), ctx.header("DPoP"), thumbprint, ctx.ip());
      }
      if (!scheme.equalsIgnoreCase("Basic")) {
        return new AdminAuthenticator.Credentials.None();
      }
    } else if (thumbprint == null) {
      return new AdminAuthenticator.Credentials.None();
    }
    PresentedCredentials client = clients.read(ctx, Map.of());
    return client == null ? null : new AdminAuthenticator.Credentials.Client(client);
  }

  /** Answers a refused admin call per RFC 6750 section 3 (RFC 9449 for the DPoP scheme). */
  private void refuseAdmin(
      Context ctx,
      AdminAuthenticator.Result.Refused refused,
      AdminAuthenticator.Credentials credentials) {
    String scheme =
        credentials instanceof AdminAuthenticator.Credentials.AccessToken token && token.dpop()
            ? "DPoP"
            : "Bearer";
    String challenge = scheme + " realm=\"tokenwatch\"";
    String adminScope = policy.get().adminScope();
    switch (refused.failure()) {
      case NO_CREDENTIALS -> {
        // RFC 6750 section 3.1: no error code when the request carries no credentials.
        ctx.header("WWW-Authenticate", challenge + ", scope=\"" + adminScope + "\"");
        error(ctx, 401, OAuthError.INVALID_REQUEST.code(), refused.description());
      }
      case INVALID_CLIENT -> {
        refuse(ctx, OAuthError.INVALID_CLIENT, refused.description(), refused.basicChallenge());
      }
      case NOT_AN_ADMIN -> {
        refuse(ctx, OAuthError.ACCESS_DENIED, refused.description(), false);
      }
      case INVALID_TOKEN -> {
        ctx.header(
            "WWW-Authenticate",
            challenge
                + ", error=\"invalid_token\", error_description=\""
                + quotable(refused.description())
                + "\"");
        error(ctx, 401, OAuthError.INVALID_TOKEN.code(), refused.description());
      }
      case INSUFFICIENT_SCOPE -> {
        ctx.header(
            "WWW-Authenticate",
            challenge
                + ", error=\"insufficient_scope\", error_description=\""
                + quotable(refused.description())
                + "\", scope=\""
                + adminScope
                + "\"");
        error(ctx, 403, OAuthError.INSUFFICIENT_SCOPE.code(), refused.description());
      }
      case UNAVAILABLE -> {
        refuse(ctx, OAuthError.TEMPORARILY_UNAVAILABLE, refused.description(), false);
      }
    }
  }

  /** Text fit for a quoted RFC 6750 auth-param: printable ASCII without quote and backslash. */
  private static String quotable(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      out.append(c >= 0x20 && c <= 0x7E && c != '"' && c != '\\' ? c : '?');
    }
    return out.toString();
  }

  private static @Nullable String optional(JsonNode body, String field) {
    JsonNode value = body.get(field);
    return value == null || value.isNull() || value.asText().isBlank() ? null : value.asText();
  }
}
