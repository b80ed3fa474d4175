package io.tokenwatch.people;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Password hashes of the users file: Argon2id in the PHC string format ({@code
 * $argon2id$v=19$m=19456,t=2,p=1$salt$hash}), made with OWASP's recommended parameters (19 MiB, two
 * passes, one lane, 16-byte salt, 32-byte hash), and bcrypt ({@code $2a$}, {@code $2b$}, {@code
 * $2y$}) accepted for files made by other tools. Anything else, a bare digest above all, is
 * refused. The algorithms are Bouncy Castle's; this class only reads and writes the PHC string
 * around them. Thread-safe.
 */
public final class PasswordHashes {

  /** OWASP Password Storage Cheat Sheet, Argon2id: m=19 MiB, t=2, p=1. */
  static final int MEMORY_KIB = 19 * 1024;

  static final int ITERATIONS = 2;
  static final int PARALLELISM = 1;
  private static final int SALT_BYTES = 16;
  private static final int HASH_BYTES = 32;

  // Bounds on what a users file may ask of every login: a hash with a gigabyte of memory or a
  // thousand passes would make each login (and each guess) a denial of service.
  private static final int MAX_MEMORY_KIB = 1024 * 1024;
  private static final int MAX_ITERATIONS = 64;
  private static final int MAX_PARALLELISM = 16;

  private static final Pattern ARGON2ID =
      Pattern.compile(
          "\\$argon2id\\$v=19\\$m=(\\d{1,8}),t=(\\d{1,3}),p=(\\d{1,2})"
              + "\\$([A-Za-z0-9+/]{11,86})\\$([A-Za-z0-9+/]{22,172})");
  private static final Pattern BCRYPT =
      Pattern.compile("\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder B64_DECODER = Base64.getDecoder();

  /** Verified against when a user name is unknown, so it costs what a known one costs. */
  private static final String DUMMY = hash("tokenwatch: no such user");

  private PasswordHashes() {}

  /**
   * A new Argon2id hash of {@code password} in PHC string format, with a fresh random salt.
   *
   * @throws IllegalArgumentException if the password is empty
   */
  public static String hash(CharSequence password) {
    requireNonNull(password, "password");
    if (password.length() == 0) {
      throw new IllegalArgumentException("the password is empty");
    }
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    byte[] hash = argon2(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM, HASH_BYTES);
    return "$argon2id$v=19$m="
        + MEMORY_KIB
        + ",t="
        + ITERATIONS
        + ",p="
        + PARALLELISM
        + "$"
        + B64.encodeToString(salt)
        + "$"
        + B64.encodeToString(hash);
  }

  /**
   * Why {@code hash} cannot be used as a users-file hash, or empty when it can.
   *
   * @return a message for the person who wrote the file; never contains the hash
   */
  public static Optional<String> problem(String hash) {
    requireNonNull(hash, "hash");
    if (BCRYPT.matcher(hash).matches()) {
      return Optional.empty();
    }
    Matcher argon2 = ARGON2ID.matcher(hash);
    if (argon2.matches()) {
      long memory = Long.parseLong(argon2.group(1));
      int iterations = Integer.parseInt(argon2.group(2));
      int parallelism = Integer.parseInt(argon2.group(3));
      if (memory > MAX_MEMORY_KIB || iterations < 1 || iterations > MAX_ITERATIONS) {
        return Optional.of("asks for more work than a login may cost (m <= 1 GiB, t <= 64)");
      }
      if (parallelism < 1 || parallelism > MAX_PARALLELISM || memory < 8L * parallelism) {
        return Optional.of("has invalid Argon2 parameters");
      }
      return Optional.empty();
    }
    if (hash.startsWith("$argon2i$") || hash.startsWith("$argon2d$")) {
      return Optional.of(
          "is Argon2i or Argon2d; only Argon2id is accepted (make one with 'tokenwatch users"
              + " hash')");
    }
    return Optional.of(
        "is neither an Argon2id hash in PHC format ($argon2id$v=19$...) nor a bcrypt hash"
            + " ($2a$, $2b$, $2y$); make one with 'tokenwatch users hash'");
  }

  /**
   * Whether {@code password} matches {@code hash} (Argon2id or bcrypt). A hash {@link #problem}
   * refuses never matches.
   */
  public static boolean matches(CharSequence password, String hash) {
    requireNonNull(password, "password");
    requireNonNull(hash, "hash");
    if (problem(hash).isPresent()) {
      return false;
    }
    if (BCRYPT.matcher(hash).matches()) {
      try {
        return OpenBSDBCrypt.checkPassword(hash, password.toString().toCharArray());
      } catch (IllegalArgumentException e) {
        // bcrypt reads at most 72 bytes of a password; Bouncy Castle refuses longer ones.
        return false;
      }
    }
    Matcher argon2 = ARGON2ID.matcher(hash);
    if (!argon2.matches()) {
      return false;
    }
    byte[] salt = B64_DECODER.decode(argon2.group(4));
    byte[] expected = B64_DECODER.decode(argon2.group(5));
    byte[] actual =
        argon2(
            password,
            salt,
            Integer.parseInt(argon2.group(1)),
            Integer.parseInt(argon2.group(2)),
            Integer.parseInt(argon2.group(3)),
            expected.length);
    return MessageDigest.isEqual(actual, expected);
  }

  /**
   * Spends the time of one verification and answers false: what a login with an unknown user name
   * costs, so the answer's timing does not tell which names exist.
   */
  static boolean matchesNothing(CharSequence password) {
    matches(password, DUMMY);
    return false;
  }

  private static byte[] argon2(
      CharSequence password,
      byte[] salt,
      int memoryKib,
      int iterations,
      int parallelism,
      int length) {
    Argon2Parameters parameters =
        new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
            .withVersion(Argon2Parameters.ARGON2_VERSION_13)
            .withSalt(salt)
            .withMemoryAsKB(memoryKib)
            .withIterations(iterations)
            .withParallelism(parallelism)
            .build();
    Argon2BytesGenerator generator = new Argon2BytesGenerator();
    generator.init(parameters);
    byte[] secret = password.toString().getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[length];
    try {
      generator.generateBytes(secret, out);
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
    return out;
  }
}
