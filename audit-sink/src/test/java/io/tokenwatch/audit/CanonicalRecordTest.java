package io.tokenwatch.audit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class CanonicalRecordTest {

  @Test
  void shouldReadPositionIdAndSourceBackFromTheCanonicalBytes() {
    AuditEvent event =
        TestEvents.used("ev-ünï,:-", "tok-1", "alice", "app", "ALLOWED", 4, 1234, "read");
    byte[] canonical = new CanonicalEncoding().encode(event, 77);
    byte[] framed = new byte[canonical.length + 10];
    System.arraycopy(canonical, 0, framed, 7, canonical.length);

    assertThat(CanonicalRecord.parse(framed, 7, canonical.length))
        .contains(
            new CanonicalRecord(77, "ev-ünï,:-", new ChainKey("tokenwatch.token-used", 4), 1234));
  }

  @Test
  void shouldRefuseBytesThatAreNoWellFormedEncoding() {
    byte[] canonical =
        new CanonicalEncoding()
            .encode(TestEvents.used("u1", "t", "alice", "app", "ALLOWED", 0, 5, "read"), 1);

    assertThat(CanonicalRecord.parse(canonical, 0, canonical.length - 1)).isEmpty();
    assertThat(CanonicalRecord.parse(canonical, 1, canonical.length - 1)).isEmpty();
    assertThat(CanonicalRecord.parse("TWA1,".getBytes(UTF_8), 0, 5)).isEmpty();
    byte[] broken = Arrays.copyOf(canonical, canonical.length);
    broken[5] = 'x'; // the length of chain_seq
    assertThat(CanonicalRecord.parse(broken, 0, broken.length)).isEmpty();
  }
}
