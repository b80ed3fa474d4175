package io.tokenwatch.console.web;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * Pages through an audit API answer that lists rows oldest first, filtered by {@code from}
 * (inclusive) and cut at {@code limit}: the API has no cursor of its own. A page is named by the
 * time of its first row and how many rows of that very millisecond earlier pages showed; it asks
 * for those, the page and one more row (to know whether a next page exists), and drops the rows
 * already shown. Every row appears on exactly one page as long as the history below the cursor does
 * not change.
 *
 * @param from the first row's time (epoch ms), or null for the first page
 * @param skip rows at {@code from} that earlier pages showed
 * @param limit rows per page
 */
record Paging(@Nullable Long from, int skip, int limit) {

  /** The most rows the audit API returns for one question. */
  static final int API_MAX = 10_000;

  /** The most rows a page of the console shows. */
  static final int MAX_LIMIT = 500;

  Paging {
    if (limit < 1 || limit >= API_MAX) {
      throw new IllegalArgumentException("limit must be between 1 and " + (API_MAX - 1));
    }
    if (skip < 0 || skip + limit + 1 > API_MAX) {
      throw new IllegalArgumentException(
          "skip must be between 0 and " + (API_MAX - limit - 1) + " for a page of " + limit);
    }
    if (from == null && skip != 0) {
      throw new IllegalArgumentException("skip needs from");
    }
  }

  /** The limit to ask the API for. */
  int apiLimit() {
    return skip + limit + 1;
  }

  /**
   * A page of rows and the paging of the next page, if there is one.
   *
   * @param cut true when more rows follow but share one millisecond with more rows than the API
   *     returns at once, so no next page can be asked for (narrow the filters instead)
   */
  record Page<T>(List<T> rows, @Nullable Paging next, boolean cut) {
    Page {
      rows = List.copyOf(rows);
    }
  }

  /**
   * This page of {@code fetched}, the API's answer to {@code from} and {@link #apiLimit()}.
   *
   * @param time a row's time, epoch ms
   */
  <T> Page<T> page(List<T> fetched, ToLongFunction<T> time) {
    requireNonNull(fetched, "fetched");
    requireNonNull(time, "time");
    int start = Math.min(skip, fetched.size());
    int end = Math.min(skip + limit, fetched.size());
    List<T> rows = fetched.subList(start, end);
    if (fetched.size() <= skip + limit || rows.isEmpty()) {
      return new Page<>(rows, null, false);
    }
    long last = time.applyAsLong(rows.get(rows.size() - 1));
    int same = 0;
    for (int i = 0; i < end; i++) {
      if (time.applyAsLong(fetched.get(i)) == last) {
        same++;
      }
    }
    if (same + limit + 1 > API_MAX) {
      // More rows in one millisecond than one question may return: the page cannot go on.
      return new Page<>(rows, null, true);
    }
    return new Page<>(rows, new Paging(last, same, limit), false);
  }
}
