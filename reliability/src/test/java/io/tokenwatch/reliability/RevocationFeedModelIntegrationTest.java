package io.tokenwatch.reliability;

import static io.tokenwatch.reliability.RevocationFeedPlatform.requireNonNull;

import io.tokenwatch.reliability.RevocationFeedModel.Kind;
import io.tokenwatch.reliability.RevocationFeedOperations.AdminRevoke;
import io.tokenwatch.reliability.RevocationFeedOperations.ClientRevoke;
import io.tokenwatch.reliability.RevocationFeedOperations.Compact;
import io.tokenwatch.reliability.RevocationFeedOperations.ForeignRequest;
import io.tokenwatch.reliability.RevocationFeedOperations.NewValidator;
import io.tokenwatch.reliability.RevocationFeedOperations.Op;
import io.tokenwatch.reliability.RevocationFeedOperations.RestartStream;
import io.tokenwatch.reliability.RevocationFeedOperations.Settle;
import io.tokenwatch.reliability.RevocationFeedWorld.Mark;
import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.jspecify.annotations.Nullable;

/**
 * The revocation feed's contract against a reference model, on a real broker: whatever sequence of
 * revocations of every kind and watermark arrives, from the admin API of two issuer instances, RFC
 * 7009, max-use enforcement and a producer that keys its requests its own way, interleaved with
 * forced compaction of {@code tokenwatch.revocations}, restarts of either of two revocation stream
 * instances and validators started from scratch, every validator's decision for every token equals
 * the model's: a plain map from feed key to the highest watermark ever requested for it.
 *
 * <p>The compacted topic is configured to roll a segment every 100 ms and to clean as soon as
 * anything is dirty, and the {@code compact} step waits until the broker's cleaner has left at most
 * one record per key: a validator started afterwards reads only what compaction kept, which is
 * where a weaker record written last would undo a revocation.
 */
@Tag("integration")
class RevocationFeedModelIntegrationTest {

  private static @Nullable RevocationFeedPlatform platform;
  private static final AtomicInteger worlds = new AtomicInteger();

  @BeforeContainer
  static void startPlatform() throws IOException {
    platform = RevocationFeedPlatform.start(Files.createTempDirectory("feed-model"));
  }

  @AfterContainer
  static void stopPlatform() {
    if (platform != null) {
      platform.close();
    }
  }

  @Property(
      tries = 8,
      shrinking = ShrinkingMode.BOUNDED,
      afterFailure = AfterFailureMode.SAMPLE_FIRST)
  void everyValidatorDecidesAsTheModelWhateverTheOrderOfRevocations(
      @ForAll("operations") List<Op> operations) {
    run(operations);
  }

  /** The repro of the weaker token revocation that compaction kept (admin API, one issuer). */
  @Example
  void aTokenRevokedAndThenRevokedAgainWithAnOldWatermarkStaysRevokedAfterCompaction() {
    run(
        List.of(
            new AdminRevoke(0, Kind.TOKEN, 0, Mark.NONE),
            new Settle(),
            new AdminRevoke(0, Kind.TOKEN, 0, Mark.EPOCH),
            new Compact(),
            new NewValidator()));
  }

  /** A subject revocation followed by a narrower one, through the other issuer. */
  @Example
  void aSubjectRevocationFollowedByANarrowerOneKeepsTheBroaderAfterCompaction() {
    run(
        List.of(
            new AdminRevoke(0, Kind.SUBJECT, 0, Mark.FUTURE),
            new Settle(),
            new AdminRevoke(1, Kind.SUBJECT, 0, Mark.MID),
            new Compact(),
            new NewValidator()));
  }

  /** Requests for one selector keyed differently by their producers reach one merging writer. */
  @Example
  void requestsForOneSelectorUnderDifferentKeysAreMergedByOneWriter() {
    run(
        List.of(
            new ForeignRequest(Kind.CLIENT, 1, Mark.FUTURE, "elsewhere-1"),
            new Settle(),
            new ForeignRequest(Kind.CLIENT, 1, Mark.MID, "elsewhere-2"),
            new ForeignRequest(Kind.CLIENT, 1, Mark.EPOCH, "elsewhere-3"),
            new Compact(),
            new NewValidator()));
  }

  /** Every kind revoked while the stream restarts: the fast path covers each. */
  @Example
  void everyKindIsDeniedWhileTheStreamRestarts() {
    run(
        List.of(
            new RestartStream(),
            new AdminRevoke(0, Kind.SUBJECT, 1, Mark.NONE),
            new AdminRevoke(1, Kind.CLIENT, 0, Mark.NONE),
            new AdminRevoke(0, Kind.AUDIENCE, 1, Mark.NONE),
            new AdminRevoke(1, Kind.GRANT, 0, Mark.NONE),
            new ClientRevoke(1),
            new NewValidator()));
  }

  private static void run(List<Op> operations) {
    RevocationFeedPlatform p = requireNonNull(platform);
    RevocationFeedWorld world = p.newWorld("w" + worlds.incrementAndGet());
    Map<String, Long> model = new HashMap<>();
    Map<String, Integer> steps = new java.util.TreeMap<>();
    int decisions = 0;
    for (Op op : operations) {
      op.apply(p, world, model);
      decisions += p.checkEveryValidator(world, model, op);
      steps.merge(op.getClass().getSimpleName(), 1, Integer::sum);
    }
    Map<String, Object> figures = new LinkedHashMap<>(steps);
    figures.put("decisionsCompared", decisions);
    figures.put("keysInModel", model.size());
    Figures.record("Revocation feed against its model (" + world.ns + ")", figures);
  }

  @Provide
  Arbitrary<List<Op>> operations() {
    return RevocationFeedOperations.sequences();
  }
}
