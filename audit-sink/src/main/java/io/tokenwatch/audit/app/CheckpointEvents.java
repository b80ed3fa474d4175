package io.tokenwatch.audit.app;

import io.tokenwatch.audit.ChainHead;
import io.tokenwatch.audit.Checkpoint;
import io.tokenwatch.events.AuditChainHead;
import io.tokenwatch.events.AuditCheckpoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** Turns a stored checkpoint into the {@code AuditCheckpoint} event published on its topic. */
public final class CheckpointEvents {

  private CheckpointEvents() {}

  /** The event for {@code checkpoint}, carrying the sink's public key (base64url). */
  public static AuditCheckpoint of(Checkpoint checkpoint, String publicKeyBase64Url) {
    List<AuditChainHead> heads = new ArrayList<>();
    for (ChainHead head : checkpoint.heads()) {
      heads.add(
          AuditChainHead.newBuilder()
              .setTopic(head.chain().topic())
              .setPartition(head.chain().partition())
              .setSeq(head.seq())
              .setHash(head.hash())
              .build());
    }
    return AuditCheckpoint.newBuilder()
        .setEventId(checkpoint.keyId() + ":" + checkpoint.number())
        .setOccurredAt(Instant.ofEpochMilli(checkpoint.createdAt()))
        .setNumber(checkpoint.number())
        .setPreviousDigest(checkpoint.previousDigest())
        .setDigest(checkpoint.digest())
        .setKeyId(checkpoint.keyId())
        .setPublicKey(publicKeyBase64Url)
        .setRecords(checkpoint.records())
        .setHeads(heads)
        .setSignature(
            Base64.getUrlEncoder().withoutPadding().encodeToString(checkpoint.signature()))
        .build();
  }
}
