package io.tokenwatch.validator;

/**
 * Reads canonical lower-case UUID strings ({@code 8-4-4-4-12} hex) as two longs, without garbage.
 */
final class TokenIds {
  private TokenIds() {}

  /**
   * Whether {@code id} is a canonical lower-case UUID. Only those go into the packed table, so that
   * matching stays an exact string comparison as the contract says.
   */
  static boolean isCanonicalUuid(String id) {
    if (id.length() != 36) {
      return false;
    }
    for (int i = 0; i < 36; i++) {
      char c = id.charAt(i);
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        if (c != '-') {
          return false;
        }
      } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  /** The high 64 bits of a canonical UUID. */
  static long high(String id) {
    return (hex(id, 0, 8) << 32) | (hex(id, 9, 13) << 16) | hex(id, 14, 18);
  }

  /** The low 64 bits of a canonical UUID. */
  static long low(String id) {
    return (hex(id, 19, 23) << 48) | hex(id, 24, 36);
  }

  /** The value of each ASCII lower-case hex digit; -1 for every other byte. */
  private static final byte[] HEX = new byte[256];

  static {
    java.util.Arrays.fill(HEX, (byte) -1);
    for (int c = '0'; c <= '9'; c++) {
      HEX[c] = (byte) (c - '0');
    }
    for (int c = 'a'; c <= 'f'; c++) {
      HEX[c] = (byte) (c - 'a' + 10);
    }
  }

  /**
   * Whether the {@code length} bytes of {@code b} from {@code offset} are a canonical lower-case
   * UUID in ASCII (the UTF-8 form of a string {@link #isCanonicalUuid(String)} accepts).
   */
  static boolean isCanonicalUuid(byte[] b, int offset, int length) {
    if (length != 36
        || b[offset + 8] != '-'
        || b[offset + 13] != '-'
        || b[offset + 18] != '-'
        || b[offset + 23] != '-') {
      return false;
    }
    // A table lookup per byte: the feed reads a million of these at start, before C2 (if any).
    int any = 0;
    for (int i = 0; i < 36; i++) {
      if (i != 8 && i != 13 && i != 18 && i != 23) {
        any |= HEX[b[offset + i] & 0xff];
      }
    }
    return any >= 0;
  }

  /** The high 64 bits of a canonical UUID held in ASCII from {@code offset}. */
  static long high(byte[] b, int offset) {
    return (hex(b, offset, 8) << 32) | (hex(b, offset + 9, 4) << 16) | hex(b, offset + 14, 4);
  }

  /** The low 64 bits of a canonical UUID held in ASCII from {@code offset}. */
  static long low(byte[] b, int offset) {
    return (hex(b, offset + 19, 4) << 48) | hex(b, offset + 24, 12);
  }

  private static long hex(byte[] b, int from, int length) {
    long v = 0;
    for (int i = from; i < from + length; i++) {
      v = (v << 4) | HEX[b[i] & 0xff];
    }
    return v;
  }

  private static long hex(String s, int from, int to) {
    long v = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      v = (v << 4) | (c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return v;
  }
}
