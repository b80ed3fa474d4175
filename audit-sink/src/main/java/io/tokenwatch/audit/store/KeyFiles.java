package io.tokenwatch.audit.store;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Set;

/**
 * The checkpoint signing key in the data directory: {@value #PRIVATE_KEY} (PKCS#8, owner-only) and
 * {@value #PUBLIC_KEY} (X.509 SubjectPublicKeyInfo), both DER. Verifiers need only the public key.
 */
public final class KeyFiles {

  public static final String PRIVATE_KEY = "audit-checkpoint-ed25519.key";
  public static final String PUBLIC_KEY = "audit-checkpoint-ed25519.pub";

  private KeyFiles() {}

  /** Loads the key pair from {@code dir}, creating it (owner-only) on first use. */
  public static KeyPair loadOrCreate(Path dir) {
    requireNonNull(dir, "dir");
    Path privatePath = dir.resolve(PRIVATE_KEY);
    Path publicPath = dir.resolve(PUBLIC_KEY);
    try {
      if (!Files.exists(privatePath)) {
        Files.createDirectories(dir);
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        writeOwnerOnly(privatePath, pair.getPrivate().getEncoded());
        Files.write(publicPath, pair.getPublic().getEncoded());
        return pair;
      }
      KeyFactory factory = KeyFactory.getInstance("Ed25519");
      PrivateKey privateKey =
          factory.generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(privatePath)));
      return new KeyPair(publicKey(dir), privateKey);
    } catch (IOException | GeneralSecurityException e) {
      throw new StoreException("cannot load or create the checkpoint key in " + dir, e);
    }
  }

  /** Loads the public key from {@code dir}. */
  public static PublicKey publicKey(Path dir) {
    requireNonNull(dir, "dir");
    return publicKeyFile(dir.resolve(PUBLIC_KEY));
  }

  /** Loads a public key file (DER X.509 SubjectPublicKeyInfo). */
  public static PublicKey publicKeyFile(Path publicPath) {
    requireNonNull(publicPath, "publicPath");
    try {
      return KeyFactory.getInstance("Ed25519")
          .generatePublic(new X509EncodedKeySpec(Files.readAllBytes(publicPath)));
    } catch (IOException | GeneralSecurityException e) {
      throw new StoreException("cannot read the checkpoint public key " + publicPath, e);
    }
  }

  private static void writeOwnerOnly(Path path, byte[] bytes) throws IOException {
    try {
      Files.createFile(
          path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(path);
    } catch (FileAlreadyExistsException e) {
      throw e;
    }
    Files.write(path, bytes, StandardOpenOption.TRUNCATE_EXISTING);
    try {
      Files.setPosixFilePermissions(path, Set.copyOf(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the directory's permissions protect it
    }
  }
}
