package io.tokenwatch.people;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.GeneralException;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Login through an upstream OpenID Connect provider, Tokenwatch being the relying party:
 * authorization code flow with PKCE (S256), {@code state} bound to the browser by a short cookie,
 * and a {@code nonce}; the ID token is verified (signature against the provider's JWKS, issuer,
 * audience, expiry, nonce) by the Nimbus OIDC SDK. Roles come from a configured claim; values that
 * name no {@link Role} are ignored. The provider's metadata is fetched on the first login and kept.
 *
 * <p>Pending logins are bounded (Caffeine, ten minutes each) and single-use: a callback consumes
 * its state whatever the outcome.
 */
final class OidcLogin {

  private static final Logger LOG = LoggerFactory.getLogger(OidcLogin.class);
  private static final Duration PENDING = Duration.ofMinutes(10);
  private static final int TIMEOUT_MS = 5_000;
  static final String STATE_COOKIE = "tw_oidc";

  /** A login that reached the provider and has not come back yet. */
  private record Pending(Nonce nonce, CodeVerifier verifier, String next) {}

  /** A verified upstream login. */
  record Success(Person person, String next) {}

  /** Sets a cookie as the gate does. */
  interface CookieSetter {
    void set(Context ctx, String name, String value, @Nullable Duration maxAge);
  }

  /** Clears a cookie as the gate does. */
  interface CookieClearer {
    void clear(Context ctx, String name);
  }

  private final Issuer issuer;
  private final ClientID clientId;
  private final @Nullable Secret secret;
  private final URI redirectUri;
  private final Scope scope;
  private final String rolesClaim;
  private final String idClaim;
  private final String stateCookie;
  private final Cache<String, Pending> pending;
  private volatile @Nullable Provider provider;

  /** What discovery told us, and the validator built from it. */
  private record Provider(OIDCProviderMetadata metadata, IDTokenValidator validator) {}

  private OidcLogin(
      PeopleConfig config,
      String issuerUrl,
      String clientId,
      @Nullable Secret secret,
      String publicUrl,
      Clock clock) {
    this.issuer = new Issuer(issuerUrl);
    this.clientId = new ClientID(clientId);
    this.secret = secret;
    String base =
        publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
    this.redirectUri = URI.create(config.oidcRedirectUri().orElse(base + "/login/oidc/callback"));
    Scope scopes = Scope.parse(config.oidcScope());
    if (scopes == null) {
      scopes = new Scope();
    }
    if (!scopes.contains("openid")) {
      scopes.add("openid");
    }
    this.scope = scopes;
    this.rolesClaim = config.oidcRolesClaim();
    this.idClaim = config.oidcIdClaim();
    this.stateCookie = (config.cookieSecure() ? "__Host-" : "") + STATE_COOKIE;
    this.pending =
        Caffeine.newBuilder()
            .maximumSize(10_000)
            .expireAfterWrite(PENDING)
            .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            .executor(Runnable::run)
            .build();
  }

  /**
   * The upstream login {@code config} sets up, or empty when it names no provider.
   *
   * @throws IOException when the client secret file cannot be read
   */
  static Optional<OidcLogin> from(PeopleConfig config, String publicUrl, Clock clock)
      throws IOException {
    if (config.oidcIssuer().isEmpty()) {
      return Optional.empty();
    }
    String clientId =
        config
            .oidcClientId()
            .orElseThrow(
                () -> new IllegalArgumentException(PeopleConfig.OIDC_CLIENT_ID + " is required"));
    Secret secret = null;
    if (config.oidcClientSecretFile().isPresent()) {
      String text =
          Files.readString(config.oidcClientSecretFile().get(), StandardCharsets.UTF_8).strip();
      if (text.isEmpty()) {
        throw new IOException(
            "the client secret file " + config.oidcClientSecretFile().get() + " is empty");
      }
      secret = new Secret(text);
    }
    return Optional.of(
        new OidcLogin(config, config.oidcIssuer().get(), clientId, secret, publicUrl, clock));
  }

  /** Sends the browser to the provider. */
  void start(Context ctx, String next, CookieSetter cookies) {
    Provider upstream = provider(ctx);
    if (upstream == null) {
      return;
    }
    State state = new State();
    Nonce nonce = new Nonce();
    CodeVerifier verifier = new CodeVerifier();
    pending.put(state.getValue(), new Pending(nonce, verifier, next));
    AuthenticationRequest request =
        new AuthenticationRequest.Builder(ResponseType.CODE, scope, clientId, redirectUri)
            .endpointURI(upstream.metadata().getAuthorizationEndpointURI())
            .state(state)
            .nonce(nonce)
            .codeChallenge(verifier, CodeChallengeMethod.S256)
            .build();
    cookies.set(ctx, stateCookie, state.getValue(), PENDING);
    ctx.status(303)
        .header("Location", request.toURI().toString())
        .header("Cache-Control", "no-store");
  }

