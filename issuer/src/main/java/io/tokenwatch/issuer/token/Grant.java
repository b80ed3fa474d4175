package io.tokenwatch.issuer.token;

import io.tokenwatch.issuer.EventLogUnavailableException;
import io.tokenwatch.issuer.policy.ClientPolicy;

/**
 * One grant type of the token endpoint. It gets a request whose client is authenticated, whose
 * shared parameters are read and whose proofs of possession are verified, and ends either in {@link
 * Issuance} or in a {@link Denial} recorded through {@link Denials}.
 */
interface Grant {

  /**
   * Decides and answers {@code attempt} for {@code client}.
   *
   * @throws EventLogUnavailableException when an issuance cannot be made durable in time
   */
  TokenResponse grant(Attempt attempt, ClientPolicy client, Proofs proofs);
}
