package io.tokenwatch.embedded.registry;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.schemas.compat.CompatibilityChecker;
import io.tokenwatch.schemas.compat.CompatibilityLevel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.jspecify.annotations.Nullable;

/**
 * The registry's rules, free of HTTP: subjects, versions, global schema ids, compatibility levels
 * and their enforcement. State is rebuilt from a {@link SchemaLog} when constructed; every change
 * is appended to the log first and applied to memory only once the log has it, so an answer never
 * reports a change that a restart would lose.
 *
 * <p>Thread-safe: one lock serialises every operation, which is what makes id and version
 * allocation race-free. Writers hold it while the log appends; an embedded registry sees few
 * writes, so simplicity wins over concurrency here.
 */
final class SchemaRegistryService {

  static final CompatibilityLevel DEFAULT_LEVEL = CompatibilityLevel.BACKWARD;
  private static final String AVRO = "AVRO";

  /** A schema registered under a subject, as the REST API shows it. */
  record RegisteredSchema(String subject, int version, int id, String schema) {
    RegisteredSchema {
      requireNonNull(subject, "subject");
      requireNonNull(schema, "schema");
    }
  }

  /** One place a schema id is used: a subject and the version there. */
  record SubjectVersion(String subject, int version) {
    SubjectVersion {
      requireNonNull(subject, "subject");
    }
  }

  private final Object lock = new Object();
  private final SchemaLog log;

  // All guarded by lock.
  private final Map<Integer, String> schemaById = new HashMap<>();
  private final Map<String, Integer> idByCanonical = new HashMap<>();
  private final Map<String, TreeMap<Integer, StoreRecord.SchemaVersion>> subjects = new TreeMap<>();
  private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
  private CompatibilityLevel globalLevel = DEFAULT_LEVEL;
  private int maxId;

  /**
   * Rebuilds the registry from everything in {@code log}.
   *
   * @throws SchemaLogException if the log cannot be read
   */
  SchemaRegistryService(SchemaLog log) {
    this.log = requireNonNull(log, "log");
    synchronized (lock) {
      for (StoreRecord record : log.replay()) {
        apply(record);
      }
    }
  }

  /**
   * Registers {@code schemaText} under {@code subject}, or finds it there already.
   *
   * @return the schema's global id: the existing one when this schema (in canonical form) is
   *     registered anywhere already
   * @throws RegistryException 42201 when the schema is invalid, 409 when incompatible with the
   *     subject's versions at its level, 50001 when the log fails
   */
  int register(String subject, @Nullable String schemaText, @Nullable String schemaType) {
    Schema candidate = parse(schemaText, schemaType);
    String canonical = candidate.toString();
    synchronized (lock) {
      NavigableMap<Integer, StoreRecord.SchemaVersion> versions = subjects.get(subject);
      if (versions != null) {
        for (StoreRecord.SchemaVersion existing : versions.values()) {
          if (!existing.deleted() && existing.schema().equals(canonical)) {
            return existing.id();
          }
        }
      }
      List<String> problems = check(candidate, liveSchemas(subject), levelOf(subject));
      if (!problems.isEmpty()) {
        throw new RegistryException(
            RegistryError.INCOMPATIBLE_SCHEMA,
            "Schema being registered is incompatible with an earlier schema for subject \""
                + subject
                + "\", details: "
                + problems);
      }
      Integer known = idByCanonical.get(canonical);
      int id = known != null ? known : maxId + 1;
      int version = versions == null || versions.isEmpty() ? 1 : versions.lastKey() + 1;
      write(new StoreRecord.SchemaVersion(subject, version, id, canonical, false));
      return id;
    }
  }

