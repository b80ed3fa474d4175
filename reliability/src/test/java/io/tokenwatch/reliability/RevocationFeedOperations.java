package io.tokenwatch.reliability;

import static io.tokenwatch.reliability.RevocationFeedModel.key;
import static io.tokenwatch.reliability.RevocationFeedModel.modelWatermark;
import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.reliability.RevocationFeedModel.Kind;
import io.tokenwatch.reliability.RevocationFeedWorld.Mark;
import io.tokenwatch.validator.VerifiedToken;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** The steps of a try, and the generator of random sequences of them. */
final class RevocationFeedOperations {

  private RevocationFeedOperations() {}

  sealed interface Op {
    void apply(RevocationFeedPlatform platform, RevocationFeedWorld world, Map<String, Long> model);
  }

  /** An admin revocation through issuer instance 0 or 1. */
  record AdminRevoke(int issuer, Kind kind, int value, Mark mark) implements Op {
    @Override
    public void apply(
        RevocationFeedPlatform platform, RevocationFeedWorld world, Map<String, Long> model) {
      String value = world.value(kind, this.value);
      Instant watermark = world.watermark(mark);
      long requestedAt = System.currentTimeMillis();
      HttpResponse<String> response = platform.adminRevoke(issuer, kind, value, watermark);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
      model.merge(key(kind, value), modelWatermark(kind, watermark, requestedAt), Math::max);
    }
  }

  /**
   * A revocation request produced straight to the request topic under a key of the producer's
   * choosing, as another tool (or the detector's auto-response with another partitioner) might.
   */
  record ForeignRequest(Kind kind, int value, Mark mark, String recordKey) implements Op {
    @Override
    public void apply(
        RevocationFeedPlatform platform, RevocationFeedWorld world, Map<String, Long> model) {
      String value = world.value(kind, this.value);
      Instant watermark = world.watermark(mark);
      long requestedAt = System.currentTimeMillis();
      platform.produceRequest(recordKey, kind, value, watermark, Instant.ofEpochMilli(requestedAt));
      model.merge(key(kind, value), modelWatermark(kind, watermark, requestedAt), Math::max);
    }
  }

  /** A client revokes one of its access tokens (RFC 7009): its whole lineage. */
  record ClientRevoke(int token) implements Op {
    @Override
    public void apply(
        RevocationFeedPlatform platform, RevocationFeedWorld world, Map<String, Long> model) {
      RevocationFeedWorld.Issued issued = world.issued.get(token % world.issued.size());
      HttpResponse<String> response = platform.clientRevoke(issued.issuer(), issued.jwt());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      model.merge(key(Kind.LINEAGE, issued.token().tokenId()), Long.MAX_VALUE, Math::max);
    }
  }

  /** A token with {@code max_uses} 1 used twice: the stream revokes it. */
  record MaxUse(int token) implements Op {
    @Override
    public void apply(
        RevocationFeedPlatform platform, RevocationFeedWorld world, Map<String, Long> model) {
      VerifiedToken t = world.synthetic.get(token % world.synthetic.size());
      platform.useBeyondLimit(t);
      model.merge(key(Kind.TOKEN, t.tokenId()), Long.MAX_VALUE, Math::max);
    }
  }

  /** Waits until the revocation stream has processed every input written so far. */
  record Settle() implements Op {
    @Override
    public void apply(
        RevocationFeedPlatform platform, RevocationFeedWorld world, Map<String, Long> model) {
      platform.settleStream();
    }
  }

  /** Waits until the broker's cleaner has compacted the feed to one record per key. */
  record Compact() implements Op {
    @Override
    public void apply(
        RevocationFeedPlatform platform, RevocationFeedWorld world, Map<String, Long> model) {
      platform.compactFeed();
    }
  }

  /** Stops one of the two revocation stream instances and starts it again on its state. */
  record RestartStream() implements Op {
    @Override
    public void apply(
        RevocationFeedPlatform platform, RevocationFeedWorld world, Map<String, Long> model) {
      platform.restartStream();
    }
  }

  /** A validator started from scratch, reading only what is on the topics now. */
  record NewValidator() implements Op {
    @Override
    public void apply(
        RevocationFeedPlatform platform, RevocationFeedWorld world, Map<String, Long> model) {
      platform.startValidator();
    }
  }

  /** Random sequences of 6 to 16 steps, admin revocations the most frequent. */
  static Arbitrary<List<Op>> sequences() {
    Arbitrary<Kind> kinds = Arbitraries.of(Kind.class);
    Arbitrary<Mark> marks = Arbitraries.of(Mark.class);
    Arbitrary<Integer> values = Arbitraries.integers().between(0, 3);
    Arbitrary<Op> admin =
        Combinators.combine(Arbitraries.integers().between(0, 1), kinds, values, marks)
            .as((issuer, kind, value, mark) -> (Op) new AdminRevoke(issuer, kind, value, mark));
    Arbitrary<Op> foreign =
        Combinators.combine(
                kinds, values, marks, Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8))
            .as((kind, value, mark, key) -> (Op) new ForeignRequest(kind, value, mark, key));
    Arbitrary<Op> client = Arbitraries.integers().between(0, 1).map(i -> (Op) new ClientRevoke(i));
    Arbitrary<Op> maxUse = Arbitraries.integers().between(0, 15).map(i -> (Op) new MaxUse(i));
    Arbitrary<Op> settle = Arbitraries.<Op>just(new Settle());
    Arbitrary<Op> compact = Arbitraries.<Op>just(new Compact());
    Arbitrary<Op> restart = Arbitraries.<Op>just(new RestartStream());
    Arbitrary<Op> validator = Arbitraries.<Op>just(new NewValidator());
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(8, admin),
            net.jqwik.api.Tuple.of(2, foreign),
            net.jqwik.api.Tuple.of(1, client),
            net.jqwik.api.Tuple.of(2, maxUse),
            net.jqwik.api.Tuple.of(3, settle),
            net.jqwik.api.Tuple.of(2, compact),
            net.jqwik.api.Tuple.of(1, restart),
            net.jqwik.api.Tuple.of(2, validator))
        .list()
        .ofMinSize(6)
        .ofMaxSize(16);
  }
}
