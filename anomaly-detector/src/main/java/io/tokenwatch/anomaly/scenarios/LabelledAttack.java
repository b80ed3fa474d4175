package io.tokenwatch.anomaly.scenarios;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.Rule;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One scripted attack hidden in a {@link Labelled} workload, with what a true alert of it names.
 *
 * @param id unique within the workload, e.g. {@code stolen-service-token-spread-2}
 * @param story what the attacker does, in one sentence
 * @param expected the rules that must raise an alert on it (recall counts these)
 * @param alsoTrue further rules whose alerts on it are true alerts too, though not required (a
 *     token replayed from a foreign network may also be seen as spread)
 * @param tokenId the token a true alert names, or null when the rule fires on no token
 * @param grantId the grant a true alert names, or null
 * @param subject the subject a true alert names, or null
 * @param clientId the client a true alert names, or null
 * @param from the first event of the attack
 * @param to the last event of the attack
 * @param events how many events the attack added to the workload
 */
public record LabelledAttack(
    String id,
    String story,
    Set<Rule> expected,
    Set<Rule> alsoTrue,
    @Nullable String tokenId,
    @Nullable String grantId,
    @Nullable String subject,
    @Nullable String clientId,
    Instant from,
    Instant to,
    int events) {

  /**
   * How far outside {@code [from, to]} an alert of the attack may start or end: a rule that counts
   * over a window may name the window's first event, and a tally is handed on up to a bucket late.
   */
  public static final Duration SLACK = Duration.ofMinutes(10);

  public LabelledAttack {
    requireNonNull(id, "id");
    requireNonNull(story, "story");
    expected = Set.copyOf(EnumSet.copyOf(requireNonNull(expected, "expected")));
    alsoTrue = Set.copyOf(alsoTrue);
    requireNonNull(from, "from");
    requireNonNull(to, "to");
    if (expected.isEmpty()) {
      throw new IllegalArgumentException("an attack must expect at least one rule: " + id);
    }
    if (tokenId == null && grantId == null && subject == null && clientId == null) {
      throw new IllegalArgumentException("an attack must name what its alerts fire on: " + id);
    }
    if (to.isBefore(from)) {
      throw new IllegalArgumentException("attack " + id + " ends before it starts");
    }
    if (events < 1) {
      throw new IllegalArgumentException("attack " + id + " has no event");
    }
  }

  /**
   * Whether {@code alert} is an alert of this attack: a rule it expects or allows, the same
   * identities (every identity both name is equal, and at least one is named by both), and a time
   * span overlapping the attack's widened by {@link #SLACK}.
   */
  public boolean matches(Detection alert) {
    requireNonNull(alert, "alert");
    if (!expected.contains(alert.rule()) && !alsoTrue.contains(alert.rule())) {
      return false;
    }
    int shared = 0;
    for (String[] pair :
        new String[][] {
          {tokenId, alert.tokenId()},
          {grantId, alert.grantId()},
          {subject, alert.subject()},
          {clientId, alert.clientId()}
        }) {
      if (pair[0] != null && pair[1] != null) {
        if (!Objects.equals(pair[0], pair[1])) {
          return false;
        }
        shared++;
      }
    }
    return shared > 0
        && !alert.lastSeen().isBefore(from.minus(SLACK))
        && !alert.firstSeen().isAfter(to.plus(SLACK));
  }
}
