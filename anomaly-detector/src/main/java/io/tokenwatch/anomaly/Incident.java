package io.tokenwatch.anomaly;

import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * One incident as the {@link Alerter}'s ledger remembers it: when it began (which, with the rule
 * and the incident key, makes its alert id), its latest finding, how often it was updated and what
 * it covers. Mutable; changed only by the {@link Alerter}.
 */
public final class Incident {

  /** Most items an incident lists as covered; later findings beyond it update nothing. */
  public static final int MAX_COVERS = 50;

  long start;
  long last;
  int revision;
  TreeSet<String> covers = new TreeSet<>();

  /**
   * Read from an earlier release's ledger, which did not keep the incident's start or covered
   * items: its later findings are suppressed as they were then, never raised as updates of an id
   * that cannot be rebuilt.
   */
  boolean legacy;

  public Incident() {}

  /** An incident begun at {@code start} by a finding at {@code last} covering {@code items}. */
  static Incident begun(long start, long last, Collection<String> items) {
    Incident incident = new Incident();
    incident.start = start;
    incident.last = last;
    incident.cover(items);
    return incident;
  }

  /**
   * The ledger entry of an earlier release, which kept only the latest finding's time: the incident
   * is taken to have begun then.
   */
  public static Incident ofLastFinding(long at) {
    Incident incident = begun(at, at, List.of());
    incident.legacy = true;
    return incident;
  }

  /** Adds {@code items}, up to {@link #MAX_COVERS}; returns the ones it did not cover before. */
  List<String> cover(Collection<String> items) {
    List<String> added = new java.util.ArrayList<>();
    for (String item : new TreeSet<>(items)) {
      if (covers.size() >= MAX_COVERS) {
        break;
      }
      if (covers.add(item)) {
        added.add(item);
      }
    }
    return added;
  }

  /** Event time (epoch ms) the incident began. */
  public long start() {
    return start;
  }

  /** Event time (epoch ms) of its latest finding. */
  public long last() {
    return last;
  }

  /** Updates raised after the first alert. */
  public int revision() {
    return revision;
  }

  /** What it covers, sorted. */
  public List<String> covers() {
    return List.copyOf(covers);
  }
}
