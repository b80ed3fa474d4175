package io.tokenwatch.console.web;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A least-privilege finding: a principal granted scopes it did not exercise in the window (the
 * audit API's {@code narrowable} and {@code idle} items).
 *
 * @param onBehalfOf the subject for delegated tokens, else empty
 * @param unusedScopes the scopes to propose taking away
 * @param idle true when none of the granted scopes was exercised
 * @param index its position in the list (for element ids)
 */
public record Finding(
    String clientId,
    String onBehalfOf,
    String granted,
    String exercised,
    List<String> unusedScopes,
    long tokens,
    long allowedUses,
    boolean idle,
    int index) {

  public Finding {
    requireNonNull(clientId, "clientId");
    requireNonNull(onBehalfOf, "onBehalfOf");
    unusedScopes = List.copyOf(unusedScopes);
  }

  static Finding of(JsonNode n, boolean idle, int index) {
    List<String> unused = new ArrayList<>();
    n.path(idle ? "granted" : "unused").forEach(s -> unused.add(s.asText()));
    return new Finding(
        n.path("client_id").asText(""),
        n.path("on_behalf_of").asText(""),
        GrantRow.list(n.path("granted")),
        GrantRow.list(n.path("exercised")),
        unused,
        n.path("tokens").asLong(),
        n.path("allowed_uses").asLong(),
        idle,
        index);
  }

  /** The unused scopes, space-separated. */
  public String unused() {
    return String.join(" ", unusedScopes);
  }

  /** The purpose the narrowing request is prefilled with. */
  public String purpose(int days) {
    return "Least privilege: "
        + clientId
        + (onBehalfOf.isEmpty() ? "" : " for " + onBehalfOf)
        + " did not use "
        + unused()
        + " in "
        + days
        + " days ("
        + tokens
        + " tokens, "
        + allowedUses
        + " allowed uses)";
  }
}
