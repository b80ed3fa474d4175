package io.tokenwatch.issuer.testkit;

import io.tokenwatch.events.RefreshGrantChanged;
import io.tokenwatch.issuer.GrantMerge;
import io.tokenwatch.issuer.RefreshGrantStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** One instance's view of grant state, merged as the Kafka store merges. */
public final class InMemoryRefreshGrantStore implements RefreshGrantStore {
  public final List<RefreshGrantChanged> saved = new CopyOnWriteArrayList<>();
  private final Map<String, RefreshGrantChanged> grants = new ConcurrentHashMap<>();
  private volatile Consumer<RefreshGrantChanged> race = state -> {};

  /** Called with the grant id on every read, before it is answered: lets a test hold a reader. */
  public volatile Consumer<String> onRead = grantId -> {};

  @Override
  public Optional<RefreshGrantChanged> get(String grantId) {
    onRead.accept(grantId);
    return Optional.ofNullable(grants.get(grantId));
  }

  @Override
  public void save(RefreshGrantChanged state) {
    saved.add(state);
    grants.merge(state.getGrantId(), state, (a, b) -> GrantMerge.merge(a, b).state());
  }

  @Override
  public void onRace(Consumer<RefreshGrantChanged> handler) {
    race = handler;
  }

  /** Applies a state another instance wrote, as the follower would. */
  public void receive(RefreshGrantChanged state) {
    boolean[] raced = new boolean[1];
    RefreshGrantChanged merged =
        grants.compute(
            state.getGrantId(),
            (id, known) -> {
              GrantMerge.Result result = GrantMerge.merge(known, state);
              raced[0] = result.race();
              return result.state();
            });
    if (raced[0]) {
      race.accept(merged);
    }
  }
}
