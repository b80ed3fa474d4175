package io.tokenwatch.keys;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The issuer's signing keys, persisted in {@code <data dir>/keys}, one JSON file per key holding
 * the private JWK (owner-only permissions) and its lifecycle.
 *
 * <p>One key signs at a time. {@link #rotate} generates a new one and retires the old: the old
 * public key stays in the JWKS until every token it signed has expired ({@code publishUntil} =
 * retirement + the longest token lifetime), so validators never meet a token whose key they cannot
 * find. Keys past that instant are dropped when the set is next opened or rotated.
 *
 * <p>Thread-safe: readers see an immutable snapshot; rotation is serialized.
 */
public final class SigningKeys {

  private static final Logger LOG = LoggerFactory.getLogger(SigningKeys.class);
  private static final Set<PosixFilePermission> OWNER_ONLY =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  private final Path dir;
  private final Clock clock;
  private volatile Snapshot snapshot;

  private record Snapshot(
      SigningKey current,
      Map<String, SigningKey> published,
      Map<String, JWSVerifier> verifiers,
      String jwksJson) {}

  private SigningKeys(Path dir, Clock clock, List<SigningKey> keys) {
    this.dir = dir;
    this.clock = clock;
    this.snapshot = snapshot(keys);
  }

  /**
   * Opens the key set in {@code dataDir/keys}, generating a first key with {@code algorithm} when
   * there is none that signs.
   *
   * @throws UncheckedIOException when the directory or a key file cannot be read or written
   */
  public static SigningKeys open(Path dataDir, SigningAlgorithm algorithm, Clock clock) {
    requireNonNull(dataDir, "dataDir");
    requireNonNull(algorithm, "algorithm");
    requireNonNull(clock, "clock");
    Path dir = dataDir.resolve("keys");
    try {
      Files.createDirectories(dir);
      List<SigningKey> keys = new ArrayList<>();
      try (Stream<Path> files = Files.list(dir)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".jwk.json")).toList()) {
          keys.add(read(file));
        }
      }
      Instant now = clock.instant();
      keys.removeIf(key -> expired(key, now, dir));
      if (keys.stream().noneMatch(key -> key.retiredAt() == null)) {
        SigningKey created = generate(algorithm, now);
        write(dir, created);
        keys.add(created);
        LOG.info("Generated signing key {} ({})", created.kid(), algorithm);
      }
      return new SigningKeys(dir, clock, keys);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open signing keys in " + dir, e);
    }
  }

  /**
   * Loads the key set an issuer keeps in {@code dataDir/keys}, read-only: never generates, writes
   * nor deletes a key file. For services that sign with the issuer's keys without owning them; call
   * {@link #reload()} to pick up a rotation.
   *
   * @throws IllegalStateException when the directory holds no key that signs
   * @throws UncheckedIOException when the directory or a key file cannot be read
   */
  public static SigningKeys load(Path dataDir, Clock clock) {
    requireNonNull(dataDir, "dataDir");
    requireNonNull(clock, "clock");
    Path dir = dataDir.resolve("keys");
    return new SigningKeys(dir, clock, readLive(dir, clock.instant()));
  }

  /**
   * Re-reads the key directory, so a rotation done by the issuer takes effect here; the snapshot is
   * kept when the directory holds no key that signs. Read-only, like {@link #load}.
   *
   * @return whether the current key changed
   * @throws UncheckedIOException when the directory or a key file cannot be read; the old snapshot
   *     stays
   */
  public synchronized boolean reload() {
    List<SigningKey> keys;
    try {
      keys = readLive(dir, clock.instant());
    } catch (IllegalStateException e) {
      LOG.warn("Keeping the loaded signing keys: {}", e.getMessage());
      return false;
    }
    String before = snapshot.current.kid();
    snapshot = snapshot(keys);
    return !before.equals(snapshot.current.kid());
  }

  private static List<SigningKey> readLive(Path dir, Instant now) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException("no signing keys: " + dir + " is not a directory");
    }
    List<SigningKey> keys = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".jwk.json")).toList()) {
        SigningKey key = read(file);
        if (key.publishUntil() == null || now.isBefore(key.publishUntil())) {
          keys.add(key);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read signing keys in " + dir, e);
    }
    if (keys.stream().noneMatch(key -> key.retiredAt() == null)) {
      throw new IllegalStateException("no signing keys: " + dir + " holds no key that signs");
    }
    return keys;
  }

  /** The key that signs new tokens. */
  public SigningKey current() {
    return snapshot.current;
  }

  /** The published keys (the current one and retired ones still covering live tokens), by kid. */
  public Map<String, SigningKey> published() {
    return snapshot.published;
  }

  /** The JWKS document (public keys only), as served at {@code /.well-known/jwks.json}. */
  public String jwksJson() {
    return snapshot.jwksJson;
  }

  /** A verifier for a published key, empty for an unknown {@code kid}. */
  public Optional<JWSVerifier> verifier(String kid) {
    return Optional.ofNullable(snapshot.verifiers.get(kid));
  }

  /**
   * Generates a new signing key and retires the current one, whose public key stays published for
   * {@code longestTokenLifetime}.
   *
   * @return the new current key
   * @throws UncheckedIOException when the key files cannot be written; the old key then keeps
   *     signing
   */
  public synchronized SigningKey rotate(SigningAlgorithm algorithm, Duration longestTokenLifetime) {
    requireNonNull(algorithm, "algorithm");
    requireNonNull(longestTokenLifetime, "longestTokenLifetime");
    Instant now = clock.instant();
    SigningKey created = generate(algorithm, now);
    SigningKey old = snapshot.current;
    SigningKey retired =
        new SigningKey(
            old.kid(),
            old.algorithm(),
            old.privateJwk(),
            old.signer(),
            old.createdAt(),
            now,
            now.plus(longestTokenLifetime));
    try {
      write(dir, created);
      write(dir, retired);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write rotated signing keys to " + dir, e);
    }
    List<SigningKey> keys = new ArrayList<>();
    keys.add(created);
    keys.add(retired);
    for (SigningKey key : snapshot.published.values()) {
      if (!key.kid().equals(old.kid()) && !expired(key, now, dir)) {
        keys.add(key);
      }
    }
    snapshot = snapshot(keys);
    LOG.info(
        "Rotated signing key {} -> {}; {} stays published until {}",
        old.kid(),
        created.kid(),
        old.kid(),
        retired.publishUntil());
    return created;
  }

  private static Snapshot snapshot(List<SigningKey> keys) {
    SigningKey current =
        keys.stream()
            .filter(key -> key.retiredAt() == null)
            .max(Comparator.comparing(SigningKey::createdAt))
            .orElseThrow(() -> new IllegalStateException("no signing key"));
    Map<String, SigningKey> published = new LinkedHashMap<>();
    published.put(current.kid(), current);
    keys.stream()
        .sorted(Comparator.comparing(SigningKey::createdAt).reversed())
        .forEach(key -> published.putIfAbsent(key.kid(), key));
    Map<String, JWSVerifier> verifiers = new LinkedHashMap<>();
    List<JWK> publicKeys = new ArrayList<>();
    for (SigningKey key : published.values()) {
      verifiers.put(key.kid(), verifier(key));
      publicKeys.add(key.publicJwk());
    }
    String jwks = JSONObjectUtils.toJSONString(new JWKSet(publicKeys).toJSONObject(true));
    return new Snapshot(current, Map.copyOf(published), Map.copyOf(verifiers), jwks);
  }

  private static boolean expired(SigningKey key, Instant now, Path dir) {
    Instant until = key.publishUntil();
    if (until != null && !now.isBefore(until)) {
      try {
        Files.deleteIfExists(dir.resolve(key.kid() + ".jwk.json"));
      } catch (IOException e) {
        LOG.warn("Cannot delete expired signing key {}: {}", key.kid(), e.getMessage());
      }
      return true;
    }
    return false;
  }

  private static SigningKey generate(SigningAlgorithm algorithm, Instant now) {
    try {
      JWK jwk =
          switch (algorithm) {
            case EDDSA ->
                new OctetKeyPairGenerator(Curve.Ed25519)
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(algorithm.jws())
                    .generate();
            case RS256 ->
                new RSAKeyGenerator(2048)
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(algorithm.jws())
                    .generate();
          };
      String kid = jwk.computeThumbprint().toString();
      JWK withKid =
          switch (algorithm) {
            case EDDSA -> new OctetKeyPair.Builder(jwk.toOctetKeyPair()).keyID(kid).build();
            case RS256 -> new RSAKey.Builder(jwk.toRSAKey()).keyID(kid).build();
          };
      return new SigningKey(kid, algorithm, withKid, signer(withKid, algorithm), now, null, null);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate a " + algorithm + " key", e);
    }
  }

  private static JWSSigner signer(JWK jwk, SigningAlgorithm algorithm) throws JOSEException {
    return switch (algorithm) {
      case EDDSA -> new BouncyCastleEd25519Signer(jwk.toOctetKeyPair());
      case RS256 -> new RSASSASigner(jwk.toRSAKey());
    };
  }

  private static JWSVerifier verifier(SigningKey key) {
    try {
      return switch (key.algorithm()) {
        case EDDSA -> new Ed25519Verifier(key.privateJwk().toOctetKeyPair().toPublicJWK());
        case RS256 -> new RSASSAVerifier(key.privateJwk().toRSAKey().toRSAPublicKey());
      };
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot build a verifier for key " + key.kid(), e);
    }
  }

  private static SigningKey read(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    try {
      Map<String, Object> json = JSONObjectUtils.parse(text);
      JWK jwk = JWK.parse(JSONObjectUtils.getJSONObject(json, "jwk"));
      SigningAlgorithm algorithm =
          SigningAlgorithm.valueOf(JSONObjectUtils.getString(json, "algorithm"));
      return new SigningKey(
          requireNonNull(jwk.getKeyID(), "kid"),
          algorithm,
          jwk,
          signer(jwk, algorithm),
          Instant.ofEpochMilli(JSONObjectUtils.getLong(json, "created_at")),
          instant(json, "retired_at"),
          instant(json, "publish_until"));
    } catch (ParseException | JOSEException | IllegalArgumentException e) {
      throw new IOException("unreadable signing key file " + file + ": " + e.getMessage(), e);
    }
  }

  private static @Nullable Instant instant(Map<String, Object> json, String field)
      throws ParseException {
    return json.get(field) == null
        ? null
        : Instant.ofEpochMilli(JSONObjectUtils.getLong(json, field));
  }

  private static void write(Path dir, SigningKey key) throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("algorithm", key.algorithm().name());
    json.put("created_at", key.createdAt().toEpochMilli());
    json.put("retired_at", key.retiredAt() == null ? null : key.retiredAt().toEpochMilli());
    json.put(
        "publish_until", key.publishUntil() == null ? null : key.publishUntil().toEpochMilli());
    json.put("jwk", key.privateJwk().toJSONObject());
    Path target = dir.resolve(key.kid() + ".jwk.json");
    Path temp = dir.resolve(key.kid() + ".jwk.json.tmp");
    Files.deleteIfExists(temp);
    try {
      // Created owner-only, so the private key is never readable by others, not even briefly.
      Files.createFile(temp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (UnsupportedOperationException e) {
      Files.createFile(temp); // not a POSIX file system: rely on the directory's protection
    } catch (FileAlreadyExistsException e) {
      throw new IOException("concurrent key write to " + temp, e);
    }
    Files.writeString(temp, JSONObjectUtils.toJSONString(json), StandardCharsets.UTF_8);
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
