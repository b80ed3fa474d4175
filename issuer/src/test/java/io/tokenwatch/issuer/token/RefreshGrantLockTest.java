package io.tokenwatch.issuer.token;

import static io.tokenwatch.issuer.testkit.TestIssuer.AGENT;
import static io.tokenwatch.issuer.testkit.TestIssuer.AGENT_SECRET;
import static io.tokenwatch.issuer.testkit.TestIssuer.basic;
import static io.tokenwatch.issuer.testkit.TestIssuer.form;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.issuer.PresentedCredentials;
import io.tokenwatch.issuer.policy.OAuthError;
import io.tokenwatch.issuer.testkit.Dpop;
import io.tokenwatch.issuer.testkit.Json;
import io.tokenwatch.issuer.testkit.TestIssuer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two presentations of one refresh token at once are a rotation and a reuse, never two rotations:
 * the refresh reads, judges and rotates a grant's state holding that grant's lock.
 */
class RefreshGrantLockTest {

  @TempDir Path dir;
  TestIssuer issuer;
  Dpop key;
  ExecutorService threads;

  @BeforeEach
  void start() {
    issuer = new TestIssuer(dir);
    key = new Dpop();
    threads = Executors.newFixedThreadPool(2);
  }

  @AfterEach
  void stop() throws InterruptedException {
    threads.shutdownNow();
    threads.awaitTermination(10, TimeUnit.SECONDS);
    issuer.close();
  }

  @Test
  void shouldLetASecondPresentationReadTheGrantOnlyAfterTheFirstHasRotatedIt() throws Exception {
    String refreshToken = exchangedRefreshToken();
    String grantId = refreshToken.split("\\.")[1];
    AtomicInteger reads = new AtomicInteger();
    AtomicLong firstReader = new AtomicLong(-1);
    CountDownLatch firstInside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    issuer.grants.onRead =
        id -> {
          if (id.equals(grantId) && reads.incrementAndGet() == 1) {
            firstReader.set(Thread.currentThread().getId());
            firstInside.countDown();
            awaitQuietly(release);
          }
        };
    AtomicLong secondThread = new AtomicLong(-1);

    Future<TokenResponse> first = threads.submit(() -> refresh(refreshToken));
    assertThat(firstInside.await(10, TimeUnit.SECONDS)).isTrue();
    Future<TokenResponse> second =
        threads.submit(
            () -> {
              secondThread.set(Thread.currentThread().getId());
              return refresh(refreshToken);
            });
    // Either the second presentation waits for the lock the first one holds, or (without the
    // lock) it reads the grant state while the first is still judging it.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> reads.get() > 1 || lockOwner(secondThread.get()) == firstReader.get());

    assertThat(reads.get()).as("reads of the grant while the first rotation runs").isEqualTo(1);
    assertThat(lockOwner(secondThread.get())).isEqualTo(firstReader.get());
    release.countDown();
    List<TokenResponse> answers =
        List.of(first.get(10, TimeUnit.SECONDS), second.get(10, TimeUnit.SECONDS));

    assertThat(answers).filteredOn(TokenResponse.Issued.class::isInstance).hasSize(1);
    assertThat(answers)
        .filteredOn(TokenResponse.Refused.class::isInstance)
        .singleElement()
        .extracting(answer -> ((TokenResponse.Refused) answer).error())
        .isEqualTo(OAuthError.INVALID_GRANT);
    assertThat(issuer.recorded().lastDenied().getReason())
        .isEqualTo(IssuanceDenyReason.REFRESH_TOKEN_REUSE);
    assertThat(issuer.recorded().requests)
        .singleElement()
        .satisfies(
            request -> {
              assertThat(request.getReason()).isEqualTo(RevocationReason.REFRESH_TOKEN_REUSE);
              assertThat(request.getSelector().getValue()).isEqualTo(grantId);
            });
  }

  private String exchangedRefreshToken() {
    Map<String, String> headers = new HashMap<>(basic(AGENT, AGENT_SECRET));
    headers.put("DPoP", key.proof("POST", TestIssuer.tokenEndpoint(), issuer.clock.instant()));
    HttpResponse<String> exchanged =
        issuer.postForm(
            "/oauth2/token",
            form(
                "grant_type",
                TokenService.TOKEN_EXCHANGE,
                "subject_token",
                issuer.ordersServiceToken("orders:read"),
                "subject_token_type",
                TokenService.ACCESS_TOKEN_TYPE),
            headers);
    assertThat(exchanged.statusCode()).as(exchanged.body()).isEqualTo(200);
    return Json.field(exchanged.body(), "refresh_token");
  }

  private TokenResponse refresh(String refreshToken) {
    return issuer.service.token(
        new TokenRequest(
            Map.of("grant_type", "refresh_token", "refresh_token", refreshToken),
            List.of(),
            new PresentedCredentials(AGENT, AGENT_SECRET, true, null),
            key.proof("POST", TestIssuer.tokenEndpoint(), issuer.clock.instant()),
            TestIssuer.tokenEndpoint(),
            "127.0.0.1"));
  }

  /** The thread that holds the monitor or lock {@code threadId} is blocked on, or -1. */
  private static long lockOwner(long threadId) {
    if (threadId < 0) {
      return -1;
    }
    ThreadInfo info = ManagementFactory.getThreadMXBean().getThreadInfo(threadId);
    return info == null ? -1 : info.getLockOwnerId();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test never released the first reader");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
