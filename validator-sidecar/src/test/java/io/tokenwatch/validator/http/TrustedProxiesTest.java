package io.tokenwatch.validator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

  private final TrustedProxies loopback =
      TrustedProxies.parse(List.of(TrustedProxies.LOOPBACK.split(",")));

  @Test
  void shouldTrustLoopbackByDefaultAndNothingElse() {
    assertThat(loopback.trusts("127.0.0.1")).isTrue();
    assertThat(loopback.trusts("127.9.8.7")).isTrue();
    assertThat(loopback.trusts("::1")).isTrue();
    assertThat(loopback.trusts("[::1]")).isTrue();
    assertThat(loopback.trusts("0:0:0:0:0:0:0:1")).isTrue();
    assertThat(loopback.trusts("::ffff:127.0.0.1")).isTrue();
    assertThat(loopback.trusts("10.0.0.1")).isFalse();
    assertThat(loopback.trusts("128.0.0.1")).isFalse();
    assertThat(loopback.trusts("::2")).isFalse();
    assertThat(loopback.trusts("localhost")).isFalse();
    assertThat(loopback.trusts(null)).isFalse();
    assertThat(TrustedProxies.none().trusts("127.0.0.1")).isFalse();
  }

  @Test
  void shouldMatchCidrRangesBitByBit() {
    TrustedProxies proxies = TrustedProxies.parse(List.of("10.1.2.0/23", "fd00::/8", "192.0.2.7"));
    assertThat(proxies.trusts("10.1.3.255")).isTrue();
    assertThat(proxies.trusts("10.1.4.0")).isFalse();
    assertThat(proxies.trusts("fdab::1")).isTrue();
    assertThat(proxies.trusts("fe00::1")).isFalse();
    assertThat(proxies.trusts("192.0.2.7")).isTrue();
    assertThat(proxies.trusts("192.0.2.8")).isFalse();
  }

  @Test
  void shouldRefuseHostNamesAndMalformedRangesAllAtOnce() {
    assertThatThrownBy(
            () -> TrustedProxies.parse(List.of("nginx", "10.0.0.0/33", "10.0.0.0/x", "1.2.3")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'nginx'")
        .hasMessageContaining("'10.0.0.0/33'")
        .hasMessageContaining("'10.0.0.0/x'")
        .hasMessageContaining("'1.2.3'");
  }

  @Test
  void shouldTakeTheRightmostUntrustedForwardedForEntryAsTheClient() {
    // The client can write anything to the left of what the proxies append.
    assertThat(loopback.client("6.6.6.6, 203.0.113.9, 127.0.0.1", "127.0.0.1"))
        .isEqualTo("203.0.113.9");
    assertThat(loopback.client("203.0.113.9", "127.0.0.1")).isEqualTo("203.0.113.9");
    assertThat(loopback.client("127.0.0.2, 127.0.0.1", "127.0.0.1")).isEqualTo("127.0.0.2");
    assertThat(loopback.client(" ", "127.0.0.1")).isEqualTo("127.0.0.1");
  }
}
