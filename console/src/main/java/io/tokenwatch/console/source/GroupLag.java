package io.tokenwatch.console.source;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.TreeMap;

/** How far a consumer group is behind the topics it reads, or why that is not known. */
public sealed interface GroupLag permits GroupLag.Known, GroupLag.Unknown {

  /** The consumer group (a Kafka Streams application id is one). */
  String group();

  /**
   * The group's lag: for every partition it committed an offset on, the end offset minus that
   * offset, summed per topic and in all.
   */
  record Known(String group, long total, Map<String, Long> perTopic) implements GroupLag {
    public Known {
      requireNonNull(group, "group");
      perTopic = new TreeMap<>(perTopic);
    }
  }

  /** The lag cannot be told: the group committed nothing (it does not exist), or Kafka failed. */
  record Unknown(String group, String why) implements GroupLag {
    public Unknown {
      requireNonNull(group, "group");
      requireNonNull(why, "why");
    }
  }
}
