package io.tokenwatch.issuer.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyHolderTest {

  @TempDir Path dir;
  Path file;
  String sample;
  final List<PolicyHolder.ReloadResult> reloads = new CopyOnWriteArrayList<>();
  final PolicyParser parser = new PolicyParser(Duration.ofHours(1), "http://localhost:9400");

  @BeforeEach
  void writeSample() throws Exception {
    try (InputStream in = PolicyHolderTest.class.getResourceAsStream("/sample-policy.yaml")) {
      sample = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    file = dir.resolve("policy.yaml");
    Files.writeString(file, sample);
  }

  @Test
  void shouldLoadTheSamplePolicyWithAContentHashVersion() throws Exception {
    try (PolicyHolder holder = new PolicyHolder(file, parser, reloads::add)) {
      Policy policy = holder.current();

      assertThat(policy.id()).isEqualTo("tokenwatch-sample");
      assertThat(policy.version()).isEqualTo(PolicyParser.versionOf(sample)).hasSize(16);
      assertThat(policy.clients()).containsKeys("orders-service", "reporting-agent");
      assertThat(policy.admins()).containsExactly("security-console");
      assertThat(policy.client("reporting-agent").orElseThrow().rule("https://orders.example.com"))
          .get()
          .satisfies(rule -> assertThat(rule.binding()).isEqualTo(Binding.DPOP));
    }
  }

  @Test
  void shouldPutAValidChangeInForceWithANewVersion() throws Exception {
    try (PolicyHolder holder = new PolicyHolder(file, parser, reloads::add)) {
      String before = holder.current().version();
      Files.writeString(file, sample.replace("max_ttl: PT15M", "max_ttl: PT10M"));

      PolicyHolder.ReloadResult result = holder.reload();

      assertThat(result).isInstanceOf(PolicyHolder.ReloadResult.Loaded.class);
      assertThat(holder.current().version()).isNotEqualTo(before);
      assertThat(holder.reload()).isInstanceOf(PolicyHolder.ReloadResult.Unchanged.class);
      assertThat(reloads).hasSize(1);
    }
  }

  @Test
  void shouldRejectAnInvalidChangeListingEveryProblemAndKeepTheLastGoodPolicy() throws Exception {
    try (PolicyHolder holder = new PolicyHolder(file, parser, reloads::add)) {
      Policy good = holder.current();
      Files.writeString(
          file,
          sample
              .replace(
                  "scopes: [orders:read, orders:write]", "scopes: [orders:read, orders:delete]")
              .replace("max_ttl: PT15M", "max_ttl: PT2H")
              .replace(
                  "binding: dpop\n        refresh_ttl",
                  "binding: carrier-pigeon\n        refresh_ttl")
              .replace("admins: [security-console]", "admins: [mallory]"));

      PolicyHolder.ReloadResult result = holder.reload();

      assertThat(result).isInstanceOf(PolicyHolder.ReloadResult.Rejected.class);
      assertThat(((PolicyHolder.ReloadResult.Rejected) result).problems())
          .hasSize(5)
          .anySatisfy(
              p -> assertThat(p).contains("orders:delete").contains("not in the scope catalogue"))
          .anySatisfy(p -> assertThat(p).contains("max_ttl").contains("ceiling"))
          .anySatisfy(p -> assertThat(p).contains("carrier-pigeon"))
          .anySatisfy(p -> assertThat(p).contains("mallory"))
          .anySatisfy(
              p ->
                  assertThat(p)
                      .contains("security-console")
                      .contains("admin scope 'tokenwatch:admin'")
                      .contains("not listed in admins"));
      assertThat(holder.current()).isSameAs(good);
    }
  }

  @Test
  void shouldRefuseToStartWithAnInvalidPolicy() throws Exception {
    Files.writeString(file, "policy_id: x\nclients: {}\nsurprise: true\n");

    assertThatThrownBy(() -> new PolicyHolder(file, parser, reloads::add))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("surprise: unknown key")
        .hasMessageContaining("scope catalogue is required");
  }

  @Test
  void shouldDenyByDefaultWhenAClientHasNoRuleForTheAudience() throws Exception {
    try (PolicyHolder holder = new PolicyHolder(file, parser, reloads::add)) {
      ClientPolicy console = holder.current().client("security-console").orElseThrow();

      Decision decision =
          IssuanceRules.decide(
              console,
              "https://orders.example.com",
              List.of("orders:read"),
              null,
              null,
              java.util.Set.of());

      assertThat(decision).isInstanceOf(Decision.Denied.class);
    }
  }
}
