package io.tokenwatch.schemas;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.AccessRequestChanged;
import io.tokenwatch.events.AuditCheckpoint;
import io.tokenwatch.events.ConsentGranted;
import io.tokenwatch.events.ConsentWithdrawn;
import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.PolicyChanged;
import io.tokenwatch.events.RefreshGrantChanged;
import io.tokenwatch.events.Revocation;
import io.tokenwatch.events.RevocationRequested;
import io.tokenwatch.events.SecurityAlert;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.ValidatorStatus;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * The top-level event types that travel on Tokenwatch topics, with their Avro schemas. Shared types
 * such as {@code RevocationSelector} are not events: they only occur inside one.
 *
 * <p>The order is fixed (issuance, denial, use, revocation request, revocation, alert, refresh
 * grant change, audit checkpoint, consent granted, consent withdrawn, access request change, policy
 * change, validator status) so that catalogues and reports built from it are stable. Stateless and
 * thread-safe.
 */
public final class EventTypes {

  private static final Map<Class<? extends SpecificRecord>, Schema> SCHEMAS = schemas();

  private EventTypes() {}

  private static Map<Class<? extends SpecificRecord>, Schema> schemas() {
    Map<Class<? extends SpecificRecord>, Schema> schemas = new LinkedHashMap<>();
    schemas.put(TokenIssued.class, TokenIssued.getClassSchema());
    schemas.put(IssuanceDenied.class, IssuanceDenied.getClassSchema());
    schemas.put(TokenUsed.class, TokenUsed.getClassSchema());
    schemas.put(RevocationRequested.class, RevocationRequested.getClassSchema());
    schemas.put(Revocation.class, Revocation.getClassSchema());
    schemas.put(SecurityAlert.class, SecurityAlert.getClassSchema());
    schemas.put(RefreshGrantChanged.class, RefreshGrantChanged.getClassSchema());
    schemas.put(AuditCheckpoint.class, AuditCheckpoint.getClassSchema());
    schemas.put(ConsentGranted.class, ConsentGranted.getClassSchema());
    schemas.put(ConsentWithdrawn.class, ConsentWithdrawn.getClassSchema());
    schemas.put(AccessRequestChanged.class, AccessRequestChanged.getClassSchema());
    schemas.put(PolicyChanged.class, PolicyChanged.getClassSchema());
    schemas.put(ValidatorStatus.class, ValidatorStatus.getClassSchema());
    return Collections.unmodifiableMap(schemas);
  }

  /** The generated classes of every event type, in catalogue order; immutable. */
  public static List<Class<? extends SpecificRecord>> classes() {
    return List.copyOf(SCHEMAS.keySet());
  }

  /** The schemas of every event type, in catalogue order; immutable. */
  public static List<Schema> all() {
    return List.copyOf(SCHEMAS.values());
  }

  /**
   * The schema of one event type.
   *
   * @throws IllegalArgumentException if {@code type} is not one of {@link #classes()}
   */
  public static Schema schemaOf(Class<? extends SpecificRecord> type) {
    requireNonNull(type, "type");
    Schema schema = SCHEMAS.get(type);
    if (schema == null) {
      throw new IllegalArgumentException(type.getName() + " is not a Tokenwatch event type");
    }
    return schema;
  }

  /**
   * The event class whose schema has the full name {@code fullName} (e.g. {@code
   * io.tokenwatch.events.TokenIssued}), or empty if no event type has that name.
   */
  public static Optional<Class<? extends SpecificRecord>> forFullName(String fullName) {
    requireNonNull(fullName, "fullName");
    return SCHEMAS.entrySet().stream()
        .filter(entry -> entry.getValue().getFullName().equals(fullName))
        .<Class<? extends SpecificRecord>>map(Map.Entry::getKey)
        .findFirst();
  }
}
