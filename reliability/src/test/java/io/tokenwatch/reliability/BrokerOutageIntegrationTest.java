package io.tokenwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.schemas.topic.Topics;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker stopped and restarted while tokens are requested back to back: the issuer refuses with
 * 503 while Kafka cannot take its events and hands out no token whose issuance event is not in the
 * log; the validator denies with {@code FEED_STALE} once its feed is older than its budget; after
 * the restart every component resumes by itself, and every revocation the issuer accepted, before,
 * during or after the outage, reaches the validator.
 */
@Tag("integration")
class BrokerOutageIntegrationTest {

  private static final Duration STALENESS = Duration.ofSeconds(3);
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final int REVOCATIONS_PER_PHASE = 5;

  @TempDir Path dataDir;

  @Test
  void shouldRefuseWhileTheBrokerIsDownAndResumeLosingNoEventAndNoRevocation() throws Exception {
    try (Pipeline pipeline = Pipeline.start(dataDir, STALENESS)) {
      String witness = firstToken(pipeline);
      List<String> validators = pipeline.validatorUrls();
      for (String validator : validators) {
        await()
            .atMost(WAIT)
            .until(
                () -> Pipeline.authorize(validator, witness).statusCode(), status -> status == 200);
      }

      List<String> revoked = new ArrayList<>();
      Map<String, Object> figures = new LinkedHashMap<>();
      IssuanceLoad load = new IssuanceLoad(pipeline);
      try {
        await().atMost(WAIT).until(() -> load.handedOutCount() >= 40);
        revoked.addAll(revokeSome(pipeline, load.handedOut().subList(0, 20), "before"));

        int handedOutBeforeOutage = load.handedOutCount();
        pipeline.stopBroker();
        await().atMost(WAIT).until(() -> load.unavailable() > 0);
        for (String validator : validators) {
          HttpResponse<String> stale =
              await()
                  .atMost(WAIT)
                  .until(
                      () -> Pipeline.authorize(validator, witness),
                      answer -> answer.statusCode() == 503);
          assertThat(stale.body()).contains("revocation feed stale");
        }
        int attemptedDuringOutage = 0;
        int acceptedDuringOutage = 0;
        for (String token : load.handedOut().subList(20, 20 + REVOCATIONS_PER_PHASE)) {
          attemptedDuringOutage++;
          HttpResponse<String> answer = pipeline.revokeToken(Pipeline.jti(token));
          assertThat(answer.statusCode()).as(answer.body()).isIn(202, 503);
          if (answer.statusCode() == 202) {
            acceptedDuringOutage++;
            revoked.add(token);
          }
        }
        int handedOutDuringOutage = load.handedOutCount() - handedOutBeforeOutage;
        long refusedDuringOutage = load.unavailable();

        pipeline.startBroker();
        int handedOutAtRestart = load.handedOutCount();
        await().atMost(WAIT).until(() -> load.handedOutCount() >= handedOutAtRestart + 40);
        for (String validator : validators) {
          await()
              .atMost(WAIT)
              .until(
                  () -> Pipeline.authorize(validator, witness).statusCode(),
                  status -> status == 200);
        }
        List<String> afterRestart =
            load.handedOut().subList(handedOutAtRestart, load.handedOutCount());
        revoked.addAll(
            revokeSome(pipeline, afterRestart.subList(0, REVOCATIONS_PER_PHASE * 2), "after"));

        figures.put("tokensHandedOutBeforeOutage", handedOutBeforeOutage);
        figures.put("tokensHandedOutBetweenStopAndRestart", handedOutDuringOutage);
        figures.put("refused503BetweenStopAndRestart", refusedDuringOutage);
        figures.put("revocationsAttemptedDuringOutage", attemptedDuringOutage);
        figures.put("revocationsAcceptedDuringOutage", acceptedDuringOutage);

        // The stream processes issuance again: a token issued after the restart is known to it.
        String fresh = afterRestart.get(afterRestart.size() - 1);
        await()
            .atMost(WAIT)
            .untilAsserted(
                () -> {
                  JsonNode answer = pipeline.introspect(fresh);
                  assertThat(answer).isNotNull();
                  assertThat(answer.get("active").asBoolean()).as(answer.toString()).isTrue();
                });
      } finally {
        load.close();
      }

      // Nothing lost: every token handed out has its issuance event in the log.
      List<String> handedOut = load.handedOut();
      Set<String> logged = new HashSet<>();
      TopicReader.readAll(
              pipeline.bootstrapServers(),
              pipeline.schemaRegistryUrl(),
              Topics.TOKEN_ISSUED.name(),
              TokenIssued.class)
          .forEach(r -> logged.add(r.key()));
      Set<String> handedOutIds = new HashSet<>();
      handedOut.forEach(token -> handedOutIds.add(Pipeline.jti(token)));
      Set<String> withoutEvent = new HashSet<>(handedOutIds);
      withoutEvent.removeAll(logged);
      assertThat(load.unexpected()).isEmpty();
      assertThat(withoutEvent).as("tokens handed out without an issuance event").isEmpty();

      // Every accepted revocation reaches every validator.
      int deniedAsRevoked = 0;
      for (String validator : validators) {
        for (String token : revoked) {
          HttpResponse<String> denied =
              await()
                  .atMost(WAIT)
                  .until(
                      () -> Pipeline.authorize(validator, token),
                      answer -> answer.statusCode() == 401);
          assertThat(denied.headers().firstValue("WWW-Authenticate").orElse(""))
              .contains("revoked");
          deniedAsRevoked++;
        }
      }
      assertThat(deniedAsRevoked).isEqualTo(revoked.size() * validators.size());

      figures.putAll(load.counts());
      figures.put("issuanceEventsInLog", logged.size());
      figures.put("tokensHandedOutWithoutEvent", withoutEvent.size());
      figures.put("revocationsAccepted", revoked.size());
      figures.put("validators", validators.size());
      figures.put("revocationDenialsAtValidators", deniedAsRevoked);
      Figures.record("broker outage", figures);
    }
  }

  private static String firstToken(Pipeline pipeline) {
    HttpResponse<String> issued =
        await().atMost(WAIT).until(pipeline::requestToken, answer -> answer.statusCode() == 200);
    return Pipeline.accessToken(issued);
  }

  /** Revokes every other token of {@code tokens}; each must be accepted. */
  private static List<String> revokeSome(Pipeline pipeline, List<String> tokens, String phase) {
    List<String> revoked = new ArrayList<>();
    for (int i = 0; i < tokens.size() && revoked.size() < REVOCATIONS_PER_PHASE; i += 2) {
      String token = tokens.get(i);
      // The issuer refuses admin calls (503) until its own copy of the feed has caught up.
      HttpResponse<String> answer =
          await()
              .atMost(WAIT)
              .until(
                  () -> pipeline.revokeToken(Pipeline.jti(token)),
                  response -> response.statusCode() != 503);
      assertThat(answer.statusCode())
          .as("revocation %s the outage: %s", phase, answer.body())
          .isEqualTo(202);
      revoked.add(token);
    }
    return revoked;
  }
}
