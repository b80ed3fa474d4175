package io.tokenwatch.issuer.http;

import static io.tokenwatch.issuer.testkit.TestIssuer.ISSUER;
import static io.tokenwatch.issuer.testkit.TestIssuer.MTLS_HEADER;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.ORDERS_SERVICE;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import io.tokenwatch.issuer.policy.PolicyHolder;
import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.issuer.testkit.TestIssuer;
import io.tokenwatch.validator.DpopVerifier;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The RFC 8414 metadata read by an independent parser (the Nimbus OAuth 2.0 SDK), and checked
 * against what the server does: every advertised endpoint answers, every advertised grant type and
 * client authentication method is accepted by the token endpoint, and what is not advertised is
 * refused.
 */
class AuthorizationServerMetadataTest {

  private static final String MTLS_CLIENT = "metadata-mtls";
  private static final String MTLS_THUMBPRINT = "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2";
  private static final String PUBLIC_CLIENT = "metadata-public";

  @TempDir Path dir;
  private TestIssuer issuer;
  private AuthorizationServerMetadata metadata;

  @BeforeEach
  void start() throws Exception {
    issuer = new TestIssuer(dir);
    // a certificate-authenticated client and a public one, beside the sample policy's
    String policy = Files.readString(issuer.policyFile);
    Files.writeString(
        issuer.policyFile,
        policy.replace(
            "clients:\n",
            "clients:\n"
                + "  "
                + MTLS_CLIENT
                + ":\n    kind: machine\n    mtls_thumbprint: "
                + MTLS_THUMBPRINT
                + "\n    audiences:\n      "
                + ORDERS
                + ":\n        scopes: [orders:read]\n        default_ttl: PT5M\n"
                + "        max_ttl: PT5M\n"
                + "  "
                + PUBLIC_CLIENT
                + ":\n    kind: public\n    redirect_uris: [http://127.0.0.1:8765/callback]\n"
                + "    audiences:\n      "
                + ORDERS
                + ":\n        scopes: [orders:read]\n        default_ttl: PT5M\n"
                + "        max_ttl: PT5M\n        user_consent: true\n"));
    assertThat(issuer.policy.reload()).isInstanceOf(PolicyHolder.ReloadResult.Loaded.class);
    HttpResponse<String> response = issuer.get("/.well-known/oauth-authorization-server");
    assertThat(response.statusCode()).isEqualTo(200);
    metadata = AuthorizationServerMetadata.parse(response.body());
  }

  @AfterEach
  void stop() {
    issuer.close();
  }

  @Test
  void shouldPublishMetadataThatAnIndependentParserReadsInFull() {
    assertThat(metadata.getIssuer().getValue()).isEqualTo(ISSUER);
    assertThat(metadata.getAuthorizationEndpointURI()).hasToString(ISSUER + "/authorize");
    assertThat(metadata.getTokenEndpointURI()).hasToString(ISSUER + "/oauth2/token");
    assertThat(metadata.getRevocationEndpointURI()).hasToString(ISSUER + "/oauth2/revoke");
    assertThat(metadata.getJWKSetURI()).hasToString(ISSUER + "/.well-known/jwks.json");
    // the issuer has no RFC 7662 endpoint of its own (see issuer/README.md)
    assertThat(metadata.getIntrospectionEndpointURI()).isNull();
    assertThat(metadata.getResponseTypes()).containsExactly(ResponseType.CODE);
    assertThat(metadata.getGrantTypes())
        .containsExactlyInAnyOrder(
            GrantType.CLIENT_CREDENTIALS,
            GrantType.TOKEN_EXCHANGE,
            GrantType.REFRESH_TOKEN,
            GrantType.AUTHORIZATION_CODE);
    assertThat(metadata.getCodeChallengeMethods()).containsExactly(CodeChallengeMethod.S256);
    assertThat(metadata.getTokenEndpointAuthMethods())
        .containsExactlyInAnyOrder(
            ClientAuthenticationMethod.CLIENT_SECRET_BASIC,
            ClientAuthenticationMethod.CLIENT_SECRET_POST,
            ClientAuthenticationMethod.TLS_CLIENT_AUTH,
            ClientAuthenticationMethod.NONE);
    assertThat(metadata.getRevocationEndpointAuthMethods())
        .containsExactlyInAnyOrderElementsOf(metadata.getTokenEndpointAuthMethods());
    assertThat(metadata.supportsTLSClientCertificateBoundAccessTokens()).isTrue();
    assertThat(metadata.getDPoPJWSAlgs())
        .containsExactlyInAnyOrderElementsOf(DpopVerifier.ALGORITHMS);
    assertThat(metadata.getDPoPJWSAlgs()).doesNotContain(JWSAlgorithm.HS256);
    assertThat(metadata.getScopes().toStringList()).contains("orders:read");
  }

