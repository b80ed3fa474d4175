package io.tokenwatch.keys;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.impl.EdDSAProvider;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import java.util.Arrays;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Ed25519 JWS signatures (RFC 8037) with BouncyCastle's RFC 8032 implementation instead of the Tink
 * code behind nimbus's {@code Ed25519Signer}. Ed25519 is deterministic, so both produce the same
 * signature for the same key and input; BouncyCastle's uses precomputed tables for the base point
 * and took about half the CPU time per signature here, and signing was the largest share of the
 * issuer's CPU per token (docs/benchmarks/issuer.md).
 *
 * <p>Thread-safe: the key parameters are immutable and signing keeps no state between calls.
 */
final class BouncyCastleEd25519Signer extends EdDSAProvider implements JWSSigner {

  private final Ed25519PrivateKeyParameters key;

  BouncyCastleEd25519Signer(OctetKeyPair jwk) throws JOSEException {
    requireNonNull(jwk, "jwk");
    if (!Curve.Ed25519.equals(jwk.getCurve())) {
      throw new JOSEException("not an Ed25519 key: curve " + jwk.getCurve());
    }
    if (!jwk.isPrivate()) {
      throw new JOSEException("the Ed25519 key has no private part");
    }
    byte[] d = jwk.getDecodedD();
    if (d.length != Ed25519PrivateKeyParameters.KEY_SIZE) {
      throw new JOSEException("an Ed25519 private key is 32 bytes, got " + d.length);
    }
    this.key = new Ed25519PrivateKeyParameters(d, 0);
    Arrays.fill(d, (byte) 0);
    if (!Arrays.equals(key.generatePublicKey().getEncoded(), jwk.getDecodedX())) {
      throw new JOSEException("the Ed25519 key's public part (x) does not match its private part");
    }
  }

  @Override
  public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
    JWSAlgorithm alg = header.getAlgorithm();
    if (!JWSAlgorithm.EdDSA.equals(alg) && !JWSAlgorithm.Ed25519.equals(alg)) {
      throw new JOSEException("Ed25519 signs EdDSA or Ed25519 JWS only, not " + alg);
    }
    byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
    key.sign(Ed25519.Algorithm.Ed25519, null, signingInput, 0, signingInput.length, signature, 0);
    return Base64URL.encode(signature);
  }
}
