package io.tokenwatch.signals.receiver;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/** What became of one received Security Event Token. */
public sealed interface Verdict {

  /** The SET's {@code jti}, when it could be read. */
  @Nullable String jti();

  /** Whether the transmitter is told the SET was accepted (RFC 8935 202, RFC 8936 {@code ack}). */
  default boolean acknowledged() {
    return !(this instanceof Refused);
  }

  /**
   * A verified SET whose event revokes: once {@link SignalReceiver#receive} returns it, the
   * revocation request is durable.
   */
  record Accepted(ReceivedSignal signal, RevocationOrder order) implements Verdict {
    public Accepted {
      requireNonNull(signal, "signal");
      requireNonNull(order, "order");
    }

    @Override
    public String jti() {
      return signal.jti();
    }
  }

  /**
   * The very SET (same {@code jti}, same bytes) was accepted before: acknowledged again, with no
   * second effect. A transmitter resends when it did not get the acknowledgement.
   */
  record Duplicate(String jti) implements Verdict {
    public Duplicate {
      requireNonNull(jti, "jti");
    }
  }

  /**
   * A verified SET whose event type Tokenwatch does not act on (verification, stream updates,
   * unknown types): acknowledged and recorded, as SSF asks of receivers.
   */
  record Ignored(String jti, String eventType) implements Verdict {
    public Ignored {
      requireNonNull(jti, "jti");
      requireNonNull(eventType, "eventType");
    }
  }

  /** Refused: reported back with {@link RefusalReason#err()} and dead-lettered. */
  record Refused(
      RefusalReason reason, String description, @Nullable String jti, @Nullable String issuer)
      implements Verdict {
    public Refused {
      requireNonNull(reason, "reason");
      requireNonNull(description, "description");
    }
  }
}
