package io.tokenwatch.issuer.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PolicyParserTest {

  private static byte[] sample() throws Exception {
    try (InputStream in = PolicyParserTest.class.getResourceAsStream("/sample-policy.yaml")) {
      return in.readAllBytes();
    }
  }

  private static String minimal(String clientId, String audience) {
    return "policy_id: p\n"
        + "scopes:\n  a:read:\n    description: Read.\n    risk: low\n"
        + "clients:\n  \""
        + clientId
        + "\":\n    kind: machine\n    secret_sha256: QGtwhBykV_gmVVHEIpIbXmkgzmV3jsAnVKD3ku_esEE\n"
        + "    audiences:\n      \""
        + audience
        + "\":\n        scopes: [a:read]\n        default_ttl: PT5M\n        max_ttl: PT5M\n";
  }

  @Test
  void shouldGiveTheSampleConsoleAnAdminRuleForWhateverUrlTheIssuerHas() throws Exception {
    for (String url : new String[] {"http://localhost:9400", "https://idp.example.org:8443"}) {
      Policy policy = new PolicyParser(Duration.ofHours(1), url).parse(sample());

      AudienceRule rule = policy.clients().get("security-console").rule(url).orElseThrow();
      assertThat(rule.scopes()).containsExactly(policy.adminScope());
      assertThat(rule.ruleId()).isEqualTo("security-console/" + url);
    }
  }

  @Test
  void shouldRefuseTheIssuerAudienceTwiceUnderBothItsNames() {
    String document =
        minimal("svc", "${issuer.url}")
            + "      \"https://issuer.example\":\n        scopes: [a:read]\n"
            + "        default_ttl: PT5M\n        max_ttl: PT5M\n";

    assertThatThrownBy(
            () ->
                new PolicyParser(Duration.ofHours(1), "https://issuer.example")
                    .parse(document.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("names the audience https://issuer.example a second time");
  }

  @Test
  void shouldRefuseClientsAndAudiencesThatCouldNeverBeRevoked() {
    PolicyParser parser = new PolicyParser(Duration.ofHours(1), "https://issuer.example");

    assertThatThrownBy(
            () -> parser.parse(minimal("svc\\u0007", "aud").getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("the client id contains the control character U+0007");
    assertThatThrownBy(() -> parser.parse(minimal("svc", "aud ").getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("the audience must not begin or end with white space");
  }

  private static final String CONSENT_CLIENT =
      """
      policy_id: p
      scopes:
        a:read:
          description: Read.
          risk: low
      clients:
        app:
          kind: machine
          secret_sha256: QGtwhBykV_gmVVHEIpIbXmkgzmV3jsAnVKD3ku_esEE
          description: An app.
          redirect_uris: [REDIRECTS]
          audiences:
            https://api.example:
              scopes: [a:read]
              default_ttl: PT5M
              max_ttl: PT5M
              user_consent: true
              consent_ttl: CONSENT_TTL
      """;

  private static Policy consentPolicy(String redirects, String consentTtl) {
    return new PolicyParser(Duration.ofHours(1), "https://issuer.example")
        .parse(
            CONSENT_CLIENT
                .replace("REDIRECTS", redirects)
                .replace("CONSENT_TTL", consentTtl)
                .getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void shouldReadRedirectUrisDescriptionAndConsentRules() {
    Policy policy = consentPolicy("'https://app.example/cb', 'http://127.0.0.1:9000/cb'", "P7D");

    ClientPolicy app = policy.clients().get("app");
    assertThat(app.description()).isEqualTo("An app.");
    assertThat(app.redirectUris())
        .containsExactly("https://app.example/cb", "http://127.0.0.1:9000/cb");
    AudienceRule rule = app.rule("https://api.example").orElseThrow();
    assertThat(rule.userConsent()).isTrue();
    assertThat(rule.consentTtl()).isEqualTo(Duration.ofDays(7));
    assertThat(app.registered("https://app.example/cb/")).isFalse();
  }

  @Test
  void shouldRefuseRedirectUrisThatCouldLeakACode() {
    for (String bad :
        new String[] {
          "'http://app.example/cb'",
          "'https://app.example/cb#frag'",
          "'https://user@app.example/cb'",
          "'/relative/cb'",
          "'https://app.example/cb', 'https://app.example/cb'",
          "'https://app.example/" + "x".repeat(600) + "'"
        }) {
      assertThatThrownBy(() -> consentPolicy(bad, "P7D"))
          .as(bad)
          .isInstanceOf(InvalidPolicyException.class)
          .hasMessageContaining("redirect_uris");
    }
    assertThatThrownBy(() -> consentPolicy("", "P7D"))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("needs at least one redirect URI");
  }

  @Test
  void shouldRefuseAConsentLongerThanAYear() {
    assertThatThrownBy(() -> consentPolicy("'https://app.example/cb'", "P366D"))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("consent_ttl");
  }
}
