package io.tokenwatch.schemas.internal;

import static java.util.Objects.requireNonNull;

import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A thread-safe map with a size bound, for caches whose working set is small (schemas in use) but
 * whose keys come from outside (schema ids on the wire, schemas of records handed to a serializer).
 *
 * <p>Reads are lock-free {@link ConcurrentHashMap} lookups, which is what the serde hot path needs.
 * When the bound is reached an arbitrary entry is evicted: the bound protects memory against
 * pathological churn; it is not an LRU policy, and a healthy application never reaches it.
 *
 * @param <K> key type
 * @param <V> value type
 */
public final class BoundedCache<K, V> {
  private final ConcurrentHashMap<K, V> map = new ConcurrentHashMap<>();
  private final int capacity;

  /**
   * Creates an empty cache.
   *
   * @param capacity the maximum number of entries, at least 1
   * @throws IllegalArgumentException if {@code capacity < 1}
   */
  public BoundedCache(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
    }
    this.capacity = capacity;
  }

  /** Returns the cached value for {@code key}, or {@code null} when there is none. */
  public @Nullable V get(K key) {
    return map.get(key);
  }

  /** Caches {@code value} under {@code key}, evicting an arbitrary entry if the cache is full. */
  public void put(K key, V value) {
    requireNonNull(value, "value");
    while (map.size() >= capacity && !map.containsKey(key)) {
      Iterator<K> keys = map.keySet().iterator();
      if (!keys.hasNext()) {
        break;
      }
      keys.next();
      keys.remove();
    }
    map.put(key, value);
  }

  /** The number of cached entries. */
  public int size() {
    return map.size();
  }
}
