package io.tokenwatch.issuer.consent;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.ConsentGranted;
import io.tokenwatch.events.ConsentWithdrawn;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The consents this issuer knows, built from {@code ConsentGranted} and {@code ConsentWithdrawn}
 * events in any order: a consent is in force when it was granted, has not been withdrawn and has
 * not expired. A withdrawal read before its grant is remembered, so the grant arriving later never
 * comes back to life (the two events live on two topics, read side by side). Thread-safe.
 */
public final class ConsentRegistry {

  private final Map<String, Consent> granted = new ConcurrentHashMap<>();
  private final Set<String> withdrawn = ConcurrentHashMap.newKeySet();

  /** Records a grant. */
  public void apply(ConsentGranted event) {
    requireNonNull(event, "event");
    granted.putIfAbsent(event.getConsentId(), Consent.of(event));
  }

  /** Records a withdrawal; final whatever else arrives. */
  public void apply(ConsentWithdrawn event) {
    requireNonNull(event, "event");
    withdrawn.add(event.getConsentId());
  }

  /** The consent of that id when it is in force at {@code now}. */
  public Optional<Consent> active(String consentId, Instant now) {
    requireNonNull(consentId, "consentId");
    Consent consent = granted.get(consentId);
    if (consent == null || withdrawn.contains(consentId) || !now.isBefore(consent.expiresAt())) {
      return Optional.empty();
    }
    return Optional.of(consent);
  }

  /** The consent of that id whatever its state, e.g. to withdraw it. */
  public Optional<Consent> known(String consentId) {
    return Optional.ofNullable(granted.get(requireNonNull(consentId, "consentId")));
  }

  /** Whether the consent was withdrawn. */
  public boolean withdrawn(String consentId) {
    return withdrawn.contains(consentId);
  }

  /** The person's consents in force at {@code now}, newest first. */
  public List<Consent> activeFor(String user, Instant now) {
    requireNonNull(user, "user");
    return granted.values().stream()
        .filter(consent -> consent.user().equals(user))
        .filter(consent -> active(consent.id(), now).isPresent())
        .sorted(Comparator.comparing(Consent::grantedAt).reversed())
        .toList();
  }
}
