package io.tokenwatch.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class StateCodecTest {

  @Property(tries = 300)
  void tokenWatchSurvivesTheRoundTrip(
      @ForAll @StringLength(max = 40) @Nullable String subject,
      @ForAll @StringLength(max = 40) String client,
      @ForAll @Size(max = 6) List<@StringLength(max = 20) String> scopes,
      @ForAll long expiresAt,
      @ForAll @Nullable Integer maxUses,
      @ForAll @Size(max = 8) List<@StringLength(max = 30) String> addresses,
      @ForAll long at) {
    TokenWatch watch = new TokenWatch();
    watch.subject = subject;
    watch.clientId = client;
    watch.scopes = new java.util.ArrayList<>(scopes);
    watch.expiresAt = expiresAt;
    watch.maxUses = maxUses == null ? null : Math.abs(maxUses % 1000);
    watch.issueEventId = "issue-" + client;
    watch.revokedAt = at;
    for (int i = 0; i < addresses.size(); i++) {
      watch.sources.put(addresses.get(i), Sighting.of("e" + i, at + i));
      watch.replays.add("r" + i, Instant.ofEpochMilli(at), 10);
      watch.allowedByValidator.merge(addresses.get(i), (long) i, Long::sum);
    }
    watch.allowedUses = addresses.size();
    watch.lastEventAt = at;

    byte[] bytes = StateCodec.encode(watch);
    TokenWatch back = StateCodec.decodeTokenWatch(bytes);

    assertThat(StateCodec.encode(back)).isEqualTo(bytes);
    assertThat(back).usingRecursiveComparison().isEqualTo(watch);
  }

  @Test
  void aTallyKeepsItsCountsAndFirstIds() {
    UseTally tally = new UseTally();
    for (int i = 0; i < 10; i++) {
      tally.add("e" + i, 1_000 + i, 7);
    }
    UseTally back = StateCodec.decodeUseTally(StateCodec.encode(tally));
    assertThat(back.bucket()).isEqualTo(7);
    assertThat(back.count()).isEqualTo(10);
    assertThat(back.firstAt()).isEqualTo(1_000);
    assertThat(back.lastAt()).isEqualTo(1_009);
    assertThat(back.lastEventId()).isEqualTo("e9");
    assertThat(back.eventIds()).containsExactly("e0", "e1", "e2", "e3");
  }

  @Property(tries = 200)
  void truncatedValuesAreRefusedNotMisread(@ForAll @StringLength(min = 1, max = 30) String id) {
    TokenWatch watch = new TokenWatch();
    watch.issueEventId = id;
    watch.sources.put(id, Sighting.of(id, 1));
    byte[] bytes = StateCodec.encode(watch);
    for (int cut = 1; cut < bytes.length; cut++) {
      byte[] truncated = Arrays.copyOf(bytes, cut);
      assertThatThrownBy(() -> StateCodec.decodeTokenWatch(truncated))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void jsonIsNotTakenForTheBinaryForm() {
    assertThat(
            StateCodec.isBinary(
                "{\"subject\":\"alice\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .isFalse();
    assertThat(StateCodec.isBinary(StateCodec.encode(new TokenWatch()))).isTrue();
  }

  @Test
  void theMissingScopesAppendedToTheFirstLayoutRoundTripAndAreOptional() {
    TokenWatch watch = new TokenWatch();
    watch.issueEventId = "e1";
    byte[] firstLayout = StateCodec.encode(watch);
    watch.missingScopes.put("admin:write", 42L);
    watch.missingScopes.put("billing:read users:delete", 43L);

    byte[] bytes = StateCodec.encode(watch);

    assertThat(StateCodec.decodeTokenWatch(bytes).missingScopes).isEqualTo(watch.missingScopes);
    assertThat(Arrays.copyOf(bytes, firstLayout.length)).isEqualTo(firstLayout);
    assertThat(StateCodec.decodeTokenWatch(firstLayout).missingScopes).isEmpty();
    for (int cut = firstLayout.length + 1; cut < bytes.length; cut++) {
      byte[] truncated = Arrays.copyOf(bytes, cut);
      assertThatThrownBy(() -> StateCodec.decodeTokenWatch(truncated))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
