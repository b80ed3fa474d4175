package io.tokenwatch.audit.explain;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenwatch.audit.AuditEvent;
import io.tokenwatch.audit.AuditFilter;
import io.tokenwatch.audit.GrantView;
import io.tokenwatch.audit.http.AuditJson;
import io.tokenwatch.audit.store.AuditQueries;
import io.tokenwatch.audit.store.AuditStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** grants and timeline show the consents, access requests and policy changes behind a grant. */
class GovernanceQueriesTest {

  @TempDir Path dir;
  private AuditStore store;
  private AuditQueries queries;

  @BeforeEach
  void open() {
    store = new WhyScenario().store(dir);
    queries = new AuditQueries(store);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private GrantView grant(String tokenId) {
    List<GrantView> grants =
        queries.grants(
            new AuditFilter(null, null, tokenId, null, Set.of(), null, null, null, null, 10),
            WhyScenario.T.plusSeconds(3600).toEpochMilli());
    assertThat(grants).hasSize(1);
    return grants.get(0);
  }

  @Test
  void shouldShowTheConsentAndItsWithdrawalAndThePolicyChangeBehindAGrant() {
    GrantView grant = grant("tok-consent");

    assertThat(grant.governance())
        .extracting(AuditEvent::eventId)
        .containsExactly("ev-policy-3", "ev-consent", "ev-withdrawn");
    JsonNode json = AuditJson.grant(grant);
    assertThat(json.path("consent").path("user").asText()).isEqualTo("alice");
    assertThat(json.path("consent").path("withdrawn").path("reason").asText())
        .isEqualTo("USER_WITHDREW");
    assertThat(json.path("policy_change").path("version").asLong()).isEqualTo(3);
    assertThat(json.path("behind").asText())
        .isEqualTo(
            "policy version 3 by carol; consent cns-7Qm2 by alice for \"Weekly sales report\";"
                + " withdrawn by alice (USER_WITHDREW)");
  }

  @Test
  void shouldShowOnlyTheLatestStateOfTheAccessRequestBehindAnExceptionGrant() {
    GrantView grant = grant("tok-exception");

    assertThat(grant.governance()).extracting(AuditEvent::eventId).containsExactly("ev-req-3");
    JsonNode json = AuditJson.grant(grant);
    assertThat(json.path("exception").path("requester").asText()).isEqualTo("bob");
    assertThat(json.path("behind").asText())
        .isEqualTo("exception exc-42 (request req-42 by bob, approved by carol, dave, APPROVED)");
  }

  @Test
  void shouldLeaveAGrantWithNothingBehindItButPolicyWithoutGovernance() {
    assertThat(grant("tok-parent").governance())
        .extracting(AuditEvent::eventId)
        .containsExactly("ev-policy-3");
  }

  @Test
  void shouldPutConsentsRequestChangesAndPolicyChangesInATokensTimeline() {
    assertThat(queries.timeline("tok-consent", 100))
        .extracting(AuditEvent::eventId)
        .containsExactly(
            "ev-policy-3",
            "ev-consent",
            "ev-tok-consent",
            "ev-use-ok",
            "ev-withdrawn",
            "ev-revoked",
            "ev-use-denied");
    assertThat(queries.timeline("tok-exception", 100))
        .extracting(AuditEvent::eventId)
        .containsExactly("ev-req-3", "ev-tok-exception");
  }
}
