package io.tokenwatch.console.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.jspecify.annotations.Nullable;

/**
 * Paging through an API that only knows "from (inclusive), oldest first, at most limit" shows every
 * row exactly once, in order, however many rows share a millisecond: checked against the plain
 * list.
 */
class PagingPropertiesTest {

  /** A row: its time and its place in the full history, to tell equal times apart. */
  record Row(long time, int id) {}

  @Property
  void shouldShowEveryRowOnceInOrder(
      @ForAll @Size(max = 60) List<@IntRange(min = 0, max = 3) Integer> gaps,
      @ForAll @IntRange(min = 1, max = 7) int limit) {
    List<Row> history = new ArrayList<>();
    long time = 1_000;
    for (int gap : gaps) {
      time += gap; // a gap of 0: the same millisecond as the previous row
      history.add(new Row(time, history.size()));
    }

    List<Row> shown = new ArrayList<>();
    Paging paging = new Paging(null, 0, limit);
    int pages = 0;
    while (true) {
      Paging.Page<Row> page =
          paging.page(api(history, paging.from(), paging.apiLimit()), Row::time);
      assertThat(page.rows()).hasSizeLessThanOrEqualTo(limit);
      assertThat(page.cut()).isFalse();
      shown.addAll(page.rows());
      pages++;
      if (page.next() == null) {
        break;
      }
      paging = page.next();
      assertThat(pages).as("pages").isLessThanOrEqualTo(history.size() + 1);
    }

    assertThat(shown).containsExactlyElementsOf(history);
    assertThat(pages).isEqualTo(Math.max(1, (history.size() + limit - 1) / limit));
  }

  /** The audit API: rows at or after {@code from}, oldest first, at most {@code limit}. */
  private static List<Row> api(List<Row> history, @Nullable Long from, int limit) {
    return history.stream().filter(row -> from == null || row.time() >= from).limit(limit).toList();
  }
}
