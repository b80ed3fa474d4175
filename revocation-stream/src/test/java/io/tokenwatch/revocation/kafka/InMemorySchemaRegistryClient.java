package io.tokenwatch.revocation.kafka;

import io.tokenwatch.schemas.compat.CompatibilityLevel;
import io.tokenwatch.schemas.registry.CompatibilityResult;
import io.tokenwatch.schemas.registry.RegisteredSchema;
import io.tokenwatch.schemas.registry.SchemaRegistryClient;
import io.tokenwatch.schemas.registry.SchemaRegistryException;
import io.tokenwatch.schemas.registry.SchemaRegistryUnavailableException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.jspecify.annotations.Nullable;

/**
 * A registry in memory for serde tests: no compatibility checks, ids assigned in order from {@link
 * #nextId}, every call counted, and a switch to simulate an outage.
 */
public final class InMemorySchemaRegistryClient implements SchemaRegistryClient {
  private final Map<String, List<RegisteredSchema>> subjects = new LinkedHashMap<>();
  private final Map<Integer, Schema> byId = new LinkedHashMap<>();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private int nextId = 1;
  private volatile boolean down;
  private volatile @Nullable SchemaRegistryException refusal;

  /** The id the next new schema gets. */
  public synchronized void nextId(int id) {
    this.nextId = id;
  }

  /** Makes every call fail as if the registry were unreachable. */
  public void down(boolean down) {
    this.down = down;
  }

  /** Makes every call fail with {@code refusal} (null to stop). */
  public void refuse(@Nullable SchemaRegistryException refusal) {
    this.refusal = refusal;
  }

  /** How often {@code method} was called. */
  public int calls(String method) {
    AtomicInteger count = calls.get(method);
    return count == null ? 0 : count.get();
  }

  /** Calls of every method together. */
  public int totalCalls() {
    return calls.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  private void enter(String method) {
    calls.computeIfAbsent(method, m -> new AtomicInteger()).incrementAndGet();
    if (down) {
      throw new SchemaRegistryUnavailableException(
          SchemaRegistryUnavailableException.NO_RESPONSE, method + ": registry is down", null);
    }
    SchemaRegistryException e = refusal;
    if (e != null) {
      throw e;
    }
  }

  @Override
  public synchronized int register(String subject, Schema schema) {
    enter("register");
    List<RegisteredSchema> versions = subjects.computeIfAbsent(subject, s -> new ArrayList<>());
    for (RegisteredSchema version : versions) {
      if (version.schema().equals(schema)) {
        return version.id();
      }
    }
    Integer id = idOf(schema);
    if (id == null) {
      id = nextId++;
      byId.put(id, schema);
    }
    versions.add(new RegisteredSchema(subject, versions.size() + 1, id, schema));
    return id;
  }

  private @Nullable Integer idOf(Schema schema) {
    for (Map.Entry<Integer, Schema> entry : byId.entrySet()) {
      if (entry.getValue().equals(schema)) {
        return entry.getKey();
      }
    }
    return null;
  }

  @Override
  public synchronized Schema getById(int id) {
    enter("getById");
    Schema schema = byId.get(id);
    if (schema == null) {
      throw new SchemaRegistryException(404, 40403, "Schema " + id + " not found");
    }
    return schema;
  }

  @Override
  public synchronized RegisteredSchema getLatest(String subject) {
    enter("getLatest");
    List<RegisteredSchema> versions = versionsOf(subject);
    return versions.get(versions.size() - 1);
  }

  @Override
  public synchronized RegisteredSchema lookup(String subject, Schema schema) {
    enter("lookup");
    for (RegisteredSchema version : versionsOf(subject)) {
      if (version.schema().equals(schema)) {
        return version;
      }
    }
    throw new SchemaRegistryException(404, 40403, "Schema not found");
  }

  private List<RegisteredSchema> versionsOf(String subject) {
    List<RegisteredSchema> versions = subjects.get(subject);
    if (versions == null || versions.isEmpty()) {
      throw new SchemaRegistryException(404, 40401, "Subject '" + subject + "' not found.");
    }
    return versions;
  }

  @Override
  public synchronized List<String> subjects() {
    enter("subjects");
    return List.copyOf(subjects.keySet());
  }

  @Override
  public synchronized List<Integer> versions(String subject) {
    enter("versions");
    return versionsOf(subject).stream().map(RegisteredSchema::version).toList();
  }

  @Override
  public CompatibilityResult testCompatibility(String subject, Schema schema) {
    enter("testCompatibility");
    return new CompatibilityResult(true, List.of());
  }

  @Override
  public CompatibilityLevel globalCompatibility() {
    enter("globalCompatibility");
    return CompatibilityLevel.BACKWARD;
  }

  @Override
  public void setGlobalCompatibility(CompatibilityLevel level) {
    enter("setGlobalCompatibility");
  }

  @Override
  public Optional<CompatibilityLevel> subjectCompatibility(String subject) {
    enter("subjectCompatibility");
    return Optional.empty();
  }

  @Override
  public void setSubjectCompatibility(String subject, CompatibilityLevel level) {
    enter("setSubjectCompatibility");
  }
}
