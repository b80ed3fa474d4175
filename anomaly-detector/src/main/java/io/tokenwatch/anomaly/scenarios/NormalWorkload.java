package io.tokenwatch.anomaly.scenarios;

import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDecision;
import io.tokenwatch.events.UseDenyReason;
import io.tokenwatch.schemas.topic.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * A seeded synthetic normal workload: {@value #CLIENTS} clients with {@value #SUBJECTS_PER_CLIENT}
 * subjects each, tokens rotated by refresh, ordinary use rates from stable networks, and the
 * denials real traffic has (an occasional insufficient scope, an expired straggler, a scope request
 * beyond policy, an unparseable token, an admin revocation). It should raise no alert.
 */
public final class NormalWorkload {

  public static final int CLIENTS = 40;
  public static final int SUBJECTS_PER_CLIENT = 5;

  private static final List<String> SCOPE_POOL =
      List.of("orders:read", "orders:write", "invoices:read", "profile:read", "reports:read");

  private NormalWorkload() {}

  /** Uses per minute the whole workload produces, on average. */
  public static double usesPerMinute() {
    return CLIENTS * SUBJECTS_PER_CLIENT * (60_000.0 / SubjectTraffic.MEAN_USE_GAP.toMillis());
  }

  /** The event time {@link #generate} needs for {@code events} events. */
  public static Duration durationFor(int events) {
    return Duration.ofMillis((long) (events / usesPerMinute() * 60_000 * 1.05) + 60_000);
  }

  /**
   * At least {@code minEvents} events from {@code start} on, in time order.
   *
   * @param seed the same seed gives the same events
   */
  public static List<Input> generate(long seed, int minEvents, Instant start) {
    Random random = new Random(seed);
    EventFactory events = new EventFactory(seed ^ 0x5DEECE66DL);
    Instant end = start.plus(durationFor(minEvents));
    List<Input> all = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      String client = String.format("client-%02d", c);
      List<String> scopes = new ArrayList<>();
      for (String scope : SCOPE_POOL) {
        if (scopes.isEmpty() || random.nextInt(3) == 0) {
          scopes.add(scope);
        }
      }
      for (int s = 0; s < SUBJECTS_PER_CLIENT; s++) {
        SubjectTraffic subject =
            new SubjectTraffic(
                client, String.format("user-%02d-%d", c, s), scopes, "10." + (c + 1) + "." + s);
        subject.run(
            events, random, start.plusMillis(random.nextInt(60_000)), end, /* noise= */ true);
        all.addAll(subject.inputs);
      }
      // Now and then a request for a scope beyond policy: at most one per client per 6 minutes.
      for (Instant t = start.plusSeconds(random.nextInt(360));
          t.isBefore(end);
          t = t.plus(Duration.ofMinutes(6))) {
        if (random.nextDouble() < 0.3) {
          all.add(
              events.denied(
                  client,
                  null,
                  IssuanceDenyReason.SCOPE_NOT_APPROVED,
                  GrantType.CLIENT_CREDENTIALS,
                  List.of(scopes.get(0), "admin:write"),
                  scopes,
                  null,
                  t));
        }
      }
    }
    // Tokens a validator could not parse: no token id, no client.
    for (Instant t = start.plusSeconds(7); t.isBefore(end); t = t.plusSeconds(41)) {
      TokenUsed malformed =
          TokenUsed.newBuilder()
              .setEventId(events.id())
              .setOccurredAt(t)
              .setValidatorId("gateway-1")
              .setResource("GET /items")
              .setRequiredScopes(List.of("orders:read"))
              .setTokenScopes(List.of())
              .setDecision(UseDecision.DENIED)
              .setDenyReason(UseDenyReason.MALFORMED)
              .setSourceAddress("198.51.100." + (t.getEpochSecond() % 200))
              .setUseCount(0)
              .build();
      all.add(new Input(Topics.TOKEN_USED.name(), "", malformed, t));
    }
    all.sort(Comparator.comparing(Input::at));
    return all;
  }
}
