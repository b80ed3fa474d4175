package io.tokenwatch.validator;

import java.util.concurrent.locks.StampedLock;

/**
 * A set of 128-bit ids (UUIDs as two longs) in one {@code long[]}, open addressing with linear
 * probing and backward-shift deletion: 16 bytes per slot, no object per entry.
 *
 * <p>One writer at a time (writes take the write lock); readers are lock-free: they probe under a
 * {@link StampedLock} optimistic stamp and fall back to the read lock only when a write overlapped,
 * so a reader never acts on a half-moved table.
 */
final class PackedIdSet {

  private static final int MIN_CAPACITY = 16;
  private static final double MAX_LOAD = 0.75;
  private static final double GROWTH = 1.5;

  private final StampedLock lock = new StampedLock();
  // (hi, lo) pairs; (0, 0) marks an empty slot, so the nil UUID is kept aside.
  private long[] slots;
  private int capacity;
  private int size;
  private volatile boolean containsNil;

  PackedIdSet() {
    this(MIN_CAPACITY);
  }

  PackedIdSet(int expectedSize) {
    this.capacity = Math.max(MIN_CAPACITY, (int) Math.ceil(expectedSize / MAX_LOAD) + 1);
    this.slots = new long[2 * capacity];
  }

  boolean contains(long hi, long lo) {
    if ((hi | lo) == 0) {
      return containsNil;
    }
    long stamp = lock.tryOptimisticRead();
    if (stamp != 0) {
      long[] table = slots;
      int cap = capacity;
      boolean found = probe(table, cap, hi, lo) >= 0;
      if (lock.validate(stamp)) {
        return found;
      }
    }
    stamp = lock.readLock();
    try {
      return probe(slots, capacity, hi, lo) >= 0;
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** Adds the id; {@code false} when it was already present. */
  boolean add(long hi, long lo) {
    if ((hi | lo) == 0) {
      boolean added = !containsNil;
      containsNil = true;
      return added;
    }
    long stamp = lock.writeLock();
    try {
      if (probe(slots, capacity, hi, lo) >= 0) {
        return false;
      }
      if (size + 1 > capacity * MAX_LOAD) {
        resize((int) Math.min(Integer.MAX_VALUE / 2 - 8, (long) (capacity * GROWTH) + 1));
      }
      insert(slots, capacity, hi, lo);
      size++;
      return true;
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /** Removes the id; {@code false} when it was absent. */
  boolean remove(long hi, long lo) {
    if ((hi | lo) == 0) {
      boolean removed = containsNil;
      containsNil = false;
      return removed;
    }
    long stamp = lock.writeLock();
    try {
      int i = probe(slots, capacity, hi, lo);
      if (i < 0) {
        return false;
      }
      // Backward-shift deletion keeps every probe chain unbroken without tombstone markers.
      int j = i;
      while (true) {
        j = j + 1 == capacity ? 0 : j + 1;
        long h = slots[2 * j];
        long l = slots[2 * j + 1];
        if ((h | l) == 0) {
          break;
        }
        int home = home(h, l, capacity);
        boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
          slots[2 * i] = h;
          slots[2 * i + 1] = l;
          i = j;
        }
      }
      slots[2 * i] = 0;
      slots[2 * i + 1] = 0;
      size--;
      return true;
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /**
   * Makes room for {@code expectedSize} ids in all, so that adding up to that many does not resize;
   * never shrinks. A loader that knows how many records are coming calls this once instead of
   * paying for every intermediate table (each resize rehashes everything held).
   */
  void reserve(int expectedSize) {
    if (expectedSize <= 0) {
      return;
    }
    int wanted =
        (int) Math.min(Integer.MAX_VALUE / 2 - 8, (long) Math.ceil(expectedSize / MAX_LOAD) + 1);
    long stamp = lock.writeLock();
    try {
      if (wanted > capacity) {
        resize(wanted);
      }
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  int size() {
    long stamp = lock.readLock();
    try {
      return size + (containsNil ? 1 : 0);
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** Bytes held by the table itself. */
  long tableBytes() {
    long stamp = lock.readLock();
    try {
      return 16L * capacity;
    } finally {
      lock.unlockRead(stamp);
    }
  }

  private void resize(int newCapacity) {
    long[] table = new long[2 * newCapacity];
    for (int i = 0; i < capacity; i++) {
      long h = slots[2 * i];
      long l = slots[2 * i + 1];
      if ((h | l) != 0) {
        insert(table, newCapacity, h, l);
      }
    }
    slots = table;
    capacity = newCapacity;
  }

  private static void insert(long[] table, int cap, long hi, long lo) {
    int i = home(hi, lo, cap);
    while ((table[2 * i] | table[2 * i + 1]) != 0) {
      i = i + 1 == cap ? 0 : i + 1;
    }
    table[2 * i] = hi;
    table[2 * i + 1] = lo;
  }

  /** The slot holding the id, or -1. Terminates on any table, even one read mid-write. */
  private static int probe(long[] table, int cap, long hi, long lo) {
    if (table.length < 2 * cap || cap <= 0) {
      return -1; // torn read of (slots, capacity): the caller validates and retries
    }
    int i = home(hi, lo, cap);
    for (int n = 0; n < cap; n++) {
      long h = table[2 * i];
      long l = table[2 * i + 1];
      if (h == hi && l == lo) {
        return i;
      }
      if ((h | l) == 0) {
        return -1;
      }
      i = i + 1 == cap ? 0 : i + 1;
    }
    return -1;
  }

  private static int home(long hi, long lo, int cap) {
    long h = hi * 0x9E3779B97F4A7C15L ^ Long.rotateLeft(lo * 0xC2B2AE3D27D4EB4FL, 31);
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    // Maps 32 hash bits onto [0, cap) without a modulo (Lemire's multiply-shift range reduction).
    return (int) (((h >>> 32) * cap) >>> 32);
  }
}