  /**
   * Finds {@code schemaText} among the versions of {@code subject}.
   *
   * @throws RegistryException 40401 when the subject is unknown, 40403 when the schema is not
   *     registered under it, 42201 when the schema is invalid
   */
  RegisteredSchema lookup(
      String subject,
      @Nullable String schemaText,
      @Nullable String schemaType,
      boolean includeDeleted) {
    String canonical = parse(schemaText, schemaType).toString();
    synchronized (lock) {
      NavigableMap<Integer, StoreRecord.SchemaVersion> versions = requireSubject(subject, true);
      StoreRecord.SchemaVersion found = null;
      for (StoreRecord.SchemaVersion existing : versions.values()) {
        if ((includeDeleted || !existing.deleted()) && existing.schema().equals(canonical)) {
          found = existing;
        }
      }
      if (found == null) {
        throw new RegistryException(RegistryError.SCHEMA_NOT_FOUND, "Schema not found");
      }
      return view(found);
    }
  }

  /** Every subject with a live version, or with any version when {@code includeDeleted}. */
  List<String> subjects(boolean includeDeleted) {
    synchronized (lock) {
      List<String> names = new ArrayList<>();
      subjects.forEach(
          (name, versions) -> {
            if (versions.values().stream().anyMatch(v -> includeDeleted || !v.deleted())) {
              names.add(name);
            }
          });
      return names;
    }
  }

  /**
   * The version numbers of {@code subject}, ascending.
   *
   * @throws RegistryException 40401 when the subject has no (live) version
   */
  List<Integer> versions(String subject, boolean includeDeleted) {
    synchronized (lock) {
      List<Integer> numbers = new ArrayList<>();
      for (StoreRecord.SchemaVersion version : requireSubject(subject, includeDeleted).values()) {
        if (includeDeleted || !version.deleted()) {
          numbers.add(version.version());
        }
      }
      return numbers;
    }
  }

  /**
   * One version of {@code subject}; {@code versionText} is a number or {@code latest}.
   *
   * @throws RegistryException 42202 for a malformed version, 40401 for an unknown subject, 40402
   *     for an unknown version
   */
  RegisteredSchema version(String subject, String versionText, boolean includeDeleted) {
    int wanted = parseVersion(versionText);
    synchronized (lock) {
      return view(find(subject, wanted, includeDeleted));
    }
  }

  /**
   * The schema with global id {@code id}.
   *
   * @throws RegistryException 40403 when no schema has that id
   */
  String schema(int id) {
    synchronized (lock) {
      String schema = schemaById.get(id);
      if (schema == null) {
        throw schemaNotFound(id);
      }
      return schema;
    }
  }

  /**
   * Where the schema with id {@code id} is registered.
   *
   * @throws RegistryException 40403 when no schema has that id
   */
  List<SubjectVersion> subjectVersions(int id) {
    synchronized (lock) {
      if (!schemaById.containsKey(id)) {
        throw schemaNotFound(id);
      }
      List<SubjectVersion> uses = new ArrayList<>();
      subjects.forEach(
          (name, versions) ->
              versions.values().stream()
                  .filter(v -> v.id() == id && !v.deleted())
                  .forEach(v -> uses.add(new SubjectVersion(name, v.version()))));
      return uses;
    }
  }

  /**
   * Tests {@code schemaText} against {@code subject}: against the versions its level demands when
   * {@code versionText} is {@code latest}, against that one version otherwise.
   *
   * @return the problems found; empty when compatible
   * @throws RegistryException 42201, 42202, 40401 (a numbered version of an unknown subject), 40402
   */
  List<String> testCompatibility(
      String subject,
      String versionText,
      @Nullable String schemaText,
      @Nullable String schemaType) {
    int wanted = parseVersion(versionText);
    Schema candidate = parse(schemaText, schemaType);
    synchronized (lock) {
      CompatibilityLevel level = levelOf(subject);
      if (wanted == LATEST) {
        // A subject without versions accepts anything, as Confluent's registry answers.
        return check(candidate, liveSchemas(subject), level);
      }
      Schema against = new Schema.Parser().parse(find(subject, wanted, false).schema());
      return check(candidate, List.of(against), level);
    }
  }

