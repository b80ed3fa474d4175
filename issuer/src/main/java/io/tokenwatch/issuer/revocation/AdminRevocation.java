package io.tokenwatch.issuer.revocation;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.schemas.revocation.SelectorRules;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An admin revocation request, already authenticated. Kind and value follow {@link SelectorRules};
 * the watermark is checked against the request time by {@link RevocationService#revokeByAdmin}.
 * Building one that breaks a rule throws {@link IllegalArgumentException} naming the first rule
 * broken.
 */
public record AdminRevocation(
    SelectorKind kind,
    String value,
    @Nullable Instant issuedBefore,
    RevocationReason reason,
    String requestedBy,
    @Nullable String detail) {

  /** The longest {@code detail}, in UTF-8 bytes. */
  public static final int MAX_DETAIL_BYTES = 2048;

  public AdminRevocation {
    requireNonNull(kind, "kind");
    requireNonNull(value, "value");
    requireNonNull(reason, "reason");
    requireNonNull(requestedBy, "requestedBy");
    refuse("kind", SelectorRules.kindProblem(kind));
    refuse("value", SelectorRules.valueProblem(value));
    if (reason == RevocationReason.UNKNOWN) {
      throw new IllegalArgumentException("reason UNKNOWN is not a reason");
    }
    if (detail != null) {
      refuse("detail", SelectorRules.textProblem(detail));
      int bytes = detail.getBytes(StandardCharsets.UTF_8).length;
      if (bytes > MAX_DETAIL_BYTES) {
        throw new IllegalArgumentException(
            "detail is "
                + bytes
                + " bytes in UTF-8; at most "
                + MAX_DETAIL_BYTES
                + " are accepted");
      }
    }
  }

  private static void refuse(String field, Optional<String> problem) {
    if (problem.isPresent()) {
      throw new IllegalArgumentException(field + " " + problem.get());
    }
  }
}
