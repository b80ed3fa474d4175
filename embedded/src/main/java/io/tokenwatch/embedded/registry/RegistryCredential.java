package io.tokenwatch.embedded.registry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.tokenwatch.schemas.registry.RegistrySettings.CredentialsSource;
import io.tokenwatch.schemas.serde.SerdeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.types.Password;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP basic-auth credential that lets a client change the embedded schema registry (register a
 * new version, delete a subject, set a compatibility level); reads need none. Clients send it as
 * Confluent's serdes do, with {@code basic.auth.credentials.source=USER_INFO} and {@code
 * basic.auth.user.info=<user>:<secret>} ({@link #clientSettings()}).
 *
 * <p>{@link #toString()} never shows the secret. Immutable.
 *
 * @param user the user name: not blank, no {@code :} and no control characters
 * @param secret the password: not empty, no control characters
 */
public record RegistryCredential(String user, String secret) {

  private static final Logger log = LoggerFactory.getLogger(RegistryCredential.class);
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  /** Validates both parts. */
  public RegistryCredential {
    requireNonNull(user, "user");
    requireNonNull(secret, "secret");
    if (user.isBlank() || user.indexOf(':') >= 0 || hasControl(user)) {
      throw new IllegalArgumentException(
          "a registry user name must be non-blank, without ':' or control characters");
    }
    if (secret.isEmpty() || hasControl(secret)) {
      throw new IllegalArgumentException(
          "a registry secret must be non-empty, without control characters");
    }
  }

  /**
   * Parses {@code user:secret}, the form of {@code basic.auth.user.info}.
   *
   * @throws IllegalArgumentException if it has no {@code :} or either part is invalid; the message
   *     never contains the secret
   */
  public static RegistryCredential parse(String userInfo) {
    requireNonNull(userInfo, "userInfo");
    int colon = userInfo.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("a registry credential has the form user:secret");
    }
    return new RegistryCredential(userInfo.substring(0, colon), userInfo.substring(colon + 1));
  }

  /** A credential for {@code user} with a fresh random secret (256 bits, base64url). */
  public static RegistryCredential random(String user) {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return new RegistryCredential(
        user, Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
  }

  /**
   * The credential kept in {@code file} ({@code user:secret} on one line), created there with a
   * random secret for {@code user} on first use, readable by its owner only (mode 600 where the
   * file system has POSIX permissions).
   *
   * @throws UncheckedIOException if the file cannot be read or created
   * @throws IllegalArgumentException if the file does not hold a valid credential
   */
  public static RegistryCredential loadOrCreate(Path file, String user) {
    requireNonNull(file, "file");
    requireNonNull(user, "user");
    try {
      if (!Files.exists(file)) {
        RegistryCredential created = random(user);
        try {
          create(file, created.userInfo() + "\n");
          return created;
        } catch (FileAlreadyExistsException raced) {
          // Another process created it first: use theirs.
        }
      }
      warnIfReadableByOthers(file);
      try {
        return parse(Files.readString(file, UTF_8).strip());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the registry credential " + file, e);
    }
  }

  /** {@code user:secret}, the value of {@code basic.auth.user.info}. A secret: never log it. */
  public String userInfo() {
    return user + ":" + secret;
  }

  /**
   * The registry client settings that send this credential: {@code basic.auth.credentials.source}
   * and {@code basic.auth.user.info} (as a {@link Password}, so printing the map hides it).
   */
  public Map<String, Object> clientSettings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put(SerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE, CredentialsSource.USER_INFO.name());
    settings.put(SerdeConfig.BASIC_AUTH_USER_INFO, new Password(userInfo()));
    return settings;
  }

  /**
   * {@code baseUrl} with this credential as its user info, for clients that take credentials from
   * the URL ({@code basic.auth.credentials.source=URL}, the serdes' default). A secret: never log
   * it.
   *
   * @throws IllegalArgumentException if {@code baseUrl} is not an absolute URL
   */
  public String inUrl(String baseUrl) {
    try {
      URI url = new URI(baseUrl);
      return new URI(
              url.getScheme(),
              userInfo(),
              url.getHost(),
              url.getPort(),
              url.getPath(),
              url.getQuery(),
              url.getFragment())
          .toString();
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a URL: " + baseUrl, e);
    }
  }

  /**
   * Whether {@code userInfo} ({@code user:secret}, as a client sent it) is this credential. The
   * comparison takes the same time however much of it matches.
   */
  public boolean matches(String userInfo) {
    requireNonNull(userInfo, "userInfo");
    return MessageDigest.isEqual(sha256(userInfo), sha256(userInfo()));
  }

  @Override
  public String toString() {
    return "RegistryCredential[user=" + user + ", secret=[hidden]]";
  }

  private static void create(Path file, String content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    try {
      // Created owner-only, so the secret is never readable by others, not even briefly.
      Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (UnsupportedOperationException notPosix) {
      // Not a POSIX file system: the directory's own permissions protect the file.
      Files.createFile(file);
    }
    Files.writeString(file, content, UTF_8);
  }

  private static void warnIfReadableByOthers(Path file) throws IOException {
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
      if (!OWNER_ONLY.containsAll(permissions)) {
        log.warn(
            "The schema registry credential {} is readable by others ({}); chmod 600 it",
            file,
            PosixFilePermissions.toString(permissions));
      }
    } catch (UnsupportedOperationException notPosix) {
      // Nothing to check.
    }
  }

  private static boolean hasControl(String text) {
    return text.chars().anyMatch(Character::isISOControl);
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