  CompatibilityLevel globalLevel() {
    synchronized (lock) {
      return globalLevel;
    }
  }

  /** The level set on {@code subject} itself, if any. */
  Optional<CompatibilityLevel> subjectLevel(String subject) {
    synchronized (lock) {
      return Optional.ofNullable(subjectLevels.get(subject));
    }
  }

  /**
   * Sets the global level, or the level of {@code subject} when not null.
   *
   * @throws RegistryException 42203 when {@code levelText} names no level, 50001 when the log fails
   */
  CompatibilityLevel setLevel(@Nullable String subject, @Nullable String levelText) {
    CompatibilityLevel level = parseLevel(levelText);
    synchronized (lock) {
      write(new StoreRecord.SubjectConfig(subject, level));
      return level;
    }
  }

  /**
   * Removes the level set on {@code subject}, which falls back to the global level.
   *
   * @return the level it had
   * @throws RegistryException 40408 when it had none of its own
   */
  CompatibilityLevel deleteSubjectLevel(String subject) {
    synchronized (lock) {
      CompatibilityLevel previous = subjectLevels.get(subject);
      if (previous == null) {
        throw subjectLevelNotConfigured(subject);
      }
      write(new StoreRecord.SubjectConfig(subject, null));
      return previous;
    }
  }

  /**
   * Soft-deletes every live version of {@code subject}: they no longer answer lookups or count for
   * compatibility, their ids keep resolving, and version numbers are never reused.
   *
   * @return the versions deleted
   * @throws RegistryException 40401 when the subject has no live version
   */
  List<Integer> deleteSubject(String subject) {
    synchronized (lock) {
      List<Integer> deleted = new ArrayList<>();
      for (StoreRecord.SchemaVersion version :
          List.copyOf(requireSubject(subject, false).values())) {
        if (!version.deleted()) {
          write(version.asDeleted());
          deleted.add(version.version());
        }
      }
      return deleted;
    }
  }

  static RegistryException subjectLevelNotConfigured(String subject) {
    return new RegistryException(
        RegistryError.SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED,
        "Subject '" + subject + "' does not have subject-level compatibility configured");
  }

  // ---- internals, all called with lock held where they touch state

  private static final int LATEST = -1;

  private void write(StoreRecord record) {
    try {
      log.append(record);
    } catch (SchemaLogException e) {
      throw new RegistryException(RegistryError.STORE_ERROR, "Error while storing the change", e);
    }
    apply(record);
  }

  private void apply(StoreRecord record) {
    if (record instanceof StoreRecord.SchemaVersion version) {
      // Re-canonicalise so that ids stay shared even if an older writer's form differs.
      String canonical = new Schema.Parser().parse(version.schema()).toString();
      StoreRecord.SchemaVersion stored =
          new StoreRecord.SchemaVersion(
              version.subject(), version.version(), version.id(), canonical, version.deleted());
      subjects
          .computeIfAbsent(version.subject(), s -> new TreeMap<>())
          .put(version.version(), stored);
      schemaById.putIfAbsent(version.id(), canonical);
      idByCanonical.putIfAbsent(canonical, version.id());
      maxId = Math.max(maxId, version.id());
    } else if (record instanceof StoreRecord.SubjectConfig config) {
      String subject = config.subject();
      CompatibilityLevel level = config.level();
      if (subject == null) {
        globalLevel = requireNonNull(level, "global level");
      } else if (level == null) {
        subjectLevels.remove(subject);
      } else {
        subjectLevels.put(subject, level);
      }
    }
  }

  private CompatibilityLevel levelOf(String subject) {
    return subjectLevels.getOrDefault(subject, globalLevel);
  }

