package io.tokenwatch.issuer.policy;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.events.IssuanceDenyReason;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The outcome of checking a token request against policy. */
public sealed interface Decision {

  /**
   * Policy approves the request exactly as asked.
   *
   * @param rule the rule that approved it
   * @param scopes the scopes to grant: exactly those requested
   * @param ttl the lifetime to grant
   * @param maxUses the use limit to stamp, or null for none
   * @param binding the binding the token will carry
   * @param notAfter when the approval ends, whatever the lifetime: the end of the policy exception
   *     it was granted under, or null when it rests on the policy alone
   */
  record Approved(
      AudienceRule rule,
      List<String> scopes,
      Duration ttl,
      @Nullable Integer maxUses,
      Binding binding,
      @Nullable Instant notAfter)
      implements Decision {
    public Approved {
      requireNonNull(rule, "rule");
      scopes = List.copyOf(scopes);
      requireNonNull(ttl, "ttl");
      requireNonNull(binding, "binding");
    }

    /** An approval resting on the policy alone. */
    public Approved(
        AudienceRule rule,
        List<String> scopes,
        Duration ttl,
        @Nullable Integer maxUses,
        Binding binding) {
      this(rule, scopes, ttl, maxUses, binding, null);
    }
  }

  /**
   * Policy refuses the request.
   *
   * @param reason the precise reason, recorded in the denial event
   * @param error the OAuth error to answer with
   * @param detail plain-language explanation; never contains a credential
   * @param ruleId the rule that refused, when a specific one did
   * @param allowedScopes what policy would have allowed for that client and audience
   */
  record Denied(
      IssuanceDenyReason reason,
      OAuthError error,
      String detail,
      @Nullable String ruleId,
      List<String> allowedScopes)
      implements Decision {
    public Denied {
      requireNonNull(reason, "reason");
      requireNonNull(error, "error");
      requireNonNull(detail, "detail");
      allowedScopes = List.copyOf(allowedScopes);
    }

    /** A denial without a rule or allowed scopes. */
    public static Denied of(IssuanceDenyReason reason, OAuthError error, String detail) {
      return new Denied(reason, error, detail, null, List.of());
    }
  }
}
