package io.tokenwatch.anomaly;

/** When something (a source, a key, a network) was last seen, and in which event. */
public final class Sighting {

  long firstAt;
  long lastAt;
  String firstEventId = "";
  String lastEventId = "";

  Sighting() {}

  static Sighting of(String eventId, long at) {
    Sighting s = new Sighting();
    s.firstAt = at;
    s.lastAt = at;
    s.firstEventId = eventId;
    s.lastEventId = eventId;
    return s;
  }

  void seen(String eventId, long at) {
    if (at >= lastAt) {
      lastAt = at;
      lastEventId = eventId;
    }
    if (at < firstAt) {
      firstAt = at;
      firstEventId = eventId;
    }
  }
}
