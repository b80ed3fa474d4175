package io.tokenwatch.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * REFRESH_TOKEN_REUSE on its own. The rule has no threshold: a reuse revocation always raises, and
 * names whose grant it was from the grant's latest token, which the property checks against a model
 * that simply remembers the last token seen.
 */
class GrantRulesTest {

  private static final Instant T0 = Instant.parse("2030-01-01T10:00:00Z");

  private static TokenGrant token(String tokenId, String subject, String client, Instant at) {
    return new TokenGrant(
        "i-" + tokenId,
        at,
        tokenId,
        subject,
        client,
        "g1",
        List.of(),
        at.plusSeconds(600),
        null,
        null);
  }

  @Test
  void shouldNameTheRequesterAndTheIssuersDetail() {
    GrantRules rules = new GrantRules();
    GrantWatch watch = new GrantWatch();
    rules.issued(watch, token("t1", "alice", "app", T0));

    List<Finding> findings =
        rules.reuseRevoked(
            watch,
            new ReuseRevocation("g1", "req-1", T0.plusSeconds(5), "issuer:reuse", "seen twice"));

    assertThat(findings)
        .singleElement()
        .satisfies(
            finding -> {
              assertThat(finding.rule()).isEqualTo(Rule.REFRESH_TOKEN_REUSE);
              assertThat(finding.incidentKey()).isEqualTo("grant:g1");
              assertThat(finding.evidence().eventIds()).containsExactly("req-1");
              assertThat(finding.evidence().observed())
                  .containsEntry("revoked_selector", "grant:g1")
                  .containsEntry("requested_by", "issuer:reuse")
                  .containsEntry("detail", "seen twice")
                  .containsEntry("last_access_token", "t1");
            });
  }

  @Test
  void shouldRespondOnTheGrantWhenNoTokenOfItWasSeen() {
    Finding finding =
        new GrantRules()
            .reuseRevoked(
                new GrantWatch(), new ReuseRevocation("g1", "req-1", T0, "issuer:reuse", null))
            .get(0);

    assertThat(finding.subject()).isNull();
    assertThat(finding.response()).isEqualTo(Target.grant("g1"));
    assertThat(finding.evidence().observed()).doesNotContainKeys("detail", "last_access_token");
  }

  record Minted(String tokenId, String subject, String client) {}

  @Provide
  Arbitrary<List<Minted>> minted() {
    Arbitrary<String> names = Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8);
    return Combinators.combine(names, names, names).as(Minted::new).list().ofMaxSize(6);
  }

  @Property(tries = 200)
  void aReuseRevocationAlwaysRaisesNamingTheGrantsLatestToken(
      @ForAll("minted") List<Minted> tokens) {
    GrantRules rules = new GrantRules();
    GrantWatch watch = new GrantWatch();
    Instant at = T0;
    for (Minted m : tokens) {
      at = at.plus(Duration.ofSeconds(30));
      rules.issued(watch, token(m.tokenId(), m.subject(), m.client(), at));
    }

    List<Finding> findings =
        rules.reuseRevoked(watch, new ReuseRevocation("g1", "req", at, "issuer:reuse", null));

    assertThat(findings).hasSize(1);
    Finding finding = findings.get(0);
    if (tokens.isEmpty()) {
      assertThat(finding.subject()).isNull();
      assertThat(finding.clientId()).isNull();
      assertThat(finding.response()).isEqualTo(Target.grant("g1"));
    } else {
      Minted last = tokens.get(tokens.size() - 1);
      assertThat(finding.subject()).isEqualTo(last.subject());
      assertThat(finding.clientId()).isEqualTo(last.client());
      assertThat(finding.evidence().observed()).containsEntry("last_access_token", last.tokenId());
      assertThat(finding.response()).isEqualTo(Target.subject(last.subject()));
    }
  }
}
