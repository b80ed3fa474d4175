package io.tokenwatch.console.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class AccessRequestViewTest {

  static final ObjectMapper JSON = new ObjectMapper();

  static final String PENDING =
      """
      {"id": "req-0f0e0d0c-0b0a-0908-0706-050403020100", "kind": "scope", "status": "pending",
       "requester": "uma", "client_id": "orders-service", "audience": "https://orders.example.com",
       "scopes": ["orders:export"], "risk": "high", "purpose": "quarterly export",
       "duration": "PT8H", "policy_digest": null, "approvals_required": 2,
       "approvals": [{"person": "ann", "decided_at": "2026-12-05T09:00:00Z", "comment": null}],
       "refusal": null, "reviews": [], "exception_id": null, "exception_until": null,
       "last_change": "approved", "changed_by": "ann", "changed_at": "2026-12-05T09:00:00Z",
       "detail": "ann approved (1 of 2 approvals; high-risk scopes need two different people)"}
      """;

  @Test
  void shouldReadARequestAsTheIssuerWritesIt() throws Exception {
    AccessRequestView request = AccessRequestView.fromJson(JSON.readTree(PENDING));

    assertThat(request.pending()).isTrue();
    assertThat(request.approvedBy("ann")).isTrue();
    assertThat(request.approvedBy("amy")).isFalse();
    assertThat(request.approvalsMissing()).isEqualTo(1);
    assertThat(request.asked())
        .isEqualTo("orders:export for orders-service at https://orders.example.com");
    assertThat(request.shortId()).isEqualTo("req-0f0e0d0c…");
  }

  @Test
  void shouldRefuseAnAnswerMissingAFieldItShows() throws Exception {
    String withoutPurpose = PENDING.replace("\"purpose\": \"quarterly export\",", "");

    assertThatThrownBy(() -> AccessRequestView.fromJson(JSON.readTree(withoutPurpose)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("purpose must be a string");
  }
}
