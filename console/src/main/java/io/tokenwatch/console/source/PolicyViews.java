package io.tokenwatch.console.source;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The issuer's policy history as its {@code /policy/history}, {@code /policy/diff} and {@code
 * /policy/pending} answer it, read into values the policy page shows.
 */
public final class PolicyViews {

  private PolicyViews() {}

  /** Whether a diff line adds, removes or changes something. */
  public enum Sign {
    ADDED("+", "added"),
    REMOVED("-", "removed"),
    CHANGED("~", "changed");

    private final String mark;
    private final String word;

    Sign(String mark, String word) {
      this.mark = mark;
      this.word = word;
    }

    /** {@code +}, {@code -} or {@code ~}, as the issuer writes it. */
    public String mark() {
      return mark;
    }

    /** The sign in a word, shown beside the mark: colour is never the only cue. */
    public String word() {
      return word;
    }

    /** The CSS class of its lines. */
    public String cssClass() {
      return "diff-" + word;
    }
  }

  /**
   * One line of a readable diff.
   *
   * @param sign what the line does
   * @param text the line without its mark, e.g. {@code client a: scope b for https://c (high)}
   */
  public record DiffLine(Sign sign, String text) {
    public DiffLine {
      requireNonNull(sign, "sign");
      requireNonNull(text, "text");
    }

    /**
     * Reads a line as the issuer writes it ({@code "+ text"}, {@code "- text"}, {@code "~ a: b ->
     * c"}); a line without a known mark counts as a change, so it is never shown as nothing.
     */
    public static DiffLine parse(String line) {
      requireNonNull(line, "line");
      for (Sign sign : Sign.values()) {
        if (line.startsWith(sign.mark() + " ")) {
          return new DiffLine(sign, line.substring(2));
        }
      }
      return new DiffLine(Sign.CHANGED, line);
    }
  }

  /**
   * One recorded version.
   *
   * @param version its number
   * @param digest its document's version (the digest stamped on tokens)
   * @param source how it came into force: {@code STARTUP}, {@code FILE_RELOAD}, {@code
   *     APPROVED_CHANGE} or {@code ROLLBACK}
   * @param author who made it
   * @param occurredAt when (ISO-8601)
   * @param approvals the approvals behind it, if any
   * @param rolledBackTo for a rollback, the version restored
   * @param diff what it changed from the version before
   */
  public record Version(
      long version,
      String digest,
      String source,
      String author,
      String occurredAt,
      List<String> approvals,
      @Nullable Long rolledBackTo,
      List<DiffLine> diff) {
    public Version {
      requireNonNull(digest, "digest");
      requireNonNull(source, "source");
      requireNonNull(author, "author");
      requireNonNull(occurredAt, "occurredAt");
      approvals = List.copyOf(approvals);
      diff = List.copyOf(diff);
    }
  }

  /**
   * The history of the policy in force.
   *
   * @param policyId the policy's id
   * @param inForceDigest the version (digest) in force
   * @param versions every version, oldest first
   */
  public record History(String policyId, String inForceDigest, List<Version> versions) {
    public History {
      requireNonNull(policyId, "policyId");
      requireNonNull(inForceDigest, "inForceDigest");
      versions = List.copyOf(versions);
    }

    /** The number of the version in force: the newest one with the digest in force. */
    public Optional<Long> inForce() {
      for (int i = versions.size() - 1; i >= 0; i--) {
        if (versions.get(i).digest().equals(inForceDigest)) {
          return Optional.of(versions.get(i).version());
        }
      }
      return Optional.empty();
    }

    /** The versions newest first, for the table. */
    public List<Version> newestFirst() {
      List<Version> out = new ArrayList<>(versions);
      java.util.Collections.reverse(out);
      return out;
    }

    /** Reads {@code GET /policy/history}'s answer. */
    public static History fromJson(JsonNode node) {
      List<Version> versions = new ArrayList<>();
      for (JsonNode version : array(node, "versions")) {
        versions.add(version(version));
      }
      return new History(text(node, "policy_id"), text(node, "in_force"), versions);
    }
  }

  /**
   * A grant a held change adds, which needs approval.
   *
   * @param risk the scope's risk
   */
  public record Grant(String clientId, String audience, String scope, String risk) {
    public Grant {
      requireNonNull(clientId, "clientId");
      requireNonNull(audience, "audience");
      requireNonNull(scope, "scope");
      requireNonNull(risk, "risk");
    }
  }

  /**
   * A policy change held until its access request is approved.
   *
   * @param digest the held document's version
   * @param requestId the access request that approves it
   * @param requester who made the change
   * @param since when it was held
   * @param needsApproval the grants it adds at or above the approval risk
   * @param diff what it changes from the policy in force
   */
  public record Pending(
      String digest,
      String requestId,
      String requester,
      String since,
      List<Grant> needsApproval,
      List<DiffLine> diff) {
    public Pending {
      requireNonNull(digest, "digest");
      requireNonNull(requestId, "requestId");
      requireNonNull(requester, "requester");
      requireNonNull(since, "since");
      needsApproval = List.copyOf(needsApproval);
      diff = List.copyOf(diff);
    }

    /** Reads {@code GET /policy/pending}'s answer: empty when nothing waits. */
    public static Optional<Pending> fromJson(JsonNode node) {
      JsonNode pending = node.get("pending");
      if (pending == null || pending.isNull()) {
        return Optional.empty();
      }
      List<Grant> grants = new ArrayList<>();
      for (JsonNode grant : array(pending, "needs_approval")) {
        grants.add(
            new Grant(
                text(grant, "client_id"),
                text(grant, "audience"),
                text(grant, "scope"),
                text(grant, "risk")));
      }
      return Optional.of(
          new Pending(
              text(pending, "digest"),
              text(pending, "request_id"),
              text(pending, "requester"),
              text(pending, "since"),
              grants,
              lines(array(pending, "diff"))));
    }
  }

  /** Reads {@code GET /policy/diff}'s lines. */
  public static List<DiffLine> diffFromJson(JsonNode node) {
    return lines(array(node, "lines"));
  }

  private static Version version(JsonNode node) {
    JsonNode number = node.get("version");
    if (number == null || !number.canConvertToLong()) {
      throw new IllegalArgumentException("version must be a number");
    }
    List<String> approvals = new ArrayList<>();
    for (JsonNode approval : array(node, "approvals")) {
      approvals.add(approval.asText());
    }
    JsonNode rolledBack = node.get("rolled_back_to");
    return new Version(
        number.asLong(),
        text(node, "digest"),
        text(node, "source"),
        text(node, "author"),
        text(node, "occurred_at"),
        approvals,
        rolledBack == null || rolledBack.isNull() ? null : rolledBack.asLong(),
        lines(array(node, "diff")));
  }

  private static List<DiffLine> lines(JsonNode array) {
    List<DiffLine> out = new ArrayList<>();
    for (JsonNode line : array) {
      out.add(DiffLine.parse(line.asText()));
    }
    return out;
  }

  private static JsonNode array(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isArray()) {
      throw new IllegalArgumentException(field + " must be a list");
    }
    return value;
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException(field + " must be a string");
    }
    return value.asText();
  }
}
