package io.tokenwatch.anomaly.scenarios;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.UseDenyReason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * Ordinary traffic of one subject through one client: a token every {@link #ROTATION}, lasting
 * {@link #TTL}, all of one refresh grant, used about every {@link #MEAN_USE_GAP} from two addresses
 * of one /24 network. With {@code noise}, the expected denials of real traffic: at most one
 * insufficient-scope denial and one expired straggler per token, and now and then an admin
 * revocation after which the subject moves on to a fresh token.
 */
final class SubjectTraffic {

  static final Duration TTL = Duration.ofMinutes(10);
  static final Duration ROTATION = Duration.ofMinutes(8);
  static final Duration MEAN_USE_GAP = Duration.ofSeconds(3);

  final String client;
  final String subject;
  final List<String> scopes;
  final String network;
  final String grantId;
  final List<Input> inputs = new ArrayList<>();
  @Nullable String tokenId;
  Instant issuedAt = Instant.EPOCH;
  private int tokens;

  SubjectTraffic(String client, String subject, List<String> scopes, String network) {
    this.client = client;
    this.subject = subject;
    this.scopes = List.copyOf(scopes);
    this.network = network;
    this.grantId = "grant-" + subject;
  }

  /** The address this subject normally calls from ({@code host} 10 or 11). */
  String home(int host) {
    return network + "." + host;
  }

  /** Generates ordinary traffic from {@code from} until {@code to}. */
  void run(EventFactory events, Random random, Instant from, Instant to, boolean noise) {
    Instant t = from;
    boolean scopeDenied = false;
    while (t.isBefore(to)) {
      if (tokenId == null || !t.isBefore(issuedAt.plus(ROTATION))) {
        Instant previousExpiry = issuedAt.plus(TTL);
        String previous = tokenId;
        issue(events, t);
        scopeDenied = false;
        if (noise && previous != null && random.nextDouble() < 0.2) {
          // A straggler request with the old token after it expired: denied once.
          Instant late = previousExpiry.plusSeconds(1 + random.nextInt(30));
          if (late.isBefore(to)) {
            inputs.add(
                events.used(
                    use(previous, late, previousExpiry, random).denied(UseDenyReason.EXPIRED)));
          }
        }
      }
      String current = requireNonNull(tokenId, "issued above");
      EventFactory.Use use = use(current, t, issuedAt.plus(TTL), random);
      if (noise && !scopeDenied && random.nextDouble() < 0.004) {
        scopeDenied = true;
        use.denied(UseDenyReason.INSUFFICIENT_SCOPE).scopes(List.of("admin:write"), scopes);
      }
      inputs.add(events.used(use));
      if (noise && random.nextDouble() < 0.0005) {
        Instant at = t.plusMillis(200);
        inputs.add(
            events.requested(
                SelectorKind.TOKEN, current, RevocationReason.ADMIN, "admin@example", at));
        inputs.add(
            events.revocation(
                SelectorKind.TOKEN,
                current,
                RevocationReason.ADMIN,
                at.plusMillis(20),
                issuedAt.plus(TTL)));
        issuedAt = Instant.EPOCH; // move on to a fresh token at the next use
        tokenId = null;
        t = at.plusSeconds(1);
        continue;
      }
      t = t.plusMillis(nextGap(random));
    }
  }

  void issue(EventFactory events, Instant at) {
    tokens++;
    tokenId = subject + "-t" + tokens;
    issuedAt = at;
    inputs.add(
        events.issued(
            tokenId,
            subject,
            client,
            grantId,
            scopes,
            at,
            TTL,
            tokens % 5 == 0 ? 10_000 : null,
            tokens == 1 ? GrantType.CLIENT_CREDENTIALS : GrantType.REFRESH_TOKEN));
  }

  EventFactory.Use use(String token, Instant at, Instant expiresAt, Random random) {
    return new EventFactory.Use(token, subject, client, at)
        .from(home(10 + random.nextInt(2)))
        .by("gateway-" + (1 + random.nextInt(3)))
        .scopes(List.of(scopes.get(0)), scopes)
        .token(expiresAt, grantId);
  }

  private static long nextGap(Random random) {
    double u = Math.max(1e-9, random.nextDouble());
    return Math.max(50, (long) (-Math.log(u) * MEAN_USE_GAP.toMillis()));
  }
}
