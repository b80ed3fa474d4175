package io.tokenwatch.anomaly;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The networks of one client as a whole, beside what each subject is learned to use ({@link
 * NetworkWatch}): the networks proven to be the client's own, and the networks new for it that are
 * being watched before they alert. A service that deploys into a new network brings several of its
 * replicas (source addresses) or its subjects there within minutes; a stolen token brings one.
 * Mutable; changed only by {@link ClientRules}.
 */
public final class ClientNetworks {

  /** Most networks remembered as the client's own; the least recently seen go first. */
  static final int MAX_OWN = 256;

  /** Most networks watched at once; beyond it the oldest is decided at once. */
  static final int MAX_CANDIDATES = 64;

  /** Most uses held per watched network; later ones only count. */
  static final int MAX_HELD = 20;

  /** Networks proven to be the client's own, with when each was last seen (epoch ms). */
  TreeMap<String, Long> own = new TreeMap<>();

  /** Most networks whose subjects are counted; the least recently seen go first. */
  static final int MAX_SHARED = 1024;

  /**
   * Networks not (yet) the client's own, with the distinct subjects seen there (up to {@code
   * networkConfirmSources}) and when last: a network that serves that many of the client's subjects
   * over the retention (an office's egress, a carrier's CGNAT range, the client's pods) is the
   * client's own.
   */
  TreeMap<String, Shared> shared = new TreeMap<>();

  /**
   * The most recent few subjects of the client seen on more than one network (learning included),
   * with when last (epoch ms): when several are, the client's people roam (homes, phones, travel),
   * and a new network alerts only when the token is in use elsewhere at the same time.
   */
  TreeMap<String, Long> roamers = new TreeMap<>();

  /** Networks new for the client, watched until {@code firstAt + networkConfirm}. */
  TreeMap<String, Candidate> candidates = new TreeMap<>();

  long lastEventAt;

  public ClientNetworks() {}

  /** Event time (epoch ms) from which this state may be dropped. */
  public long forgetAt(DetectionSettings settings) {
    return lastEventAt
        + settings.networkRetention().toMillis()
        + settings.networkConfirm().toMillis();
  }

  /** When the earliest watched network is due to be decided (epoch ms); MAX_VALUE for none. */
  public long nextDue(DetectionSettings settings) {
    long next = Long.MAX_VALUE;
    for (Candidate c : candidates.values()) {
      next = Math.min(next, c.firstAt + settings.networkConfirm().toMillis());
    }
    return next;
  }

  /** The subjects seen on a network of the client that is not its own yet. */
  static final class Shared {
    TreeSet<String> subjects = new TreeSet<>();
    long lastAt;

    Shared() {}
  }

  /** A network new for the client, under watch. */
  static final class Candidate {
    long firstAt;
    TreeSet<String> subjects = new TreeSet<>();
    TreeSet<String> sources = new TreeSet<>();
    List<Held> held = new ArrayList<>();
    int heldCount;

    Candidate() {}
  }

  /** A use from a watched network that alerts unless the network proves to be the client's. */
  static final class Held {
    String eventId = "";
    long at;
    String subject = "";
    String tokenId = "";
    @Nullable String grantId;
    String address = "";
    boolean allowed;
    String knownNetworks = "";
    String clientNetworks = "";
    long learningSince;
    int roamers;
    boolean concurrent;

    Held() {}
  }
}
