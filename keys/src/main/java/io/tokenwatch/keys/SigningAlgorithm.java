package io.tokenwatch.keys;

import com.nimbusds.jose.JWSAlgorithm;

/** The JWS algorithms the issuer signs with. */
public enum SigningAlgorithm {
  /** Ed25519 (the default): small keys, fast signatures. */
  EDDSA(JWSAlgorithm.EdDSA),
  /** RSA PKCS#1 v1.5 with SHA-256, for relying parties that cannot verify EdDSA. */
  RS256(JWSAlgorithm.RS256);

  @SuppressWarnings("ImmutableEnumChecker") // JWSAlgorithm is a value: a name and a requirement
  private final JWSAlgorithm jws;

  SigningAlgorithm(JWSAlgorithm jws) {
    this.jws = jws;
  }

  /** The JOSE algorithm. */
  public JWSAlgorithm jws() {
    return jws;
  }
}
