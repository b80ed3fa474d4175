package io.tokenwatch.audit;

import static java.util.Objects.requireNonNull;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.util.HexFormat;
import java.util.List;

/**
 * Signs checkpoints with an Ed25519 key and checks them with its public key. Thread-safe (a new
 * {@link Signature} per call).
 */
public final class CheckpointSigner {

  private final KeyPair keys;
  private final String keyId;

  public CheckpointSigner(KeyPair keys) {
    this.keys = requireNonNull(keys, "keys");
    this.keyId = keyId(keys.getPublic());
  }

  /** The key id: the first 16 hex digits of SHA-256 of the encoded public key. */
  public static String keyId(PublicKey key) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()))
          .substring(0, 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** This signer's key id. */
  public String keyId() {
    return keyId;
  }

  /** Signs the heads as checkpoint {@code number}. */
  public Checkpoint sign(
      long number, long createdAt, String previousDigest, List<ChainHead> heads) {
    byte[] bytes = Checkpoint.signedBytes(number, createdAt, previousDigest, keyId, heads);
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initSign(keys.getPrivate());
      signature.update(bytes);
      return new Checkpoint(number, createdAt, previousDigest, keyId, heads, signature.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign checkpoint " + number, e);
    }
  }

  /** Whether {@code checkpoint} carries a valid signature by {@code key}. */
  public static boolean isSignedBy(Checkpoint checkpoint, PublicKey key) {
    requireNonNull(checkpoint, "checkpoint");
    requireNonNull(key, "key");
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initVerify(key);
      signature.update(checkpoint.signedBytes());
      return signature.verify(checkpoint.signature());
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }
}
