package io.tokenwatch.schemas.topic;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TopicSpecTest {

  @Test
  void shouldCreateACompactAndDeleteTopicThatAlsoExpiresTheLatestRecordOfAKey() {
    TopicSpec spec = new TopicSpec(3, CleanupPolicy.COMPACT_DELETE, Duration.ofDays(1));

    assertThat(spec.configs())
        .containsEntry("cleanup.policy", "compact,delete")
        .containsEntry("retention.ms", "86400000")
        .containsEntry("min.cleanable.dirty.ratio", "0.1")
        .doesNotContainKey("delete.retention.ms");
    assertThat(CleanupPolicy.COMPACT_DELETE.configValues())
        .containsExactlyInAnyOrder("compact", "delete");
  }

  @Test
  void shouldKeepTombstonesOfACompactedTopicForTheRetentionInsteadOfDeletingRecords() {
    TopicSpec spec = new TopicSpec(3, CleanupPolicy.COMPACT, Duration.ofDays(1));

    assertThat(spec.configs())
        .containsEntry("cleanup.policy", "compact")
        .containsEntry("delete.retention.ms", "86400000")
        .doesNotContainKey("retention.ms");
  }

  @Test
  void shouldDeclareTheValidatorStatusTopicKeyedByValidatorAndCompactedThenDeleted() {
    assertThat(Topics.byName("tokenwatch.validator-status")).contains(Topics.VALIDATOR_STATUS);
    assertThat(Topics.VALIDATOR_STATUS.spec().cleanupPolicy())
        .isEqualTo(CleanupPolicy.COMPACT_DELETE);
    assertThat(Topics.markdownTable())
        .contains(
            "| `tokenwatch.validator-status` | validator id | `ValidatorStatus` | compact,delete");
  }
}