  @Test
  void shouldAnswerOnEveryAdvertisedEndpoint() {
    assertThat(issuer.get(path(metadata.getJWKSetURI())).statusCode()).isEqualTo(200);
    for (URI endpoint :
        List.of(metadata.getTokenEndpointURI(), metadata.getRevocationEndpointURI())) {
      HttpResponse<String> answer = issuer.postForm(path(endpoint), Map.of(), Map.of());
      assertThat(answer.statusCode()).as(endpoint.toString()).isEqualTo(400);
      assertThat(Json.field(answer.body(), "error")).as(endpoint.toString()).isNotBlank();
    }
    assertThat(issuer.get(path(metadata.getAuthorizationEndpointURI())).statusCode())
        .isNotEqualTo(404)
        .isLessThan(500);
  }

  @Test
  void shouldAcceptEveryAdvertisedGrantTypeAndRefuseOthers() {
    for (GrantType grant : metadata.getGrantTypes()) {
      String error = tokenError(Map.of("grant_type", grant.getValue()), secretBasic());
      assertThat(error).as(grant.getValue()).isNotEqualTo("unsupported_grant_type");
    }
    assertThat(tokenError(Map.of("grant_type", GrantType.PASSWORD.getValue()), secretBasic()))
        .isEqualTo("unsupported_grant_type");
  }

  @Test
  void shouldAcceptEveryAdvertisedClientAuthenticationMethod() {
    Map<String, String> clientCredentials =
        Map.of("grant_type", "client_credentials", "audience", ORDERS, "scope", "orders:read");
    Map<String, HttpResponse<String>> answers =
        metadata.getTokenEndpointAuthMethods().stream()
            .collect(
                Collectors.toMap(
                    ClientAuthenticationMethod::getValue,
                    method -> authenticatedBy(method, clientCredentials)));
    assertThat(answers.keySet())
        .containsExactlyInAnyOrder(
            "client_secret_basic", "client_secret_post", "tls_client_auth", "none");
    answers.forEach(
        (method, answer) -> assertThat(answer.body()).as(method).doesNotContain("invalid_client"));
    assertThat(answers.get("client_secret_basic").statusCode()).isEqualTo(200);
    assertThat(answers.get("client_secret_post").statusCode()).isEqualTo(200);
    assertThat(answers.get("tls_client_auth").statusCode()).isEqualTo(200);
    // a public client is authenticated, then refused the grant it may not use
    assertThat(Json.field(answers.get("none").body(), "error")).isEqualTo("unauthorized_client");
  }

  private HttpResponse<String> authenticatedBy(
      ClientAuthenticationMethod method, Map<String, String> request) {
    Map<String, String> params = new HashMap<>(request);
    Map<String, String> headers = new HashMap<>();
    switch (method.getValue()) {
      case "client_secret_basic" -> headers.putAll(secretBasic());
      case "client_secret_post" -> {
        params.put("client_id", ORDERS_SERVICE);
        params.put("client_secret", ORDERS_SECRET);
      }
      case "tls_client_auth" -> {
        params.put("client_id", MTLS_CLIENT);
        headers.put(MTLS_HEADER, MTLS_THUMBPRINT);
      }
      case "none" -> params.put("client_id", PUBLIC_CLIENT);
      default -> throw new AssertionError("advertised but not tested: " + method);
    }
    return issuer.postForm("/oauth2/token", params, headers);
  }

  private String tokenError(Map<String, String> params, Map<String, String> headers) {
    HttpResponse<String> answer = issuer.postForm("/oauth2/token", params, headers);
    return answer.statusCode() == 200 ? "" : Json.field(answer.body(), "error");
  }

  private static Map<String, String> secretBasic() {
    return basic(ORDERS_SERVICE, ORDERS_SECRET);
  }

  private static String path(URI advertised) {
    assertThat(advertised.toString()).startsWith(ISSUER);
    return advertised.toString().substring(ISSUER.length());
  }
}
