package io.tokenwatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.audit.VerificationReport;
import io.tokenwatch.audit.http.AuditJson;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where the audit subcommands read the history: the store file ({@link LocalAuditSource}) or a
 * running sink's HTTP API ({@link HttpAuditSource}). Both answer in the JSON shapes of {@link
 * AuditJson}, so a subcommand renders either answer the same way.
 */
sealed interface AuditSource permits LocalAuditSource, HttpAuditSource {

  /** Events matching {@code filters}, oldest first, at most {@code limit}. */
  List<ObjectNode> events(AuditFilters filters, int limit);

  /** Grants matching {@code filters} (event types ignored), with their state now. */
  List<ObjectNode> grants(AuditFilters filters, int limit);

  /** One token's life, at most {@code limit} events. */
  List<ObjectNode> timeline(String tokenId, int limit);

  /**
   * Why {@code id} (a token id, event id, consent id or access request id) exists, in the JSON
   * shape of {@link io.tokenwatch.audit.explain.WhyExplainer}, built from at most {@code limit}
   * records.
   */
  ObjectNode why(String id, int limit);

  /** The least-privilege report over the last {@code days}. */
  JsonNode leastPrivilege(int days);

  /**
   * Verifies the whole history.
   *
   * @param publicKey the checkpoint public key file, or null for the one beside the store (the API
   *     uses its own)
   * @param threads chains verified at once (the API chooses its own)
   */
  Verification verify(@Nullable Path publicKey, int threads);

  /** What verification found. */
  sealed interface Verification {

    boolean verifies();

    /** The report in the API's JSON shape. */
    JsonNode json();

    /** Verified here, from the file, in {@code seconds}. */
    record Checked(VerificationReport report, double seconds) implements Verification {
      @Override
      public boolean verifies() {
        return report.verifies();
      }

      @Override
      public JsonNode json() {
        return AuditJson.report(report);
      }
    }

    /** Verified by the audit API, as it reported. */
    record Reported(JsonNode json) implements Verification {
      @Override
      public boolean verifies() {
        return json.path("verifies").asBoolean(false);
      }
    }
  }
}
