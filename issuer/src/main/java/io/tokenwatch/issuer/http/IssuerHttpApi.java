package io.tokenwatch.issuer.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.issuer.AdminAuthenticator;
import io.tokenwatch.issuer.EventLogUnavailableException;
import io.tokenwatch.issuer.IssuerMetrics;
import io.tokenwatch.issuer.PresentedCredentials;
import io.tokenwatch.issuer.keys.SigningAlgorithm;
import io.tokenwatch.issuer.keys.SigningKey;
import io.tokenwatch.issuer.keys.SigningKeys;
import io.tokenwatch.issuer.policy.OAuthError;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.issuer.policy.ScopeDefinition;
import io.tokenwatch.issuer.revocation.AdminRevocation;
import io.tokenwatch.issuer.revocation.RevocationOutcome;
import io.tokenwatch.issuer.token.TokenRequest;
import io.tokenwatch.issuer.token.TokenResponse;
import io.tokenwatch.issuer.token.TokenService;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.JsonErrors;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The issuer's HTTP surface on Javalin: reads requests, hands them to {@link TokenService}, writes
 * RFC 6749 section 5.2 error bodies. No stack trace ever reaches a caller.
 */
public final class IssuerHttpApi {

  private static final Logger LOG = LoggerFactory.getLogger(IssuerHttpApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FORM = "application/x-www-form-urlencoded";

  /** RFC 8707: the one token-endpoint parameter that may be given more than once. */
  private static final String RESOURCE = "resource";

  private final TokenService tokens;
  private final Supplier<Policy> policy;
  private final SigningKeys keys;
  private final IssuerMetrics metrics;
  private final @Nullable PrometheusMeterRegistry prometheus;
  private final String issuerUrl;
  private final @Nullable String mtlsHeader;
  private final Map<String, BooleanSupplier> readiness;
  private final AdminAuthenticator admins;

  /**
   * @param tokens the token logic
   * @param policy the policy in force
   * @param keys the signing keys (for the JWKS)
   * @param metrics the issuer's meters
   * @param prometheus the registry {@code /metrics} scrapes, or null to serve no metrics
   * @param issuerUrl the issuer URL
   * @param mtlsHeader the header carrying a verified client certificate thumbprint, or null
   * @param readiness named checks {@code /ready} reports; all must pass
   * @param admins authenticates admin API calls
   */
  public IssuerHttpApi(
      TokenService tokens,
      Supplier<Policy> policy,
      SigningKeys keys,
      IssuerMetrics metrics,
      @Nullable PrometheusMeterRegistry prometheus,
      String issuerUrl,
      @Nullable String mtlsHeader,
      Map<String, BooleanSupplier> readiness,
      AdminAuthenticator admins) {
    this.tokens = requireNonNull(tokens, "tokens");
    this.policy = requireNonNull(policy, "policy");
    this.keys = requireNonNull(keys, "keys");
    this.metrics = requireNonNull(metrics, "metrics");
    this.prometheus = prometheus;
    this.issuerUrl = requireNonNull(issuerUrl, "issuerUrl");
    this.mtlsHeader = mtlsHeader;
    this.readiness = Map.copyOf(readiness);
    this.admins = requireNonNull(admins, "admins");
  }

  /** Adds the routes and error handlers to a Javalin configuration. */
  public void configure(JavalinConfig config) {
    // Every refusal, including those Jetty makes before routing, answers in RFC 6749 JSON.
    JsonErrors.install(config, ErrorFormat.OAUTH);
    var routes = config.routes;
    routes.post("/oauth2/token", this::token);
    routes.post("/oauth2/revoke", this::revoke);
    routes.post("/admin/revocations", this::adminRevocation);
    routes.post("/admin/keys/rotate", this::rotateKeys);
    routes.get("/scopes", this::scopes);
    routes.get(
        "/.well-known/jwks.json",
        ctx -> ctx.contentType("application/jwk-set+json").result(keys.jwksJson()));
    routes.get("/.well-known/oauth-authorization-server", this::metadata);
    routes.get("/health", ctx -> json(ctx, 200, JSON.createObjectNode().put("status", "UP")));
    routes.get("/ready", this::ready);
    routes.get(
        "/metrics",
        ctx -> {
          if (prometheus == null) {
            ctx.status(404);
          } else {
            ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(prometheus.scrape());
          }
        });
  }

  private void token(Context ctx) {
    long start = System.nanoTime();
    String outcome = "error";
    try {
      FormBody.Form form = form(ctx, Set.of(RESOURCE));
      if (form == null) {
        outcome = "invalid_request";
        return;
      }
      Map<String, String> params = form.params();
      PresentedCredentials credentials = credentials(ctx, params);
      if (credentials == null) {
        outcome = "invalid_request";
        return;
      }
      TokenRequest request =
          new TokenRequest(
              params,
              form.all(RESOURCE),
              credentials,
              ctx.header("DPoP"),
              issuerUrl + "/oauth2/token",
              ctx.ip());
      TokenResponse response = tokens.token(request);
      if (response instanceof TokenResponse.Issued issued) {
        outcome = "issued";
        ObjectNode body = JSON.createObjectNode();
        body.put("access_token", issued.accessToken());
        body.put("token_type", issued.tokenType());
        body.put("expires_in", issued.expiresIn());
        body.put("scope", issued.scope());
        if (issued.refreshToken() != null) {
          body.put("refresh_token", issued.refreshToken());
        }
        if (issued.issuedTokenType() != null) {
          body.put("issued_token_type", issued.issuedTokenType());
        }
        ctx.header("Cache-Control", "no-store").header("Pragma", "no-cache");
        json(ctx, 200, body);
      } else {
        TokenResponse.Refused refused = (TokenResponse.Refused) response;
        outcome = refused.error().code();
        refuse(ctx, refused.error(), refused.description(), refused.basicChallenge());
      }
    } finally {
      metrics.request("token", outcome, Duration.ofNanos(System.nanoTime() - start));
    }
  }

  private void revoke(Context ctx) {
    Map<String, String> params = form(ctx);
    if (params == null) {
      return;
    }
    PresentedCredentials credentials = credentials(ctx, params);
    if (credentials == null) {
      return;
    }
    String token = params.get("token");
    if (token == null || token.isEmpty()) {
      refuse(ctx, OAuthError.INVALID_REQUEST, "token is required", false);
      return;
    }
    try {
      RevocationOutcome outcome =
          tokens.revocations().revokeByClient(credentials, token, params.get("token_type_hint"));
      if (outcome instanceof RevocationOutcome.Refused refused) {
        refuse(ctx, refused.error(), refused.description(), refused.basicChallenge());
      } else {
        ctx.status(200).header("Cache-Control", "no-store").result("");
      }
    } catch (EventLogUnavailableException e) {
      refuse(
          ctx, OAuthError.TEMPORARILY_UNAVAILABLE, "cannot record the revocation right now", false);
    }
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
  private void rotateKeys(Context ctx) {
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

  private void adminRevocation(Context ctx) {
    String requestedBy = authenticatedAdmin(ctx);
    if (requestedBy == null) {
      return;
    }
    AdminRevocation revocation;
    try {
      revocation = AdminRevocationBody.read(ctx.bodyAsBytes()).toRevocation(requestedBy);
    } catch (AdminRevocationBody.MalformedBodyException e) {
      error(ctx, e.status(), OAuthError.INVALID_REQUEST.code(), e.getMessage());
      return;
    }
    try {
      RevocationOutcome outcome = tokens.revocations().revokeByAdmin(revocation);
      if (outcome instanceof RevocationOutcome.Refused refused) {
        refuse(ctx, refused.error(), refused.description(), refused.basicChallenge());
      } else {
        String selector = ((RevocationOutcome.Accepted) outcome).selector();
        json(ctx, 202, JSON.createObjectNode().put("selector", selector));
      }
    } catch (EventLogUnavailableException e) {
      refuse(
          ctx, OAuthError.TEMPORARILY_UNAVAILABLE, "cannot record the revocation right now", false);
    }
  }

  private void scopes(Context ctx) {
    ArrayNode list = JSON.createArrayNode();
    policy.get().scopes().values().stream()
        .sorted((a, b) -> a.name().compareTo(b.name()))
        .forEach(
            (ScopeDefinition scope) ->
                list.addObject()
                    .put("scope", scope.name())
                    .put("description", scope.description())
                    .put("risk", scope.risk().name().toLowerCase(Locale.ROOT)));
    ObjectNode body = JSON.createObjectNode();
    body.put("policy_id", policy.get().id());
    body.put("policy_version", policy.get().version());
    body.set("scopes", list);
    json(ctx, 200, body);
  }

  private void metadata(Context ctx) {
    ObjectNode body = JSON.createObjectNode();
    body.put("issuer", issuerUrl);
    body.put("token_endpoint", issuerUrl + "/oauth2/token");
    body.put("revocation_endpoint", issuerUrl + "/oauth2/revoke");
    body.put("jwks_uri", issuerUrl + "/.well-known/jwks.json");
    ArrayNode grants = body.putArray("grant_types_supported");
    grants.add("client_credentials").add(TokenService.TOKEN_EXCHANGE).add("refresh_token");
    ArrayNode auth = body.putArray("token_endpoint_auth_methods_supported");
    auth.add("client_secret_basic").add("client_secret_post");
    if (mtlsHeader != null) {
      auth.add("tls_client_auth");
      body.put("tls_client_certificate_bound_access_tokens", true);
    }
    body.putArray("revocation_endpoint_auth_methods_supported").addAll(auth.deepCopy());
    ArrayNode scopes = body.putArray("scopes_supported");
    policy.get().scopes().keySet().stream().sorted().forEach(scopes::add);
    body.putArray("dpop_signing_alg_values_supported").add("EdDSA").add("ES256").add("RS256");
    json(ctx, 200, body);
  }

  private void ready(Context ctx) {
    ObjectNode body = JSON.createObjectNode();
    boolean ready = true;
    ObjectNode checks = body.putObject("checks");
    for (Map.Entry<String, BooleanSupplier> check : new java.util.TreeMap<>(readiness).entrySet()) {
      boolean ok;
      try {
        ok = check.getValue().getAsBoolean();
      } catch (RuntimeException e) {
        ok = false;
      }
      checks.put(check.getKey(), ok ? "UP" : "DOWN");
      ready &= ok;
    }
    body.put("status", ready ? "UP" : "DOWN");
    json(ctx, ready ? 200 : 503, body);
  }

  /** The form parameters, or null after answering {@code invalid_request}. */
  private @Nullable Map<String, String> form(Context ctx) {
    FormBody.Form form = form(ctx, Set.of());
    return form == null ? null : form.params();
  }

  /**
   * The form, with {@code repeatable} parameters allowed more than once; null after answering
   * {@code invalid_request}.
   */
  private FormBody.@Nullable Form form(Context ctx, Set<String> repeatable) {
    String type = ctx.contentType();
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith(FORM)) {
      refuse(ctx, OAuthError.INVALID_REQUEST, "the body must be " + FORM, false);
      return null;
    }
    if (!ctx.queryParamMap().isEmpty()) {
      // Credentials in URLs end up in logs; RFC 6749 puts parameters in the body.
      refuse(ctx, OAuthError.INVALID_REQUEST, "parameters belong in the body, not the URL", false);
      return null;
    }
    try {
      return FormBody.parse(ctx.body(), repeatable);
    } catch (FormBody.MalformedFormException e) {
      refuse(ctx, OAuthError.INVALID_REQUEST, e.getMessage(), false);
      return null;
    }
  }

  /** What the request offers to authenticate, or null after answering {@code invalid_request}. */
  private @Nullable PresentedCredentials credentials(Context ctx, Map<String, String> params) {
    String clientId = blankToNull(params.get("client_id"));
    String secret = blankToNull(params.get("client_secret"));
    boolean basic = false;
    String authorization = ctx.header("Authorization");
    if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      if (secret != null) {
        refuse(ctx, OAuthError.INVALID_REQUEST, "use one client authentication method", false);
        return null;
      }
      try {
        String decoded =
            new String(
                Base64.getDecoder().decode(authorization.substring(6).trim()),
                StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        if (colon < 0) {
          throw new IllegalArgumentException("no colon");
        }
        // RFC 6749 2.3.1: id and secret are form-encoded before Basic encoding.
        String basicId = FormBody.decode(decoded.substring(0, colon));
        if (clientId != null && !clientId.equals(basicId)) {
          refuse(ctx, OAuthError.INVALID_REQUEST, "client_id differs from the Basic one", false);
          return null;
        }
        clientId = basicId;
        secret = FormBody.decode(decoded.substring(colon + 1));
        basic = true;
      } catch (IllegalArgumentException | FormBody.MalformedFormException e) {
        refuse(ctx, OAuthError.INVALID_CLIENT, "malformed Basic credentials", true);
        return null;
      }
    }
    String thumbprint = mtlsHeader == null ? null : blankToNull(ctx.header(mtlsHeader));
    return new PresentedCredentials(clientId, secret, basic, thumbprint);
  }

  /**
   * What the request offers to authenticate an admin: a bearer or DPoP access token, else client
   * credentials; null after answering {@code invalid_request}.
   */
  private AdminAuthenticator.@Nullable Credentials adminCredentials(Context ctx) {
    String thumbprint = mtlsHeader == null ? null : blankToNull(ctx.header(mtlsHeader));
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
    PresentedCredentials client = credentials(ctx, Map.of());
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
      case NO_CREDENTIALS:
        // RFC 6750 section 3.1: no error code when the request carries no credentials.
        ctx.header("WWW-Authenticate", challenge + ", scope=\"" + adminScope + "\"");
        error(ctx, 401, OAuthError.INVALID_REQUEST.code(), refused.description());
        return;
      case INVALID_CLIENT:
        refuse(ctx, OAuthError.INVALID_CLIENT, refused.description(), refused.basicChallenge());
        return;
      case NOT_AN_ADMIN:
        refuse(ctx, OAuthError.ACCESS_DENIED, refused.description(), false);
        return;
      case INVALID_TOKEN:
        ctx.header(
            "WWW-Authenticate",
            challenge
                + ", error=\"invalid_token\", error_description=\""
                + quotable(refused.description())
                + "\"");
        error(ctx, 401, OAuthError.INVALID_TOKEN.code(), refused.description());
        return;
      case INSUFFICIENT_SCOPE:
        ctx.header(
            "WWW-Authenticate",
            challenge
                + ", error=\"insufficient_scope\", error_description=\""
                + quotable(refused.description())
                + "\", scope=\""
                + adminScope
                + "\"");
        error(ctx, 403, OAuthError.INSUFFICIENT_SCOPE.code(), refused.description());
        return;
      case UNAVAILABLE:
        refuse(ctx, OAuthError.TEMPORARILY_UNAVAILABLE, refused.description(), false);
        return;
    }
    throw new IllegalStateException("unhandled admin failure " + refused.failure());
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

  private static void refuse(
      Context ctx, OAuthError error, String description, boolean basicChallenge) {
    if (error == OAuthError.INVALID_CLIENT && basicChallenge) {
      ctx.header("WWW-Authenticate", "Basic realm=\"tokenwatch\", charset=\"UTF-8\"");
    }
    if (error == OAuthError.TEMPORARILY_UNAVAILABLE) {
      ctx.header("Retry-After", "1");
    }
    error(ctx, error.status(), error.code(), description);
  }

  private static void error(Context ctx, int status, String error, String description) {
    ObjectNode body = JSON.createObjectNode();
    body.put("error", error);
    body.put("error_description", description);
    ctx.header("Cache-Control", "no-store");
    json(ctx, status, body);
  }

  private static void json(Context ctx, int status, JsonNode body) {
    ctx.status(status).contentType("application/json").result(body.toString());
  }

  private static @Nullable String optional(JsonNode body, String field) {
    JsonNode value = body.get(field);
    return value == null || value.isNull() || value.asText().isBlank() ? null : value.asText();
  }

  private static @Nullable String blankToNull(@Nullable String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
