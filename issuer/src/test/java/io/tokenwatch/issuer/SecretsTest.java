package io.tokenwatch.issuer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class SecretsTest {

  @Test
  void shouldMakeVersion4IetfVariantUuids() {
    for (int i = 0; i < 1000; i++) {
      UUID uuid = Secrets.randomUuid();
      assertThat(uuid.version()).isEqualTo(4);
      assertThat(uuid.variant()).isEqualTo(2);
      assertThat(UUID.fromString(uuid.toString())).isEqualTo(uuid);
    }
  }

  @Test
  void shouldNotRepeatUuidsAcrossThreads() throws Exception {
    Set<UUID> seen = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      Set<Future<?>> done = new HashSet<>();
      for (int t = 0; t < 4; t++) {
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 10_000; i++) {
                    seen.add(Secrets.randomUuid());
                  }
                }));
      }
      for (Future<?> future : done) {
        future.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(seen).hasSize(40_000);
  }

  @Test
  void shouldMakeDistinctSecretsThatMatchTheirHash() {
    String a = Secrets.newSecret();
    String b = Secrets.newSecret();
    assertThat(a).hasSize(43).isNotEqualTo(b);
    assertThat(Secrets.matches(a, Secrets.hash(a))).isTrue();
    assertThat(Secrets.matches(b, Secrets.hash(a))).isFalse();
  }
}
