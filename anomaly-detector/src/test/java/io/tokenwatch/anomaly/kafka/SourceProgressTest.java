package io.tokenwatch.anomaly.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.anomaly.kafka.ClientSignal.Progress;
import io.tokenwatch.anomaly.kafka.ClientSignal.SourceKind;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

class SourceProgressTest {

  private static final long LATENESS = 5_000;
  private static final long IDLE = 30_000;
  private static final long NOW = 1_900_000_000_000L;

  private final Sources live =
      new Sources(
          AnomalyTopology.SourcePartitions.ONE,
          LATENESS,
          IDLE,
          Duration.ofSeconds(5),
          new TaskActivity());

  @Test
  void shouldSealWhatIsOlderThanTheNewestRecordByMoreThanTheLatenessAndNeverPassAPendingSignal() {
    SourceProgress progress = SourceProgress.of(context(), SourceKind.ISSUED, live);
    assertThat(progress.admit(NOW - 60_000, NOW)).isTrue();
    assertThat(progress.admit(NOW, NOW)).isTrue();
    assertThat(progress.admit(NOW - LATENESS, NOW)).as("just within the lateness").isTrue();
    assertThat(progress.admit(NOW - LATENESS - 1, NOW)).as("late").isFalse();
    assertThat(progress.next(NOW - 10_000))
        .contains(new Progress(0, SourceKind.ISSUED, NOW - 10_001));
    assertThat(progress.next(Long.MAX_VALUE))
        .contains(new Progress(0, SourceKind.ISSUED, NOW - LATENESS - 1));
    assertThat(progress.next(Long.MAX_VALUE)).as("sent once").isEmpty();
  }

  @Test
  void shouldFollowTheWallClockOnceIdleWhenItsTaskIsQuietToo() {
    SourceProgress progress = SourceProgress.of(context(), SourceKind.REFUSED, live);
    long streamTime = NOW - 3_600_000;
    assertThat(progress.idle(NOW + 10_000)).isFalse();
    assertThat(progress.idle(NOW + IDLE + 20_000)).isTrue();
    assertThat(progress.idleProgress(NOW + IDLE + 20_000, streamTime))
        .contains(new Progress(0, SourceKind.REFUSED, NOW + 20_000 - LATENESS));
  }

  @Test
  void shouldNotPassItsTasksStreamTimeWhileTheTaskCatchesUp() {
    MockProcessorContext<String, ClientSignal> context = context();
    SourceProgress refused = SourceProgress.of(context, SourceKind.REFUSED, live);
    SourceProgress used = SourceProgress.of(context, SourceKind.USE, live);
    long hourAgo = NOW - 3_600_000;
    // The task reads an hour-old backlog of token-used; issuance-denied has nothing for a while.
    for (long t = 0; t <= IDLE + 20_000; t += 1_000) {
      used.admit(hourAgo + 2 * t, NOW + t);
    }
    long wall = NOW + IDLE + 20_000;
    long streamTime = hourAgo + 2 * (IDLE + 20_000);
    assertThat(refused.idle(wall)).isTrue();
    assertThat(refused.idleProgress(wall, streamTime))
        .contains(new Progress(0, SourceKind.REFUSED, streamTime - LATENESS));
    assertThat(refused.admit(streamTime + 1, wall))
        .as("a refusal waiting behind the backlog is not late")
        .isTrue();
  }

  private static MockProcessorContext<String, ClientSignal> context() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "source-progress");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    MockProcessorContext<String, ClientSignal> context =
        new MockProcessorContext<>(props, new TaskId(0, 0), null);
    context.setCurrentSystemTimeMs(NOW);
    KeyValueStore<String, Long> store =
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(AnomalyTopology.SOURCE_PROGRESS),
                Serdes.String(),
                Serdes.Long())
            .withLoggingDisabled()
            .build();
    store.init(context.getStateStoreContext(), store);
    context.addStateStore(store);
    return context;
  }
}
