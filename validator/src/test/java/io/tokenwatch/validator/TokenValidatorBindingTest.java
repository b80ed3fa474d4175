package io.tokenwatch.validator;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** DPoP and mTLS binding, and the request never printing its token. */
class TokenValidatorBindingTest extends TokenValidatorHarness {

  // ---- DPoP ----

  private String dpopToken() {
    return tokens.sign(TestTokens.claims(NOW).claim("cnf", tokens.dpopCnf()).build());
  }

  private Decision validateDpop(String token, String proof) {
    return validator.validate(
        TokenRequest.of(token, "GET", URI_, Set.of("read")).withDpopProof(proof));
  }

  @Test
  void shouldAllowDpopBoundTokenWithValidProof() {
    String token = dpopToken();
    Decision decision = validateDpop(token, tokens.proof("GET", URI_, token, NOW));
    assertThat(decision.allowed()).isTrue();
    assertThat(decision.bindingThumbprint()).isEqualTo(tokens.dpopThumbprint());
  }

  @Test
  void shouldAcceptProofHtuWithDefaultPortAndQuery() {
    String token = dpopToken();
    assertThat(
            validator
                .validate(
                    TokenRequest.of(token, "GET", URI_ + "?page=2", Set.of())
                        .withDpopProof(
                            tokens.proof("GET", "https://API.example:443/orders/42", token, NOW)))
                .allowed())
        .isTrue();
  }

  @Test
  void shouldDenyDpopBoundTokenWithoutProof() {
    String token = dpopToken();
    assertDenied(validate(token), DenyReason.MISSING_PROOF);
  }

  @Test
  void shouldDenyProofForAnotherMethodUriOrToken() {
    String token = dpopToken();
    assertDenied(
        validateDpop(token, tokens.proof("POST", URI_, token, NOW)), DenyReason.INVALID_PROOF);
    assertDenied(
        validateDpop(token, tokens.proof("GET", "https://api.example/orders/43", token, NOW)),
        DenyReason.INVALID_PROOF);
    assertDenied(
        validateDpop(token, tokens.proof("GET", URI_, "another-token", NOW)),
        DenyReason.INVALID_PROOF);
  }

  @Test
  void shouldDenyStaleOrFutureProof() {
    String token = dpopToken();
    assertDenied(
        validateDpop(token, tokens.proof("GET", URI_, token, NOW.minusSeconds(300))),
        DenyReason.INVALID_PROOF);
    assertDenied(
        validateDpop(token, tokens.proof("GET", URI_, token, NOW.plusSeconds(300))),
        DenyReason.INVALID_PROOF);
  }

  @Test
  void shouldDenyProofSignedByAnotherKey() throws Exception {
    String token = dpopToken();
    ECKey other = new ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_256).generate();
    assertDenied(
        validateDpop(
            token,
            TestTokens.proof(other, TestTokens.proofClaims("GET", URI_, token, NOW).build())),
        DenyReason.BINDING_MISMATCH);
  }

  @Test
  void shouldDenyProofWithWrongTypeOrForgedSignature() {
    String token = dpopToken();
    String proof = tokens.proof("GET", URI_, token, NOW);
    String[] parts = proof.split("\\.");
    String forged =
        parts[0]
            + "."
            + Base64URL.encode(
                    TestTokens.proofClaims("GET", URI_, token, NOW)
                        .build()
                        .toString()
                        .getBytes(StandardCharsets.UTF_8))
                .toString()
            + "."
            + parts[2];
    assertDenied(validateDpop(token, forged), DenyReason.INVALID_PROOF);
    assertDenied(validateDpop(token, "garbage"), DenyReason.INVALID_PROOF);
    assertDenied(validateDpop(token, token), DenyReason.INVALID_PROOF); // typ at+jwt, no jwk
  }

  @Test
  void shouldDenyProofWithBlankJtiAsTheIssuerDoes() {
    String token = dpopToken();
    for (String jti : new String[] {"", " ", "\t"}) {
      assertDenied(
          validateDpop(
              token,
              TestTokens.proof(
                  tokens.dpopKey,
                  TestTokens.proofClaims("GET", URI_, token, NOW).jwtID(jti).build())),
          DenyReason.INVALID_PROOF);
    }
  }

  @Test
  void shouldDenyReplayedProof() {
    String token = dpopToken();
    String proof = tokens.proof("GET", URI_, token, NOW);
    assertThat(validateDpop(token, proof).allowed()).isTrue();
    assertDenied(validateDpop(token, proof), DenyReason.PROOF_REPLAYED);
  }

  @Test
  void shouldDenyDpopSchemeWithUnboundToken() {
    String token = tokens.sign(TestTokens.claims(NOW).build());
    assertDenied(
        validateDpop(token, tokens.proof("GET", URI_, token, NOW)), DenyReason.BINDING_MISMATCH);
  }

  // ---- mTLS ----

  @Test
  void shouldCheckCertificateBinding() {
    String token =
        tokens.sign(TestTokens.claims(NOW).claim("cnf", Map.of("x5t#S256", "cert-thumb")).build());
    TokenRequest request = TokenRequest.of(token, "GET", URI_, Set.of());
    assertDenied(validator.validate(request), DenyReason.MISSING_PROOF);
    assertDenied(
        validator.validate(request.withClientCertificateThumbprint("other-thumb")),
        DenyReason.BINDING_MISMATCH);
    Decision allowed = validator.validate(request.withClientCertificateThumbprint("cert-thumb"));
    assertThat(allowed.allowed()).isTrue();
    assertThat(allowed.bindingThumbprint()).isEqualTo("cert-thumb");
  }

  @Test
  void shouldNeverPrintTheTokenInRequestToString() {
    String token = tokens.sign(TestTokens.claims(NOW).build());
    assertThat(TokenRequest.of(token, "GET", URI_, Set.of()).toString()).doesNotContain(token);
  }
}
