package io.tokenwatch.anomaly.kafka;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.kafka.ClientSignal.SourceKind;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An input that sends one client signal per event ({@code tokenwatch.token-issued}, {@code
 * tokenwatch.issuance-denied}): re-keys each event's signal by client and sends its partition's
 * {@link ClientSignal.Progress}; late events are not sent ({@link SourceProgress}).
 *
 * @param <E> the input's events
 */
final class ClientSourceProcessor<E> implements Processor<String, E, String, ClientSignal> {
  private static final Logger log = LoggerFactory.getLogger(ClientSourceProcessor.class);

  private final SourceKind kind;
  private final Function<E, ClientSignal> signal;
  private final Sources sources;
  private final AnomalyMetrics metrics;
  private @Nullable ProcessorContext<String, ClientSignal> context;
  private @Nullable SourceProgress progress;

  ClientSourceProcessor(
      SourceKind kind, Function<E, ClientSignal> signal, Sources sources, AnomalyMetrics metrics) {
    this.kind = requireNonNull(kind, "kind");
    this.signal = requireNonNull(signal, "signal");
    this.sources = requireNonNull(sources, "sources");
    this.metrics = requireNonNull(metrics, "metrics");
  }

  @Override
  public void init(ProcessorContext<String, ClientSignal> context) {
    this.context = context;
    progress = SourceProgress.of(context, kind, sources);
    context.schedule(
        sources.progressEvery(),
        PunctuationType.STREAM_TIME,
        streamTime -> forward(progress().next(Long.MAX_VALUE), streamTime));
    if (sources.idleMs() > 0) {
      context.schedule(
          Duration.ofMillis(Math.max(1, sources.idleMs() / 2)),
          PunctuationType.WALL_CLOCK_TIME,
          wallClock -> {
            if (progress().idle(wallClock)) {
              long streamTime = ctx().currentStreamTimeMs();
              forward(progress().idleProgress(wallClock, streamTime), streamTime);
            }
          });
    }
  }

  @Override
  public void process(Record<String, E> record) {
    ClientSignal out = signal.apply(record.value());
    if (progress().admit(out.at(), ctx().currentSystemTimeMs())) {
      ctx().forward(record.withKey(out.clientId()).withValue(out));
      return;
    }
    metrics.lateSignal(kind.name());
    log.debug(
        "{} event at {} is late on partition {} (sealed up to {}): not sent to the client rules",
        kind,
        out.at(),
        progress().partition(),
        progress().sealed());
  }

  private void forward(Optional<ClientSignal.Progress> next, long timestamp) {
    next.ifPresent(
        p -> ctx().forward(new Record<>(ClientSignal.Progress.KEY, p, Math.max(0, timestamp))));
  }

  private SourceProgress progress() {
    return requireNonNull(progress, "progress");
  }

  private ProcessorContext<String, ClientSignal> ctx() {
    return requireNonNull(context, "context");
  }
}
