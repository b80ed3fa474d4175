package io.tokenwatch.schemas.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.events.SelectorKind;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class FeedKeyTest {

  @Test
  void keyIsTheLowerCaseKindAColonAndTheValueAsItIs() {
    assertThat(FeedKey.of(SelectorKind.SUBJECT, "alice")).isEqualTo("subject:alice");
    assertThat(FeedKey.of(SelectorKind.AUDIENCE, "https://api:8443/x"))
        .isEqualTo("audience:https://api:8443/x");
    assertThat(FeedKey.prefix(SelectorKind.TOKEN)).isEqualTo("token:");
  }

  @Test
  void onlyTheFirstColonSeparatesKindFromValue() {
    assertThat(FeedKey.parse("client:a:b")).contains(new FeedKey(SelectorKind.CLIENT, "a:b"));
  }

  @Test
  void unknownKindsEmptyValuesAndKeysWithoutAColonAreNotKeys() {
    assertThat(FeedKey.parse("unknown:x")).isEmpty();
    assertThat(FeedKey.parse("device:x")).isEmpty();
    assertThat(FeedKey.parse("TOKEN:x")).isEmpty();
    assertThat(FeedKey.parse("token:")).isEmpty();
    assertThat(FeedKey.parse(":x")).isEmpty();
    assertThat(FeedKey.parse("token")).isEmpty();
    assertThatThrownBy(() -> FeedKey.of(SelectorKind.UNKNOWN, "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FeedKey.of(SelectorKind.GRANT, ""))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Property
  void everyKeyReadsBackAsTheKindAndValueItWasBuiltFrom(
      @ForAll("kinds") SelectorKind kind, @ForAll String value) {
    net.jqwik.api.Assume.that(!value.isEmpty());
    assertThat(FeedKey.parse(FeedKey.of(kind, value))).contains(new FeedKey(kind, value));
  }

  @Provide
  Arbitrary<SelectorKind> kinds() {
    return Arbitraries.of(SelectorKind.class).filter(kind -> kind != SelectorKind.UNKNOWN);
  }
}
