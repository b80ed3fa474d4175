package io.tokenwatch.signals;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Poll delivery (RFC 8936) for the transmitter: answers one receiver's poll of one stream from the
 * stream's queue and its shared {@link PollState}.
 *
 * <p>A SET stays pending, and is returned again by later polls, until the receiver acknowledges it
 * or reports it in {@code setErrs}; SETs come in queue order. Acknowledgements and errors are made
 * durable (errors first, then the state) before the answer is given, so a lost answer only means
 * the SETs come again, and any instance continues where another stopped. A paused stream answers
 * with no SETs (they are held); a disabled one discards its pending SETs.
 *
 * <p>Thread-safe; a poll that waits for SETs blocks its calling thread up to {@link
 * Settings#maxWait}.
 */
public final class PollDelivery {

  private static final Logger log = LoggerFactory.getLogger(PollDelivery.class);

  /** How often a waiting poll looks at its stream's status again even when nothing arrives. */
  private static final Duration STATUS_RECHECK = Duration.ofSeconds(1);

  private final StreamRegistry streams;
  private final PollQueue queue;
  private final PollStates states;
  private final PollErrors errors;
  private final Settings settings;
  private final Counter returned;
  private final Counter acknowledged;
  private final Counter reported;
  private final Counter discarded;
  private final MeterRegistry meters;
  private final Clock clock;
  private final Semaphore waiting;

  /**
   * Limits of poll delivery.
   *
   * @param maxEvents the most SETs one poll may ask for
   * @param maxWait the longest a poll waits for a SET
   * @param maxWaiting the most polls waiting at once; further polls are answered at once, so
   *     waiting polls never take every thread of the server
   */
  public record Settings(int maxEvents, Duration maxWait, int maxWaiting) {
    public Settings {
      requireNonNull(maxWait, "maxWait");
      if (maxEvents < 1) {
        throw new IllegalArgumentException("maxEvents must be >= 1");
      }
      if (maxWaiting < 0) {
        throw new IllegalArgumentException("maxWaiting must be >= 0");
      }
      if (maxWait.isNegative()) {
        throw new IllegalArgumentException("maxWait must not be negative");
      }
    }
  }

  public PollDelivery(
      StreamRegistry streams,
      PollQueue queue,
      PollStates states,
      PollErrors errors,
      Settings settings,
      MeterRegistry meters,
      Clock clock) {
    this.streams = requireNonNull(streams, "streams");
    this.queue = requireNonNull(queue, "queue");
    this.states = requireNonNull(states, "states");
    this.errors = requireNonNull(errors, "errors");
    this.settings = requireNonNull(settings, "settings");
    this.meters = requireNonNull(meters, "meters");
    this.clock = requireNonNull(clock, "clock");
    this.waiting = new Semaphore(settings.maxWaiting());
    this.returned = sets("returned");
    this.acknowledged = sets("acknowledged");
    this.reported = sets("error");
    this.discarded = sets("discarded");
  }

  private Counter sets(String outcome) {
    return Counter.builder("tokenwatch.ssf.poll.sets")
        .description("SETs of poll streams, by what happened to them")
        .tag("outcome", outcome)
        .register(meters);
  }

  /** The limits this delivery enforces. */
  public Settings settings() {
    return settings;
  }

  /**
   * Answers one poll of {@code streamId} by {@code receiver}.
   *
   * @param receiver the authenticated client id of the caller
   * @throws IllegalArgumentException if {@code request.maxEvents()} is above {@link
   *     Settings#maxEvents}
   * @throws IllegalStateException when the queue or the state cannot be read or written right now
   *     (retriable; nothing acknowledged by this poll is lost: the receiver sends it again)
   * @throws InterruptedException when interrupted while waiting
   */
  public PollOutcome poll(String receiver, String streamId, PollRequest request)
      throws InterruptedException {
    requireNonNull(receiver, "receiver");
    requireNonNull(streamId, "streamId");
    requireNonNull(request, "request");
    if (request.maxEvents() > settings.maxEvents()) {
      throw new IllegalArgumentException("maxEvents above " + settings.maxEvents());
    }
    // An acknowledge-only poll (maxEvents 0) has nothing to wait for (RFC 8936 2.4.1).
    boolean waits = !request.returnImmediately() && request.maxEvents() > 0;
    Instant deadline = clock.instant().plus(waits ? settings.maxWait() : Duration.ZERO);
    PollRequest pending = request;
    boolean scan = true;
    PollOutcome.Delivered last = new PollOutcome.Delivered(List.of(), false);
    long waitFrom = 0;
    boolean held = false;
    boolean holding = false;
    try {
      while (true) {
        Optional<SignalStream> found = ownStream(receiver, streamId);
        if (found.isEmpty()) {
          return outcome(new PollOutcome.NotFound());
        }
        SignalStream stream = found.get();
        if (stream.method() != DeliveryMethod.POLL) {
          return outcome(new PollOutcome.NotPolled());
        }
        if (stream.status() == StreamStatus.DISABLED) {
          return outcome(discardPending(stream));
        }
        boolean paused = stream.status() == StreamStatus.PAUSED;
        if (scan || pending.reports() || (held && !paused)) {
          PollRequest effective =
              paused ? new PollRequest(pending.ack(), pending.setErrs(), 0, true) : pending;
          Stepped stepped = step(stream, effective);
          PollState.Step step = stepped.step();
          waitFrom = stepped.end();
          pending = pending.withoutReports();
          held = paused;
          last = new PollOutcome.Delivered(step.returned(), !paused && step.moreAvailable());
          if (!step.returned().isEmpty()) {
            return outcome(last);
          }
        }
        Duration remaining = Duration.between(clock.instant(), deadline);
        if (remaining.isNegative() || remaining.isZero()) {
          return outcome(last);
        }
        if (!holding) {
          if (!waiting.tryAcquire()) {
            return outcome(last);
          }
          holding = true;
        }
        Duration wait = remaining.compareTo(STATUS_RECHECK) < 0 ? remaining : STATUS_RECHECK;
        // A paused stream's arrivals are held: it only waits to look at its status again.
        scan = queue.awaitArrival(streamId, paused ? Long.MAX_VALUE : waitFrom, wait) && !paused;
      }
    } finally {
      if (holding) {
        waiting.release();
      }
    }
  }

  private Optional<SignalStream> ownStream(String receiver, String streamId) {
    return streams.get(streamId).filter(stream -> stream.receiver().equals(receiver));
  }

  private record Stepped(PollState.Step step, long end) {}

  private Stepped step(SignalStream stream, PollRequest request) {
    String streamId = stream.streamId();
    PollState state = states.load(streamId);
    // Enough to find every SET the receiver can acknowledge (returned earlier, so among the first
    // maxEvents pending) and still return maxEvents once this poll's reports are done.
    int limit =
        state.done().size()
            + settings.maxEvents()
            + request.ack().size()
            + request.setErrs().size()
            + 1;
    PollQueue.Scan scan = queue.scan(streamId, state.cursor(), limit);
    PollState.Step step = state.apply(scan.sets(), scan.end(), scan.complete(), request);
    if (!step.errors().isEmpty()) {
      errors.record(stream, step.errors());
      reported.increment(step.errors().size());
      step.errors()
          .forEach(
              error ->
                  log.info(
                      "Receiver {} reported SET {} of stream {} as {}",
                      stream.receiver(),
                      error.set().jti(),
                      streamId,
                      error.error().err()));
    }
    if (!step.state().equals(state)) {
      states.commit(streamId, step.state());
    }
    acknowledged.increment(step.acknowledged());
    return new Stepped(step, scan.end());
  }

  private PollOutcome discardPending(SignalStream stream) {
    String streamId = stream.streamId();
    PollState state = states.load(streamId);
    PollQueue.Scan scan = queue.scan(streamId, state.cursor(), settings.maxEvents());
    int count = 0;
    for (PollSet set : scan.sets()) {
      if (!state.isDone(set.offset())) {
        count++;
      }
    }
    PollState next = new PollState(scan.end(), state.done());
    if (!next.equals(state)) {
      states.commit(streamId, next);
    }
    discarded.increment(count);
    if (count > 0) {
      log.info("Discarded {} pending SETs of disabled stream {}", count, streamId);
    }
    return new PollOutcome.Disabled(count);
  }

  private PollOutcome outcome(PollOutcome outcome) {
    if (outcome instanceof PollOutcome.Delivered delivered) {
      returned.increment(delivered.sets().size());
    }
    meters
        .counter(
            "tokenwatch.ssf.polls",
            "outcome",
            outcome.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT))
        .increment();
    return outcome;
  }
}
