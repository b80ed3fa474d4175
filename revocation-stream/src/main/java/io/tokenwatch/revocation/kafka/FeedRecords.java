package io.tokenwatch.revocation.kafka;

import io.tokenwatch.events.Revocation;
import io.tokenwatch.revocation.LiveRevocation;

/** Reads records of the revocation feed into the domain. */
public final class FeedRecords {

  private FeedRecords() {}

  /**
   * The domain view of a feed record.
   *
   * @throws IllegalArgumentException if its selector kind or reason is one this reader does not
   *     know
   */
  public static LiveRevocation toDomain(Revocation record) {
    return Events.fromFeed(record);
  }
}
