package io.tokenwatch.audit.store;

import io.tokenwatch.audit.ChainHead;
import io.tokenwatch.audit.ChainKey;
import java.util.ArrayList;
import java.util.List;

/** The text form of checkpoint heads in the checkpoints table: one tab-separated line per head. */
final class CheckpointText {

  private CheckpointText() {}

  static String heads(List<ChainHead> heads) {
    StringBuilder text = new StringBuilder();
    for (ChainHead head : heads) {
      text.append(head.chain().topic())
          .append('\t')
          .append(head.chain().partition())
          .append('\t')
          .append(head.seq())
          .append('\t')
          .append(head.hash())
          .append('\n');
    }
    return text.toString();
  }

  static List<ChainHead> parseHeads(String text) {
    List<ChainHead> heads = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      if (line.isEmpty()) {
        continue;
      }
      String[] parts = line.split("\t", -1);
      if (parts.length != 4) {
        throw new StoreException("malformed checkpoint head: " + line);
      }
      heads.add(
          new ChainHead(
              new ChainKey(parts[0], Integer.parseInt(parts[2 - 1])),
              Long.parseLong(parts[2]),
              parts[3]));
    }
    return heads;
  }
}
