package io.tokenwatch.audit.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.schemas.topic.Topics;
import org.junit.jupiter.api.Test;

class AuditSinkTopicsTest {

  @Test
  void shouldAuditEveryDecisionTopicButNotValidatorHeartbeatsOrItsOwnCheckpoints() {
    assertThat(AuditSinkApp.TOPICS)
        .contains(
            Topics.TOKEN_ISSUED.name(),
            Topics.TOKEN_USED.name(),
            Topics.REVOCATIONS.name(),
            Topics.SECURITY_ALERTS.name(),
            Topics.POLICY_CHANGES.name())
        .doesNotContain(
            Topics.VALIDATOR_STATUS.name(),
            Topics.AUDIT_CHECKPOINTS.name(),
            Topics.DEAD_LETTERS.name());
  }
}