  /**
   * Completes a login the provider sent back. On any failure the answer (an HTML page) is rendered
   * and the result is empty.
   */
  Optional<Success> callback(Context ctx, CookieClearer cookies) {
    String state = ctx.queryParam("state");
    String bound = ctx.cookie(stateCookie);
    cookies.clear(ctx, stateCookie);
    Pending login = state == null ? null : pending.asMap().remove(state);
    if (state == null || login == null || bound == null || !bound.equals(state)) {
      fail(
          ctx,
          400,
          "This login link has expired, was already used, or was started in another browser. Start again.");
      return Optional.empty();
    }
    String error = ctx.queryParam("error");
    String code = ctx.queryParam("code");
    if (error != null || code == null || code.isBlank()) {
      fail(ctx, 401, "Your organisation's login did not let you in.");
      return Optional.empty();
    }
    Provider upstream = provider(ctx);
    if (upstream == null) {
      return Optional.empty();
    }
    try {
      AuthorizationCodeGrant grant =
          new AuthorizationCodeGrant(new AuthorizationCode(code), redirectUri, login.verifier());
      URI tokenEndpoint = upstream.metadata().getTokenEndpointURI();
      TokenRequest request =
          secret == null
              ? new TokenRequest.Builder(tokenEndpoint, clientId, grant).build()
              : new TokenRequest.Builder(
                      tokenEndpoint, new ClientSecretBasic(clientId, secret), grant)
                  .build();
      HTTPRequest http = request.toHTTPRequest();
      http.setConnectTimeout(TIMEOUT_MS);
      http.setReadTimeout(TIMEOUT_MS);
      TokenResponse response = OIDCTokenResponseParser.parse(http.send());
      if (!response.indicatesSuccess()) {
        LOG.warn(
            "Upstream token endpoint refused a code: {}",
            response.toErrorResponse().getErrorObject().getCode());
        fail(ctx, 401, "Your organisation's login did not let you in.");
        return Optional.empty();
      }
      JWT idToken = ((OIDCTokenResponse) response.toSuccessResponse()).getOIDCTokens().getIDToken();
      IDTokenClaimsSet claims = upstream.validator().validate(idToken, login.nonce());
      Optional<Person> person = person(claims);
      if (person.isEmpty()) {
        fail(ctx, 401, "Your organisation's login did not say who you are.");
        return Optional.empty();
      }
      return Optional.of(new Success(person.get(), login.next()));
    } catch (BadJOSEException | JOSEException e) {
      LOG.warn("Upstream ID token refused: {}", e.getMessage());
      fail(ctx, 401, "Your organisation's login could not be verified.");
    } catch (ParseException | ClassCastException e) {
      LOG.warn("Upstream token response unreadable: {}", e.getMessage());
      fail(ctx, 502, "Your organisation's login answered something Tokenwatch cannot read.");
    } catch (IOException e) {
      LOG.warn("Upstream token endpoint unreachable: {}", e.toString());
      fail(ctx, 502, "Your organisation's login service cannot be reached. Try again later.");
    }
    return Optional.empty();
  }

  private Optional<Person> person(IDTokenClaimsSet claims) {
    Object idValue = claims.getClaim(idClaim);
    if (!(idValue instanceof String id) || id.isBlank()) {
      return Optional.empty();
    }
    Set<Role> roles = EnumSet.noneOf(Role.class);
    Object roleValue = claims.getClaim(rolesClaim);
    Collection<?> names =
        roleValue instanceof Collection<?> list
            ? list
            : roleValue instanceof String text ? List.of(text.split("[ ,]+")) : List.of();
    for (Object name : names) {
      if (name instanceof String text) {
        Role.fromName(text.trim().toLowerCase(java.util.Locale.ROOT)).ifPresent(roles::add);
      }
    }
    String name = firstText(claims, "name", "preferred_username", "email").orElse(id);
    return Optional.of(new Person(id, name, roles, issuer.getValue()));
  }

  private static Optional<String> firstText(IDTokenClaimsSet claims, String... names) {
    for (String name : names) {
      if (claims.getClaim(name) instanceof String text && !text.isBlank()) {
        return Optional.of(text);
      }
    }
    return Optional.empty();
  }

  /** The provider's metadata, fetched once; null (with a 502 page rendered) when unreachable. */
  private @Nullable Provider provider(Context ctx) {
    Provider known = provider;
    if (known != null) {
      return known;
    }
    try {
      OIDCProviderMetadata metadata = OIDCProviderMetadata.resolve(issuer, TIMEOUT_MS, TIMEOUT_MS);
      JWSVerificationKeySelector<SecurityContext> keys =
          new JWSVerificationKeySelector<>(
              algorithms(metadata),
              JWKSourceBuilder.create(
                      metadata.getJWKSetURI().toURL(),
                      new DefaultResourceRetriever(TIMEOUT_MS, TIMEOUT_MS, 256 * 1024))
                  .build());
      IDTokenValidator validator = new IDTokenValidator(issuer, clientId, keys, null);
      Provider fetched = new Provider(metadata, validator);
      provider = fetched;
      return fetched;
    } catch (GeneralException | IOException | RuntimeException e) {
      LOG.warn("Upstream OpenID Connect provider {} unusable: {}", issuer, e.toString());
      fail(ctx, 502, "Your organisation's login service cannot be reached. Try again later.");
      return null;
    }
  }

  /**
   * The asymmetric ID-token algorithms the provider offers (RS256 when it names none). HMAC is
   * never accepted: its key would be the client secret, which is no proof the provider signed.
   */
  private static Set<JWSAlgorithm> algorithms(OIDCProviderMetadata metadata) {
    Set<JWSAlgorithm> accepted = new LinkedHashSet<>();
    List<JWSAlgorithm> offered = metadata.getIDTokenJWSAlgs();
    if (offered != null) {
      for (JWSAlgorithm algorithm : offered) {
        if (JWSAlgorithm.Family.RSA.contains(algorithm)
            || JWSAlgorithm.Family.EC.contains(algorithm)
            || JWSAlgorithm.Family.ED.contains(algorithm)) {
          accepted.add(algorithm);
        }
      }
    }
    if (accepted.isEmpty()) {
      accepted.add(JWSAlgorithm.RS256);
    }
    return accepted;
  }

  private static void fail(Context ctx, int status, String message) {
    Pages.message(ctx, status, "Login failed", message, "/login", "Back to the login page");
  }

  @Override
  public String toString() {
    return "OidcLogin[" + issuer + ", client " + clientId + "]";
  }
}