  private List<Schema> liveSchemas(String subject) {
    List<Schema> schemas = new ArrayList<>();
    NavigableMap<Integer, StoreRecord.SchemaVersion> versions = subjects.get(subject);
    if (versions != null) {
      for (StoreRecord.SchemaVersion version : versions.values()) {
        if (!version.deleted()) {
          schemas.add(new Schema.Parser().parse(version.schema()));
        }
      }
    }
    return schemas;
  }

  private static List<String> check(
      Schema candidate, List<Schema> earlier, CompatibilityLevel level) {
    return CompatibilityChecker.check(candidate, earlier, level);
  }

  private NavigableMap<Integer, StoreRecord.SchemaVersion> requireSubject(
      String subject, boolean includeDeleted) {
    NavigableMap<Integer, StoreRecord.SchemaVersion> versions = subjects.get(subject);
    if (versions == null
        || versions.values().stream().allMatch(v -> v.deleted() && !includeDeleted)) {
      throw new RegistryException(
          RegistryError.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
    }
    return versions;
  }

  private StoreRecord.SchemaVersion find(String subject, int wanted, boolean includeDeleted) {
    NavigableMap<Integer, StoreRecord.SchemaVersion> versions =
        requireSubject(subject, includeDeleted);
    StoreRecord.SchemaVersion found = null;
    if (wanted == LATEST) {
      for (StoreRecord.SchemaVersion version : versions.descendingMap().values()) {
        if (includeDeleted || !version.deleted()) {
          found = version;
          break;
        }
      }
    } else {
      StoreRecord.SchemaVersion version = versions.get(wanted);
      if (version != null && (includeDeleted || !version.deleted())) {
        found = version;
      }
    }
    if (found == null) {
      throw new RegistryException(
          RegistryError.VERSION_NOT_FOUND,
          "Version " + (wanted == LATEST ? "latest" : wanted) + " not found.");
    }
    return found;
  }

  private static RegisteredSchema view(StoreRecord.SchemaVersion version) {
    return new RegisteredSchema(
        version.subject(), version.version(), version.id(), version.schema());
  }

  private static RegistryException schemaNotFound(int id) {
    return new RegistryException(RegistryError.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
  }

  private static Schema parse(@Nullable String schemaText, @Nullable String schemaType) {
    if (schemaType != null && !AVRO.equals(schemaType)) {
      throw new RegistryException(
          RegistryError.INVALID_SCHEMA,
          "Invalid schema type " + schemaType + ": this registry supports AVRO only");
    }
    if (schemaText == null || schemaText.isBlank()) {
      throw new RegistryException(RegistryError.INVALID_SCHEMA, "Empty schema");
    }
    try {
      return new Schema.Parser().parse(schemaText);
    } catch (RuntimeException e) {
      // Avro signals some invalid schemas with unchecked exceptions other than its own (an
      // undefined type name is a NullPointerException in 1.12), so any of them means invalid.
      throw new RegistryException(
          RegistryError.INVALID_SCHEMA, "Invalid schema: " + e.getMessage(), e);
    }
  }

  private static int parseVersion(String versionText) {
    if ("latest".equals(versionText)) {
      return LATEST;
    }
    try {
      int version = Integer.parseInt(versionText);
      if (version == LATEST || version >= 1) {
        return version;
      }
    } catch (NumberFormatException e) {
      // Falls through to the error below, which names the allowed values.
    }
    throw new RegistryException(
        RegistryError.INVALID_VERSION,
        "The specified version '"
            + versionText
            + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the"
            + " string \"latest\"");
  }

  private static CompatibilityLevel parseLevel(@Nullable String levelText) {
    if (levelText != null) {
      try {
        return CompatibilityLevel.valueOf(levelText.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        // Falls through to the error below, which names the allowed values.
      }
    }
    throw new RegistryException(
        RegistryError.INVALID_COMPATIBILITY_LEVEL,
        "Invalid compatibility level '"
            + levelText
            + "'. Valid values are none, backward, forward, full, backward_transitive,"
            + " forward_transitive and full_transitive");
  }
}
