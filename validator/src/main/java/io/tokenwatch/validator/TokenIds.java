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

  private static long hex(String s, int from, int to) {
    long v = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      v = (v << 4) | (c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return v;
  }
}
