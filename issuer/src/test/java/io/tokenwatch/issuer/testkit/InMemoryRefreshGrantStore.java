package io.tokenwatch.issuer.testkit;

import io.tokenwatch.events.RefreshGrantChanged;
import io.tokenwatch.issuer.GrantFold;
import io.tokenwatch.issuer.RefreshGrantStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * One instance's view of grant state, folded as the Kafka store folds: the records this instance
 * appends and those {@link #receive received} from another instance form one log, in call order. An
 * unsealed loss is handed to the handler at once (no grace period).
 */
public final class InMemoryRefreshGrantStore implements RefreshGrantStore {
  public final List<RefreshGrantChanged> saved = new CopyOnWriteArrayList<>();
  private final Map<String, GrantFold.Folded> grants = new ConcurrentHashMap<>();
  private volatile Consumer<RefreshGrantChanged> unsealed = state -> {};

  /** Called with the grant id on every read, before it is answered: lets a test hold a reader. */
  public volatile Consumer<String> onRead = grantId -> {};

  @Override
  public Optional<RefreshGrantChanged> get(String grantId) {
    onRead.accept(grantId);
    GrantFold.Folded folded = grants.get(grantId);
    return folded == null ? Optional.empty() : Optional.of(folded.state());
  }

  @Override
  public Optional<RefreshGrantChanged> latest(String grantId) {
    return get(grantId);
  }

  @Override
  public Append send(RefreshGrantChanged record) {
    saved.add(record);
    GrantFold.Step step = fold(record);
    return () -> step;
  }

  @Override
  public void onUnsealed(Consumer<RefreshGrantChanged> handler) {
    unsealed = handler;
  }

  /** Applies a state another instance wrote, as the follower would. */
  public void receive(RefreshGrantChanged state) {
    GrantFold.Step step = fold(state);
    if (!step.folded().sealed()) {
      unsealed.accept(step.folded().state());
    }
  }

  private GrantFold.Step fold(RefreshGrantChanged record) {
    GrantFold.Step[] step = new GrantFold.Step[1];
    grants.compute(
        record.getGrantId(),
        (id, known) -> {
          step[0] = GrantFold.fold(known, record);
          return step[0].folded();
        });
    return step[0];
  }
}
