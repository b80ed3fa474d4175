package io.tokenwatch.console.web;

import com.fasterxml.jackson.databind.JsonNode;

/** A signed checkpoint as the Audit page lists it. */
public record CheckpointRow(
    long number, String createdAt, long records, int chains, String keyId, String digest) {

  static CheckpointRow of(JsonNode c) {
    return new CheckpointRow(
        c.path("number").asLong(),
        c.path("created_at").asText(""),
        c.path("records").asLong(),
        c.path("heads").size(),
        c.path("key_id").asText(""),
        c.path("digest").asText(""));
  }
}
