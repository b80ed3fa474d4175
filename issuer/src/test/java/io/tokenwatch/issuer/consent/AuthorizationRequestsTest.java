package io.tokenwatch.issuer.consent;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.issuer.policy.OAuthError;
import io.tokenwatch.issuer.policy.Policy;
import io.tokenwatch.issuer.policy.PolicyParser;
import java.io.InputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AuthorizationRequestsTest {

  static final String CLIENT = "orders-assistant";
  static final String REDIRECT = "http://127.0.0.1:8765/callback";
  static final String ORDERS = "https://orders.example.com";
  static final String CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

  static final Policy POLICY = sample();

  static Policy sample() {
    try (InputStream in =
        AuthorizationRequestsTest.class.getResourceAsStream("/sample-policy.yaml")) {
      return new PolicyParser(Duration.ofHours(1), "https://issuer.test.example")
          .parse(in.readAllBytes());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, List<String>> good() {
    Map<String, List<String>> params = new LinkedHashMap<>();
    params.put("response_type", List.of("code"));
    params.put("client_id", List.of(CLIENT));
    params.put("redirect_uri", List.of(REDIRECT));
    params.put("scope", List.of("openid orders:read orders:export"));
    params.put("state", List.of("s-123"));
    params.put("nonce", List.of("n-456"));
    params.put("code_challenge", List.of(CHALLENGE));
    params.put("code_challenge_method", List.of("S256"));
    params.put("audience", List.of(ORDERS));
    params.put("purpose", List.of("Prepare the monthly export of your orders."));
    return params;
  }

  static Map<String, List<String>> with(String name, String... values) {
    Map<String, List<String>> params = good();
    if (values.length == 0) {
      params.remove(name);
    } else {
      params.put(name, List.of(values));
    }
    return params;
  }

  @Test
  void shouldAcceptAWellFormedRequestAndSetOpenidApart() {
    AuthorizationRequests.Reading reading = AuthorizationRequests.read(good(), POLICY);

    assertThat(reading).isInstanceOf(AuthorizationRequests.Reading.Valid.class);
    AuthorizationRequest request = ((AuthorizationRequests.Reading.Valid) reading).request();
    assertThat(request.scopes()).containsExactly("orders:read", "orders:export");
    assertThat(request.openid()).isTrue();
    assertThat(request.ruleId()).isEqualTo(CLIENT + "/" + ORDERS);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://127.0.0.1:8765/callback/",
        "http://127.0.0.1:8765/Callback",
        "HTTP://127.0.0.1:8765/callback",
        "http://127.0.0.1:8765/callback/extra",
        "http://127.0.0.1:8765/callback?x=1",
        "http://127.0.0.1:8765/callback#f",
        "http://evil@127.0.0.1:8765/callback",
        "http://127.0.0.1@evil.example:8765/callback",
        "http://127.0.0.1:8766/callback",
        "http://127.0.0.1/callback",
        "http://localhost:8765/callback",
        "http://127.0.0.1:8765/%63allback",
        "http://127.0.0.1:8765/callback%2F..%2Fadmin",
        "https://127.0.0.1:8765/callback",
        " http://127.0.0.1:8765/callback",
        ""
      })
  void shouldNeverRedirectToANearMissOfTheRegisteredUri(String nearMiss) {
    AuthorizationRequests.Reading reading =
        AuthorizationRequests.read(with("redirect_uri", nearMiss), POLICY);

    assertThat(reading).isInstanceOf(AuthorizationRequests.Reading.Invalid.class);
    assertThat(((AuthorizationRequests.Reading.Invalid) reading).detail())
        .doesNotContain(nearMiss.isEmpty() ? "\u0000" : nearMiss);
  }

  @Test
  void shouldShowAnErrorPageForAnUnknownClientOrAMissingOrRepeatedRedirectUri() {
    assertThat(AuthorizationRequests.read(with("client_id", "nobody"), POLICY))
        .isInstanceOf(AuthorizationRequests.Reading.Invalid.class);
    assertThat(AuthorizationRequests.read(with("redirect_uri"), POLICY))
        .isInstanceOf(AuthorizationRequests.Reading.Invalid.class);
    assertThat(AuthorizationRequests.read(with("redirect_uri", REDIRECT, REDIRECT), POLICY))
        .isInstanceOf(AuthorizationRequests.Reading.Invalid.class);
    // A client with no redirect URI at all can never be redirected to.
    assertThat(AuthorizationRequests.read(with("client_id", "orders-service"), POLICY))
        .isInstanceOf(AuthorizationRequests.Reading.Invalid.class);
  }

  @Test
  void shouldRedirectMissingStateNonceAndPkceAndPlainAsInvalidRequest() {
    assertRefused(with("state"), OAuthError.INVALID_REQUEST, null);
    assertRefused(with("nonce"), OAuthError.INVALID_REQUEST, "s-123");
    assertRefused(with("code_challenge"), OAuthError.INVALID_REQUEST, "s-123");
    assertRefused(with("code_challenge_method"), OAuthError.INVALID_REQUEST, "s-123");
    assertRefused(with("code_challenge_method", "plain"), OAuthError.INVALID_REQUEST, "s-123");
    assertRefused(with("code_challenge", "too-short"), OAuthError.INVALID_REQUEST, "s-123");
    assertRefused(with("response_type", "token"), OAuthError.UNSUPPORTED_RESPONSE_TYPE, "s-123");
    assertRefused(with("state", "a", "b"), OAuthError.INVALID_REQUEST, null);
    assertRefused(with("purpose"), OAuthError.INVALID_REQUEST, "s-123");
    assertRefused(with("purpose", "x".repeat(301)), OAuthError.INVALID_REQUEST, "s-123");
    assertRefused(with("purpose", "line\nbreak"), OAuthError.INVALID_REQUEST, "s-123");
  }

  @Test
  void shouldRedirectScopesAndAudiencesPeopleCannotConsentTo() {
    assertRefused(with("scope", "orders:read payments:refund"), OAuthError.INVALID_SCOPE, "s-123");
    assertRefused(with("scope", "openid"), OAuthError.INVALID_SCOPE, "s-123");
    assertRefused(
        with("audience", "https://payments.example.com"), OAuthError.INVALID_TARGET, "s-123");
    Map<String, List<String>> two = good();
    two.put("resource", List.of("https://payments.example.com"));
    assertRefused(two, OAuthError.INVALID_TARGET, "s-123");
  }

  @Test
  void shouldTakeTheOnlyConsentableAudienceWhenTheRequestNamesNone() {
    AuthorizationRequests.Reading reading = AuthorizationRequests.read(with("audience"), POLICY);

    assertThat(((AuthorizationRequests.Reading.Valid) reading).request().audience())
        .isEqualTo(ORDERS);
  }

  /**
   * The property behind "never an open redirector": whatever redirect_uri a request carries, the
   * endpoint either shows an error page or redirects to exactly a registered string.
   */
  @Property(tries = 500)
  void shouldRedirectOnlyToExactlyARegisteredUri(
      @ForAll("redirectUris") String redirectUri,
      @ForAll("otherParams") Map<String, String> noise) {
    Map<String, List<String>> params = good();
    noise.forEach((name, value) -> params.put(name, List.of(value)));
    params.put("redirect_uri", List.of(redirectUri));

    AuthorizationRequests.Reading reading = AuthorizationRequests.read(params, POLICY);

    List<String> registered = POLICY.clients().get(CLIENT).redirectUris();
    if (reading instanceof AuthorizationRequests.Reading.Refused refused) {
      assertThat(registered).contains(refused.redirectUri());
    } else if (reading instanceof AuthorizationRequests.Reading.Valid valid) {
      assertThat(registered).contains(valid.request().redirectUri());
    }
    if (!registered.contains(redirectUri)) {
      assertThat(reading).isInstanceOf(AuthorizationRequests.Reading.Invalid.class);
    }
  }

  @Provide
  Arbitrary<String> redirectUris() {
    Arbitrary<String> mutated =
        Combinators.combine(
                Arbitraries.integers().between(0, REDIRECT.length()),
                Arbitraries.integers().between(0, 3),
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(3))
            .as(
                (at, mode, text) ->
                    switch (mode) {
                      case 0 -> REDIRECT.substring(0, at) + text + REDIRECT.substring(at);
                      case 1 ->
                          REDIRECT.substring(0, at)
                              + REDIRECT.substring(Math.min(REDIRECT.length(), at + 1));
                      case 2 ->
                          REDIRECT.substring(0, at)
                              + REDIRECT.substring(at).toUpperCase(java.util.Locale.ROOT);
                      default -> REDIRECT + text;
                    });
    return Arbitraries.oneOf(
        Arbitraries.just(REDIRECT),
        mutated,
        Arbitraries.strings().ofMaxLength(80),
        Arbitraries.of(
            "https://evil.example/callback",
            "//evil.example/callback",
            "http://127.0.0.1:8765/callback\u0000",
            "http://127.0.0.1:8765/callback\r\nLocation: https://evil.example"));
  }

  @Provide
  Arbitrary<Map<String, String>> otherParams() {
    return Arbitraries.maps(
            Arbitraries.of(
                "state",
                "nonce",
                "scope",
                "code_challenge",
                "code_challenge_method",
                "response_type",
                "audience",
                "purpose"),
            Arbitraries.strings().ofMaxLength(50))
        .ofMaxSize(3);
  }

  private static void assertRefused(
      Map<String, List<String>> params, OAuthError error, String state) {
    AuthorizationRequests.Reading reading = AuthorizationRequests.read(params, POLICY);
    assertThat(reading).isInstanceOf(AuthorizationRequests.Reading.Refused.class);
    AuthorizationRequests.Reading.Refused refused = (AuthorizationRequests.Reading.Refused) reading;
    assertThat(refused.redirectUri()).isEqualTo(REDIRECT);
    assertThat(refused.error()).isEqualTo(error);
    assertThat(refused.state()).isEqualTo(state);
  }
}
