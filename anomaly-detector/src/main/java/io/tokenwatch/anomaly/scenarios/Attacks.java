package io.tokenwatch.anomaly.scenarios;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.Rule;
import io.tokenwatch.anomaly.kafka.AnomalyDetectorConfig;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.UseDenyReason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * One attack per rule (several for SCOPE_ESCALATION and UNFAMILIAR_CLIENT, which have several
 * conditions), each by its own client and subject. Every attack brings ordinary warm-up traffic of
 * its subject from the start until the attack time, so baselines and learned networks exist; the
 * attack itself follows. Run with {@link #settings()}.
 */
public final class Attacks {

  /** How long after the start of the traffic the attacks begin. */
  public static final Duration ATTACK_AFTER = Duration.ofMinutes(20);

  private Attacks() {}

  /**
   * The thresholds the scenarios are written for: the defaults, with learning periods and the usage
   * baseline history short enough for tens of minutes of traffic.
   */
  public static Map<String, Object> settings() {
    return Map.of(
        AnomalyDetectorConfig.NETWORK_LEARNING_MS, Duration.ofMinutes(5).toMillis(),
        AnomalyDetectorConfig.SCOPE_LEARNING_MS, Duration.ofMinutes(5).toMillis(),
        AnomalyDetectorConfig.SPIKE_MIN_HISTORY, 10);
  }

  /** Every attack, starting {@link #ATTACK_AFTER} after {@code start}. */
  public static List<Attack> all(long seed, Instant start) {
    List<Attack> attacks = new ArrayList<>();
    int i = 0;
    for (Map.Entry<String, BiFunction<Context, Instant, List<Expected>>> attack :
        List.<Map.Entry<String, BiFunction<Context, Instant, List<Expected>>>>of(
            Map.entry("scope-escalation-token", Attacks::insufficientScope),
            Map.entry("scope-escalation-refusals", Attacks::refusals),
            Map.entry("scope-escalation-refresh", Attacks::refreshWidening),
            Map.entry("scope-escalation-baseline", Attacks::broaderGrant),
            Map.entry("unfamiliar-client-presenter", Attacks::otherPresenter),
            Map.entry("unfamiliar-client-network", Attacks::newNetwork),
            Map.entry("replay-after-revocation", Attacks::replay),
            Map.entry("use-after-expiry", Attacks::expired),
            Map.entry("token-spread", Attacks::spread),
            Map.entry("usage-spike", Attacks::spike),
            Map.entry("refresh-token-reuse", Attacks::refreshReuse),
            Map.entry("max-use-overshoot", Attacks::overshoot))) {
      Context context = new Context(attack.getKey(), seed + 31L * i, i);
      Instant attackAt = start.plus(ATTACK_AFTER).plusSeconds(60L * i);
      context.subject.run(context.events, context.random, start, attackAt, false);
      List<Expected> expected = attack.getValue().apply(context, attackAt);
      List<Input> inputs = new ArrayList<>(context.subject.inputs);
      inputs.sort(Comparator.comparing(Input::at));
      attacks.add(new Attack(attack.getKey(), inputs, expected));
      i++;
    }
    return attacks;
  }

  /** One attacker: its own client, subject and network. */
  private static final class Context {
    final EventFactory events;
    final Random random;
    final SubjectTraffic subject;

    Context(String name, long seed, int index) {
      this.events = new EventFactory(seed);
      this.random = new Random(seed);
      this.subject =
          new SubjectTraffic(
              "app-" + name,
              "victim-" + name,
              List.of("orders:read", "orders:write"),
              "172.16." + index);
    }

    String token() {
      return requireNonNull(subject.tokenId, "token");
    }

    void add(Input input) {
      subject.inputs.add(input);
    }

    EventFactory.Use use(Instant at) {
      return subject.use(token(), at, subject.issuedAt.plus(SubjectTraffic.TTL), random);
    }

    /**
     * The victim's ordinary traffic for some minutes after the attack, past the window in which a
     * new network is watched before it alerts.
     */
    void victimCarriesOn(Instant attackAt) {
      subject.run(
          events, random, attackAt.plusSeconds(20), attackAt.plus(Duration.ofMinutes(7)), false);
    }

    Expected expect(Rule rule, boolean withToken) {
      return new Expected(rule, subject.subject, withToken ? token() : null);
    }
  }

  /** One token probing for scopes it lacks: a different one each time. */
  private static List<Expected> insufficientScope(Context c, Instant at) {
    List<String> probes = List.of("admin:write", "billing:read", "users:delete");
    for (int k = 0; k < 3; k++) {
      c.add(
          c.events.used(
              c.use(at.plusSeconds(10L * k))
                  .denied(UseDenyReason.INSUFFICIENT_SCOPE)
                  .scopes(List.of(probes.get(k)), c.subject.scopes)));
    }
    return List.of(c.expect(Rule.SCOPE_ESCALATION, true));
  }

  private static List<Expected> refusals(Context c, Instant at) {
    for (int k = 0; k < 3; k++) {
      c.add(
          c.events.denied(
              c.subject.client,
              c.subject.subject,
              IssuanceDenyReason.SCOPE_NOT_APPROVED,
              GrantType.CLIENT_CREDENTIALS,
              List.of("orders:read", "admin:write"),
              c.subject.scopes,
              null,
              at.plusSeconds(20L * k)));
    }
    return List.of(c.expect(Rule.SCOPE_ESCALATION, false));
  }

  private static List<Expected> refreshWidening(Context c, Instant at) {
    c.add(
        c.events.denied(
            c.subject.client,
            c.subject.subject,
            IssuanceDenyReason.DELEGATION_WIDENS_SCOPE,
            GrantType.REFRESH_TOKEN,
            List.of("orders:read", "orders:write", "admin:write"),
            c.subject.scopes,
            c.subject.grantId,
            at));
    return List.of(c.expect(Rule.SCOPE_ESCALATION, false));
  }

  private static List<Expected> broaderGrant(Context c, Instant at) {
    String token = c.subject.subject + "-broad";
    c.add(
        c.events.issued(
            token,
            c.subject.subject,
            c.subject.client,
            c.subject.grantId,
            List.of("orders:read", "orders:write", "admin:write"),
            at,
            SubjectTraffic.TTL,
            null,
            GrantType.REFRESH_TOKEN));
    return List.of(new Expected(Rule.SCOPE_ESCALATION, c.subject.subject, token));
  }

  private static List<Expected> otherPresenter(Context c, Instant at) {
    c.add(c.events.used(c.use(at).presentedBy("someone-else")));
    return List.of(c.expect(Rule.UNFAMILIAR_CLIENT, true));
  }

  private static List<Expected> newNetwork(Context c, Instant at) {
    c.add(c.events.used(c.use(at).from("203.0.113.7")));
    List<Expected> expected = List.of(c.expect(Rule.UNFAMILIAR_CLIENT, true));
    c.victimCarriesOn(at);
    return expected;
  }

  private static List<Expected> replay(Context c, Instant at) {
    String stolen = c.token();
    Instant expires = c.subject.issuedAt.plus(SubjectTraffic.TTL);
    c.add(
        c.events.requested(
            SelectorKind.TOKEN, stolen, RevocationReason.ADMIN, "admin@example", at));
    c.add(
        c.events.revocation(
            SelectorKind.TOKEN, stolen, RevocationReason.ADMIN, at.plusMillis(20), expires));
    c.add(c.events.used(c.use(at.plusSeconds(30)).denied(UseDenyReason.REVOKED)));
    return List.of(new Expected(Rule.REPLAY_AFTER_REVOCATION, c.subject.subject, stolen));
  }

  private static List<Expected> expired(Context c, Instant at) {
    Instant expiry = c.subject.issuedAt.plus(SubjectTraffic.TTL);
    Instant first = (expiry.isAfter(at) ? expiry : at).plusSeconds(5);
    for (int k = 0; k < 5; k++) {
      c.add(c.events.used(c.use(first.plusSeconds(15L * k)).denied(UseDenyReason.EXPIRED)));
    }
    return List.of(c.expect(Rule.USE_AFTER_EXPIRY, true));
  }

  /**
   * The victim's token used, besides from home, from two other networks (three addresses) within
   * seconds: spread, and each foreign network unfamiliar for the client.
   */
  private static List<Expected> spread(Context c, Instant at) {
    List<String> foreign = List.of("198.51.100.20", "198.51.100.21", "203.0.113.22");
    for (int k = 0; k < foreign.size(); k++) {
      c.add(c.events.used(c.use(at.plusSeconds(5L * k)).from(foreign.get(k))));
    }
    List<Expected> expected =
        List.of(
            c.expect(Rule.TOKEN_SPREAD, true),
            c.expect(Rule.UNFAMILIAR_CLIENT, true),
            c.expect(Rule.UNFAMILIAR_CLIENT, true));
    c.victimCarriesOn(at);
    return expected;
  }

  private static List<Expected> spike(Context c, Instant at) {
    Instant bucket = Instant.ofEpochMilli(at.toEpochMilli() / 60_000 * 60_000).plusSeconds(60);
    for (int k = 0; k < 400; k++) {
      c.add(c.events.used(c.use(bucket.plusMillis(100L * k)).from(c.subject.home(10))));
    }
    return List.of(new Expected(Rule.USAGE_SPIKE, "client:" + c.subject.client, null));
  }

  private static List<Expected> refreshReuse(Context c, Instant at) {
    c.add(
        c.events.requested(
            SelectorKind.GRANT,
            c.subject.grantId,
            RevocationReason.REFRESH_TOKEN_REUSE,
            "refresh:" + c.subject.client,
            at));
    return List.of(new Expected(Rule.REFRESH_TOKEN_REUSE, c.subject.subject, null));
  }

  private static List<Expected> overshoot(Context c, Instant at) {
    String token = c.subject.subject + "-limited";
    c.add(
        c.events.issued(
            token,
            c.subject.subject,
            c.subject.client,
            c.subject.grantId,
            c.subject.scopes,
            at,
            SubjectTraffic.TTL,
            5,
            GrantType.REFRESH_TOKEN));
    for (int k = 0; k < 7; k++) {
      c.add(
          c.events.used(
              new EventFactory.Use(
                      token, c.subject.subject, c.subject.client, at.plusSeconds(1 + k))
                  .from(c.subject.home(10))
                  .by("gateway-" + (1 + k % 2))
                  .scopes(List.of("orders:read"), c.subject.scopes)
                  .limits(5, k / 2 + 1)
                  .token(at.plus(SubjectTraffic.TTL), c.subject.grantId)));
    }
    return List.of(new Expected(Rule.MAX_USE_OVERSHOOT, c.subject.subject, token));
  }
}
