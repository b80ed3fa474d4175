package io.tokenwatch.cli;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.audit.AuditFilter;
import io.tokenwatch.audit.VerificationReport;
import io.tokenwatch.audit.explain.WhyExplainer;
import io.tokenwatch.audit.http.AuditJson;
import io.tokenwatch.audit.store.AuditQueries;
import io.tokenwatch.audit.store.AuditStore;
import io.tokenwatch.audit.store.Exporter;
import io.tokenwatch.audit.store.KeyFiles;
import io.tokenwatch.audit.store.StoreLocation;
import io.tokenwatch.audit.store.StoreVerifier;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The store (a DuckDB file, or a PostgreSQL database read while sinks write it), opened read-only
 * for each question and closed after it, so nothing is held between commands. Times in filters are
 * read against the injected clock.
 */
final class LocalAuditSource implements AuditSource {

  private final StoreLocation location;
  private final Path auditDir;
  private final Clock clock;

  /**
   * @param location the store: a DuckDB file or a PostgreSQL database
   * @param auditDir where the checkpoint public key is by default
   */
  LocalAuditSource(StoreLocation location, Path auditDir, Clock clock) {
    this.location = requireNonNull(location, "location");
    this.auditDir = requireNonNull(auditDir, "auditDir");
    this.clock = requireNonNull(clock, "clock");
  }

  /** Opens the store read-only; the caller closes it. */
  AuditStore open() {
    return AuditStore.openReadOnly(location);
  }

  /**
   * {@code filters} as a store filter, times read against this source's clock and a token id prefix
   * resolved as the audit API resolves it.
   */
  AuditFilter filter(AuditFilters filters, int limit) {
    AuditFilter filter = filters.filter(limit, clock);
    if (filter.token() == null) {
      return filter;
    }
    try (AuditStore store = open()) {
      return new AuditQueries(store).resolveToken(filter);
    }
  }

  @Override
  public List<ObjectNode> events(AuditFilters filters, int limit) {
    AuditFilter filter = filter(filters, limit);
    try (AuditStore store = open()) {
      return new AuditQueries(store).query(filter).stream().map(AuditJson::event).toList();
    }
  }

  @Override
  public List<ObjectNode> grants(AuditFilters filters, int limit) {
    AuditFilter filter = filter(filters, limit);
    try (AuditStore store = open()) {
      return new AuditQueries(store)
          .grants(filter, clock.millis()).stream().map(AuditJson::grant).toList();
    }
  }

  @Override
  public List<ObjectNode> timeline(String tokenId, int limit) {
    try (AuditStore store = open()) {
      AuditQueries queries = new AuditQueries(store);
      return queries.timeline(queries.resolveToken(tokenId), limit).stream()
          .map(AuditJson::event)
          .toList();
    }
  }

  @Override
  public ObjectNode why(String id, int limit) {
    try (AuditStore store = open()) {
      AuditQueries queries = new AuditQueries(store);
      String resolved = queries.resolveWhyId(id);
      return WhyExplainer.explain(resolved, queries.why(resolved, limit), clock.millis());
    }
  }

  @Override
  public JsonNode leastPrivilege(int days) {
    long from = clock.millis() - Duration.ofDays(days).toMillis();
    try (AuditStore store = open()) {
      return AuditJson.leastPrivilege(new AuditQueries(store).leastPrivilege(from), days);
    }
  }

  @Override
  public Verification verify(@Nullable Path publicKey, int threads) {
    long started = System.nanoTime();
    VerificationReport result;
    try (AuditStore store = open()) {
      PublicKey key =
          publicKey != null ? KeyFiles.publicKeyFile(publicKey) : KeyFiles.publicKey(auditDir);
      result = StoreVerifier.verify(store, key, Math.max(1, Math.min(threads, 64)));
    }
    return new Verification.Checked(result, (System.nanoTime() - started) / 1e9);
  }

  /** Exports the events {@code filter} selects to {@code target}; returns how many. */
  long export(AuditFilter filter, Exporter.Target target) {
    try (AuditStore store = open()) {
      return new Exporter(store).export(filter, target);
    }
  }
}
