package io.tokenwatch.signals;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PushEndpointsTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://93.184.215.14/events",
        "https://127.0.0.1/events",
        "https://localhost/events",
        "https://10.1.2.3/events",
        "https://192.168.0.1/events",
        "https://172.16.5.5/events",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/events",
        "https://[::1]/events",
        "https://[fd00::1]/events",
        "https://[fe80::1]/events",
        "https://0.0.0.0/events",
        "https://user:pass@93.184.215.14/events",
        "https://224.0.0.1/events"
      })
  void shouldRefuseEndpointsThatAreNotPublicHttps(String endpoint) {
    assertThat(PushEndpoints.strict(URI.create(endpoint))).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://93.184.215.14/events", "https://[2606:2800:21f:cb07::1]/ssf"})
  void shouldAcceptHttpsEndpointsOnPublicAddresses(String endpoint) {
    assertThat(PushEndpoints.strict(URI.create(endpoint))).isTrue();
  }
}
