package io.tokenwatch.issuer.token;

import io.tokenwatch.events.GrantType;
import io.tokenwatch.issuer.policy.OAuthError;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** How the token endpoint reads its request parameters. */
final class TokenParameters {

  private TokenParameters() {}

  /** A parameter the endpoint cannot accept; its message is the {@code error_description}. */
  static final class BadParameter extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final OAuthError error;

    BadParameter(String message) {
      this(OAuthError.INVALID_REQUEST, message);
    }

    BadParameter(OAuthError error, String message) {
      super(message);
      this.error = error;
    }

    OAuthError error() {
      return error;
    }
  }

  /**
   * Reads the parameters every grant shares ({@code audience}, {@code resource}, {@code scope},
   * {@code expires_in}, {@code max_uses}) into {@code attempt}.
   *
   * @throws BadParameter for the first one that is malformed
   */
  static void read(Attempt attempt) {
    TokenRequest request = attempt.request;
    attempt.audience = requestedAudience(request);
    attempt.scopes = scopes(request.param("scope"));
    attempt.ttlSeconds = positiveLong(request.param("expires_in"), "expires_in");
    Long uses = positiveLong(request.param("max_uses"), "max_uses");
    if (uses != null && uses > Integer.MAX_VALUE) {
      throw new BadParameter("max_uses is too large");
    }
    attempt.maxUses = uses == null ? null : uses.intValue();
  }

  /** The grant type a {@code grant_type} value names, {@code UNKNOWN} for any other. */
  static GrantType grantTypeOf(String grantType) {
    return switch (grantType) {
      case "client_credentials" -> GrantType.CLIENT_CREDENTIALS;
      case TokenService.TOKEN_EXCHANGE -> GrantType.TOKEN_EXCHANGE;
      case "refresh_token" -> GrantType.REFRESH_TOKEN;
      case TokenService.AUTHORIZATION_CODE -> GrantType.AUTHORIZATION_CODE;
      default -> GrantType.UNKNOWN;
    };
  }

  /** The scopes of a space-separated {@code scope} value, each once, in request order. */
  static List<String> scopes(@Nullable String scope) {
    if (scope == null) {
      return List.of();
    }
    Set<String> scopes = new LinkedHashSet<>();
    for (String part : scope.split(" ")) {
      if (!part.isEmpty()) {
        scopes.add(part);
      }
    }
    return List.copyOf(scopes);
  }

  /** The scopes of {@code requested} that {@code held} does not hold, in request order. */
  static List<String> beyond(List<String> requested, List<String> held) {
    List<String> wider = new ArrayList<>();
    for (String scope : requested) {
      if (!held.contains(scope)) {
        wider.add(scope);
      }
    }
    return wider;
  }

  private static @Nullable Long positiveLong(@Nullable String value, String name) {
    if (value == null) {
      return null;
    }
    try {
      long parsed = Long.parseLong(value);
      if (parsed < 1) {
        throw new BadParameter(name + " must be a positive integer");
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new BadParameter(name + " must be a positive integer");
    }
  }

  /**
   * The audience a request names with {@code audience} (RFC 8693) and {@code resource} (RFC 8707),
   * or null when it names none. A resource must be an absolute URI without a fragment. A token of
   * this issuer carries one audience, the one its policy rule is for, so every value given must
   * name the same one; asking for several is {@code invalid_target} (ask one token per resource),
   * never a token for some of them.
   */
  private static @Nullable String requestedAudience(TokenRequest request) {
    Set<String> named = new LinkedHashSet<>();
    for (String resource : request.resources()) {
      if (!isResourceIndicator(resource)) {
        throw new BadParameter(
            OAuthError.INVALID_TARGET,
            "resource must be an absolute URI without a fragment (RFC 8707)");
      }
      named.add(resource);
    }
    String audience = request.param("audience");
    if (audience != null) {
      named.add(audience);
    }
    if (named.size() > 1) {
      throw new BadParameter(
          OAuthError.INVALID_TARGET,
          "a token of this issuer has one audience: audience and resource must all name the same"
              + " one; ask one token per resource");
    }
    return named.isEmpty() ? null : named.iterator().next();
  }

  private static boolean isResourceIndicator(String value) {
    try {
      URI uri = new URI(value);
      return uri.isAbsolute() && uri.getRawFragment() == null;
    } catch (URISyntaxException e) {
      return false;
    }
  }
}
