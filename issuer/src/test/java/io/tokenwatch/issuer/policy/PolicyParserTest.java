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
}
