package io.tokenwatch.issuer.http;

import static io.tokenwatch.issuer.http.Answers.JSON;
import static io.tokenwatch.issuer.http.Answers.json;
import static io.tokenwatch.issuer.http.Answers.refuse;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.issuer.AdminAuthenticator;
import io.tokenwatch.issuer.EventLogUnavailableException;
import io.tokenwatch.issuer.IssuerMetrics;
import io.tokenwatch.issuer.PresentedCredentials;
import io.tokenwatch.issuer.policy.OAuthError;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.issuer.policy.ScopeDefinition;
import io.tokenwatch.issuer.revocation.RevocationOutcome;
import io.tokenwatch.issuer.token.TokenRequest;
import io.tokenwatch.issuer.token.TokenResponse;
import io.tokenwatch.issuer.token.TokenService;
import io.tokenwatch.keys.SigningKeys;
import io.tokenwatch.schemas.http.ErrorFormat;
import io.tokenwatch.schemas.http.JsonErrors;
import io.tokenwatch.validator.DpopVerifier;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The issuer's HTTP surface on Javalin: reads requests, hands them to {@link TokenService} and its
 * revocations, writes RFC 6749 section 5.2 error bodies. The admin endpoints are {@link
 * AdminHttpApi}'s. No stack trace ever reaches a caller.
 */
public final class IssuerHttpApi {

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
  private final ClientCredentialsReader clients;
  private final AdminHttpApi admin;

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
    this(tokens, policy, keys, metrics, prometheus, issuerUrl, mtlsHeader, readiness, admins, null);
  }

  /**
   * @param persons answers {@code POST /admin/revocations} by people; null: only admin clients and
   *     admin tokens may revoke there
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
      AdminAuthenticator admins,
      @Nullable PersonRevocationHttpApi persons) {
    this.tokens = requireNonNull(tokens, "tokens");
    this.policy = requireNonNull(policy, "policy");
    this.keys = requireNonNull(keys, "keys");
    this.metrics = requireNonNull(metrics, "metrics");
    this.prometheus = prometheus;
    this.issuerUrl = requireNonNull(issuerUrl, "issuerUrl");
    this.mtlsHeader = mtlsHeader;
    this.clients = new ClientCredentialsReader(mtlsHeader);
    this.readiness = Map.copyOf(readiness);
    this.admin =
        new AdminHttpApi(tokens, policy, keys, requireNonNull(admins, "admins"), clients, persons);
  }

  /** Adds the routes and error handlers to a Javalin configuration. */
  public void configure(JavalinConfig config) {
    // Every refusal, including those Jetty makes before routing, answers in RFC 6749 JSON.
    JsonErrors.install(config, ErrorFormat.OAUTH);
    var routes = config.routes;
    routes.post("/oauth2/token", this::token);
    routes.post("/oauth2/revoke", this::revoke);
    routes.post("/admin/revocations", admin::revocation);
    routes.post("/admin/keys/rotate", admin::rotateKeys);
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
      PresentedCredentials credentials = clients.read(ctx, params);
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
        if (issued.idToken() != null) {
          body.put("id_token", issued.idToken());
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
    PresentedCredentials credentials = clients.read(ctx, params);
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
    body.put("authorization_endpoint", issuerUrl + "/authorize");
    body.put("token_endpoint", issuerUrl + "/oauth2/token");
    body.put("revocation_endpoint", issuerUrl + "/oauth2/revoke");
    body.put("jwks_uri", issuerUrl + "/.well-known/jwks.json");
    ArrayNode grants = body.putArray("grant_types_supported");
    grants
        .add("client_credentials")
        .add(TokenService.TOKEN_EXCHANGE)
        .add("refresh_token")
        .add(TokenService.AUTHORIZATION_CODE);
    body.putArray("response_types_supported").add("code");
    body.putArray("code_challenge_methods_supported").add("S256");
    body.put("authorization_response_iss_parameter_supported", true);
    ArrayNode auth = body.putArray("token_endpoint_auth_methods_supported");
    auth.add("client_secret_basic").add("client_secret_post");
    if (mtlsHeader != null) {
      // only behind a TLS terminator that passes the verified certificate's thumbprint
      auth.add("tls_client_auth");
    }
    // public clients (policy kind: public) authenticate with their client_id alone
    auth.add("none");
    body.put("tls_client_certificate_bound_access_tokens", mtlsHeader != null);
    body.putArray("revocation_endpoint_auth_methods_supported").addAll(auth.deepCopy());
    ArrayNode scopes = body.putArray("scopes_supported");
    policy.get().scopes().keySet().stream().sorted().forEach(scopes::add);
    // what the token endpoint's DPoP verifier accepts, so clients pick a key it takes
    ArrayNode dpopAlgorithms = body.putArray("dpop_signing_alg_values_supported");
    DpopVerifier.ALGORITHMS.stream()
        .map(JWSAlgorithm::getName)
        .sorted()
        .forEach(dpopAlgorithms::add);
    // No introspection_endpoint: the issuer has no RFC 7662 endpoint. The revocation stream's
    // /introspect is for resource servers holding its shared bearer secret, not for this server's
    // clients with the authentication methods above, so advertising it here would be untrue.
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
      refuse(
          ctx,
          OAuthError.INVALID_REQUEST,
          java.util.Objects.requireNonNullElse(e.getMessage(), "malformed form"),
          false);
      return null;
    }
  }
}
