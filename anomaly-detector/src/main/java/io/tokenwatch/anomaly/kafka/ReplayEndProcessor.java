package io.tokenwatch.anomaly.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.UseTally;
import io.tokenwatch.anomaly.kafka.ClientSignal.SourceKind;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jspecify.annotations.Nullable;

/**
 * A replay's end of input ({@link AnomalyTopology#replayEndTopic}), one record per partition once
 * every input is read: hands on the partition's open use tallies and sends, for every input on it,
 * that everything is sent, so the per-client rules apply what they still hold, the last buckets
 * included. It runs in the task of the use tallies, so nothing of the partition comes after it.
 */
final class ReplayEndProcessor implements Processor<String, String, String, ClientSignal> {
  private final Sources sources;
  private @Nullable ProcessorContext<String, ClientSignal> context;

  ReplayEndProcessor(Sources sources) {
    this.sources = requireNonNull(sources, "sources");
  }

  @Override
  public void init(ProcessorContext<String, ClientSignal> context) {
    this.context = context;
  }

  @Override
  public void process(Record<String, String> record) {
    ProcessorContext<String, ClientSignal> ctx = requireNonNull(context, "context");
    int partition = ctx.taskId().partition();
    KeyValueStore<String, UseTally> tallies = ctx.getStateStore(AnomalyTopology.CLIENT_TALLIES);
    List<KeyValue<String, UseTally>> open = new ArrayList<>();
    try (KeyValueIterator<String, UseTally> all = tallies.all()) {
      all.forEachRemaining(open::add);
    }
    for (KeyValue<String, UseTally> tally : open) {
      if (tally.value != null && !tally.value.isEmpty()) {
        ctx.forward(
            new Record<>(
                tally.key,
                ClientSignal.UseCount.of(tally.key, partition, tally.value),
                record.timestamp()));
      }
      tallies.delete(tally.key);
    }
    for (SourceKind kind : SourceKind.values()) {
      SourceProgress.of(ctx, kind, sources)
          .end()
          .ifPresent(
              p -> ctx.forward(new Record<>(ClientSignal.Progress.KEY, p, record.timestamp())));
    }
  }
}
