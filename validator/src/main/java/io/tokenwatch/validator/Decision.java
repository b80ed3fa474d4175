package io.tokenwatch.validator;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * The outcome of {@link TokenValidator#validate(TokenRequest)}: {@link Allow} or {@link Deny}.
 * Callers switch over it; anything that is not an {@code Allow} refuses access.
 */
public sealed interface Decision permits Decision.Allow, Decision.Deny {

  /** Whether access is granted. */
  boolean allowed();

  /**
   * The verified claims: always present on an allow, present on a deny taken after verification.
   */
  @Nullable VerifiedToken token();

  /** How often this validator has seen the token used, including this use when it was allowed. */
  long useCount();

  /**
   * Thumbprint of the key the presenter proved possession of (DPoP {@code jkt} or the certificate's
   * {@code x5t#S256}), when a proof was checked.
   */
  @Nullable String bindingThumbprint();

  /**
   * Access granted.
   *
   * @param token the verified claims
   * @param useCount local use count including this use
   * @param bindingThumbprint the proven key or certificate, for bound tokens
   */
  record Allow(VerifiedToken token, long useCount, @Nullable String bindingThumbprint)
      implements Decision {
    public Allow {
      requireNonNull(token, "token");
    }

    @Override
    public boolean allowed() {
      return true;
    }
  }

  /**
   * Access refused.
   *
   * @param reason why
   * @param detail a plain-language explanation for logs and auditors; never contains the token
   * @param token the verified claims, when the deny came after the signature was verified
   * @param useCount local use count (not incremented by a deny)
   * @param bindingThumbprint the proven key or certificate, when a proof was checked
   */
  record Deny(
      DenyReason reason,
      String detail,
      @Nullable VerifiedToken token,
      long useCount,
      @Nullable String bindingThumbprint)
      implements Decision {
    public Deny {
      requireNonNull(reason, "reason");
      requireNonNull(detail, "detail");
    }

    @Override
    public boolean allowed() {
      return false;
    }
  }
}
