package io.tokenwatch.issuer.revocation;

import static java.util.Objects.requireNonNull;

/** What became of a person's revocation, or of their decision on a pending one. */
public sealed interface PersonRevocationOutcome {

  /** Requested at once (the policy needs no second person for it). */
  record Requested(RevocationOutcome.Accepted accepted) implements PersonRevocationOutcome {
    public Requested {
      requireNonNull(accepted, "accepted");
    }
  }

  /** Waiting for a second person; nothing is revoked yet. */
  record Pending(PendingRevocation pending) implements PersonRevocationOutcome {
    public Pending {
      requireNonNull(pending, "pending");
    }
  }

  /** A second person approved it; the revocation was requested, naming both. */
  record Approved(PendingRevocation pending, RevocationOutcome.Accepted accepted)
      implements PersonRevocationOutcome {
    public Approved {
      requireNonNull(pending, "pending");
      requireNonNull(accepted, "accepted");
    }
  }

  /** A second person refused it; nothing is revoked. */
  record Refused(PendingRevocation pending) implements PersonRevocationOutcome {
    public Refused {
      requireNonNull(pending, "pending");
    }
  }

  /** Not done, and why; nothing changed. */
  record Denied(Why why, String detail) implements PersonRevocationOutcome {
    public Denied {
      requireNonNull(why, "why");
      requireNonNull(detail, "detail");
    }
  }

  /** Why a person's act was not done. */
  enum Why {
    /** None of their roles may revoke that kind (policy {@code revocation_rights}). */
    FORBIDDEN,
    /** They asked for it themselves: a second person must be someone else. */
    OWN_REQUEST,
    /** No pending revocation has that id. */
    NOT_FOUND,
    /** It was already approved, refused or has lapsed. */
    NOT_PENDING,
    /** The revocation stream would not apply it (a watermark too far ahead). */
    INVALID
  }
}
