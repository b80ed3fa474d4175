package io.tokenwatch.console.fleet;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One validator as the fleet page shows it.
 *
 * @param audience the audience it protects, or null
 * @param positions its feed's position per revocation-topic partition
 * @param heartbeatAge time since its last report
 * @param staleness how far behind its feed may be, or null while not ready
 * @param propagationMedian the median (lower middle) time the revocations it applied recently took
 *     to reach it, or null when it applied none produced after it started
 * @param propagationMax the longest of those, or null
 * @param propagationSamples how many revocations those two are taken from
 * @param problems what is wrong with it; empty when nothing is
 */
public record FleetRow(
    String validatorId,
    @Nullable String audience,
    List<ValidatorReport.Position> positions,
    Duration heartbeatAge,
    Duration interval,
    boolean ready,
    @Nullable Duration staleness,
    @Nullable Duration propagationMedian,
    @Nullable Duration propagationMax,
    int propagationSamples,
    long liveRevocations,
    List<Problem> problems) {

  public FleetRow {
    requireNonNull(validatorId, "validatorId");
    requireNonNull(heartbeatAge, "heartbeatAge");
    requireNonNull(interval, "interval");
    positions = List.copyOf(positions);
    problems = List.copyOf(problems);
  }

  /** Whether nothing is wrong with it. */
  public boolean healthy() {
    return problems.isEmpty();
  }

  /** The sum of its next offsets over every partition it reads. */
  public long positionTotal() {
    return positions.stream().mapToLong(ValidatorReport.Position::nextOffset).sum();
  }

  /** Each partition's next offset, e.g. {@code revocations-0: 42, revocation-fast-path-1: 3}. */
  public String positionDetail() {
    return positions.stream()
        .map(
            p ->
                p.topic().replaceFirst("^tokenwatch\\.", "")
                    + "-"
                    + p.partition()
                    + ": "
                    + p.nextOffset())
        .collect(java.util.stream.Collectors.joining(", "));
  }

  public Optional<Duration> stalenessIfKnown() {
    return Optional.ofNullable(staleness);
  }
}
