package io.tokenwatch.console.web;

import io.tokenwatch.console.source.AuditClient.Reply;

/** What the history pages share. */
final class Pages {

  private Pages() {}

  /** The page's status when the audit API gave no data: a person's mistake is 400, else 503/502. */
  static int status(Reply.Failed failed) {
    return switch (failed.failure()) {
      case BAD_REQUEST -> 400;
      case NOT_FOUND -> 404;
      case NOT_CONFIGURED, UNAVAILABLE -> 503;
      case UNREACHABLE, REFUSED -> 502;
    };
  }
}
