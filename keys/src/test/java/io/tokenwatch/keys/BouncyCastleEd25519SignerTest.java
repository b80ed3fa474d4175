package io.tokenwatch.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.crypto.tink.subtle.Ed25519Sign;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.util.Base64URL;
import io.tokenwatch.testing.fixtures.MutableClock;
import java.nio.file.Path;
import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BouncyCastleEd25519SignerTest {

  @TempDir Path dir;

  /** A key pair whose public part Tink derives from the seed, independently of BouncyCastle. */
  private static OctetKeyPair keyFromSeed(byte[] seed) throws Exception {
    Ed25519Sign.KeyPair pair = Ed25519Sign.KeyPair.newKeyPairFromSeed(seed);
    return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(pair.getPublicKey()))
        .d(Base64URL.encode(pair.getPrivateKey()))
        .build();
  }

  @Property(tries = 200)
  void shouldSignExactlyAsNimbusTinkSignerAndVerify(
      @ForAll @Size(32) byte[] seed, @ForAll @Size(max = 2048) byte[] signingInput)
      throws Exception {
    OctetKeyPair key = keyFromSeed(seed);
    JWSHeader header = new JWSHeader(JWSAlgorithm.EdDSA);

    Base64URL signature = new BouncyCastleEd25519Signer(key).sign(header, signingInput);

    assertThat(signature).isEqualTo(new Ed25519Signer(key).sign(header, signingInput));
    assertThat(new Ed25519Verifier(key.toPublicJWK()).verify(header, signingInput, signature))
        .isTrue();
  }

  @Test
  void shouldRefuseAHeaderOfAnotherAlgorithm() throws Exception {
    BouncyCastleEd25519Signer signer =
        new BouncyCastleEd25519Signer(new OctetKeyPairGenerator(Curve.Ed25519).generate());

    assertThatThrownBy(() -> signer.sign(new JWSHeader(JWSAlgorithm.RS256), new byte[] {1}))
        .isInstanceOf(JOSEException.class)
        .hasMessageContaining("RS256");
  }

  @Test
  void shouldRefuseAKeyWithoutItsPrivatePartOrWithAnotherPublicPart() throws Exception {
    OctetKeyPair key = new OctetKeyPairGenerator(Curve.Ed25519).generate();
    OctetKeyPair other = new OctetKeyPairGenerator(Curve.Ed25519).generate();
    OctetKeyPair mismatched =
        new OctetKeyPair.Builder(Curve.Ed25519, other.getX()).d(key.getD()).build();

    assertThatThrownBy(() -> new BouncyCastleEd25519Signer(key.toPublicJWK()))
        .isInstanceOf(JOSEException.class)
        .hasMessageContaining("no private part");
    assertThatThrownBy(() -> new BouncyCastleEd25519Signer(mismatched))
        .isInstanceOf(JOSEException.class)
        .hasMessageContaining("does not match");
  }

  @Test
  void shouldSignTheIssuersEdDsaTokensWithBouncyCastle() throws Exception {
    SigningKeys keys =
        SigningKeys.open(
            dir, SigningAlgorithm.EDDSA, new MutableClock(Instant.parse("2030-01-01T00:00:00Z")));

    assertThat(keys.current().signer()).isInstanceOf(BouncyCastleEd25519Signer.class);
  }
}
