package io.tokenwatch.keys;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.jwk.JWK;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One signing key.
 *
 * @param kid the key id, the RFC 7638 thumbprint of the public key
 * @param algorithm what it signs with
 * @param privateJwk the key pair; never published
 * @param signer a signer for it (thread-safe)
 * @param createdAt when it was generated
 * @param retiredAt when a newer key replaced it for signing, or null while it signs
 * @param publishUntil until when its public key stays in the JWKS after retirement (its last token
 *     has expired by then), or null while it signs
 */
public record SigningKey(
    String kid,
    SigningAlgorithm algorithm,
    JWK privateJwk,
    JWSSigner signer,
    Instant createdAt,
    @Nullable Instant retiredAt,
    @Nullable Instant publishUntil) {

  public SigningKey {
    requireNonNull(kid, "kid");
    requireNonNull(algorithm, "algorithm");
    requireNonNull(privateJwk, "privateJwk");
    requireNonNull(signer, "signer");
    requireNonNull(createdAt, "createdAt");
  }

  /** The public half, as published. */
  public JWK publicJwk() {
    return privateJwk.toPublicJWK();
  }

  @Override
  public String toString() {
    return "SigningKey[kid=" + kid + ", algorithm=" + algorithm + ", retiredAt=" + retiredAt + "]";
  }
}
