package io.tokenwatch.issuer.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.people.Role;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The policy's {@code revocation_rights}, from YAML to verdict, against a plain table: for random
 * sections (each kind left out, or given random roles and a random second_person) and random role
 * sets, the parsed policy answers what the table says.
 */
class RevocationRightsPropertiesTest {

  private static final List<String> KINDS =
      List.of("token", "lineage", "grant", "subject", "client", "audience");

  /** The documented defaults, written out by hand rather than taken from the code under test. */
  private static final Map<String, Setting> DEFAULTS =
      Map.of(
          "token", new Setting(Set.of("responder", "admin"), false),
          "lineage", new Setting(Set.of("responder", "admin"), false),
          "grant", new Setting(Set.of("responder", "admin"), false),
          "subject", new Setting(Set.of("responder", "admin"), true),
          "client", new Setting(Set.of("responder", "admin"), true),
          "audience", new Setting(Set.of("responder", "admin"), true));

  record Setting(Set<String> roles, boolean secondPerson) {}

  /** What the table says a person with {@code roles} gets for {@code kind}. */
  private static String model(Map<String, Setting> section, String kind, Set<String> roles) {
    Setting setting = section.getOrDefault(kind, DEFAULTS.get(kind));
    boolean may = setting.roles().stream().anyMatch(roles::contains);
    if (!may) {
      return "FORBIDDEN";
    }
    return setting.secondPerson() ? "NEEDS_SECOND_PERSON" : "REVOKE";
  }

  private static final List<String> ROLES =
      List.of("user", "approver", "auditor", "analyst", "responder", "admin");

  @Provide
  Arbitrary<Map<String, Setting>> sections() {
    Arbitrary<Optional<Setting>> setting =
        Combinators.combine(
                Arbitraries.of(ROLES).set().ofMaxSize(ROLES.size()), Arbitraries.of(true, false))
            .as((roles, second) -> new Setting(roles, second))
            .optional(0.6);
    return setting
        .list()
        .ofSize(KINDS.size())
        .map(
            settings -> {
              Map<String, Setting> section = new LinkedHashMap<>();
              for (int i = 0; i < KINDS.size(); i++) {
                String kind = KINDS.get(i);
                settings.get(i).ifPresent(s -> section.put(kind, s));
              }
              return section;
            });
  }

  @Provide
  Arbitrary<Set<String>> roleSets() {
    return Arbitraries.of(ROLES).set().ofMaxSize(ROLES.size());
  }

  @Provide
  Arbitrary<String> kinds() {
    return Arbitraries.of(KINDS);
  }

  @Property(tries = 300)
  void shouldDecideAsThePlainTableSays(
      @ForAll("sections") Map<String, Setting> section,
      @ForAll("roleSets") Set<String> roles,
      @ForAll("kinds") String kind) {
    Policy policy = parse(section);
    Set<Role> held =
        roles.stream()
            .map(Role::parse)
            .collect(Collectors.toCollection(() -> EnumSet.noneOf(Role.class)));
    SelectorKind selectorKind = SelectorKind.valueOf(kind.toUpperCase(Locale.ROOT));

    RevocationRights.Verdict verdict = policy.revocationRights().verdict(selectorKind, held);

    assertThat(verdict.name()).isEqualTo(model(section, kind, roles));
    assertThat(policy.revocationRights().mayRequest(selectorKind, held))
        .isEqualTo(!verdict.equals(RevocationRights.Verdict.FORBIDDEN));
  }

  @Test
  void shouldLetRespondersRevokeATokenAtOnceButNeedASecondPersonForASubjectByDefault() {
    Policy policy = parse(Map.of());
    Set<Role> responder = EnumSet.of(Role.RESPONDER);

    assertThat(policy.revocationRights().verdict(SelectorKind.TOKEN, responder))
        .isEqualTo(RevocationRights.Verdict.REVOKE);
    assertThat(policy.revocationRights().verdict(SelectorKind.SUBJECT, responder))
        .isEqualTo(RevocationRights.Verdict.NEEDS_SECOND_PERSON);
    assertThat(policy.revocationRights().verdict(SelectorKind.TOKEN, EnumSet.of(Role.ANALYST)))
        .isEqualTo(RevocationRights.Verdict.FORBIDDEN);
  }

  @Test
  void shouldSpellOutTheDefaultsInTheSamplePolicy() throws Exception {
    byte[] sample;
    try (java.io.InputStream in =
        RevocationRightsPropertiesTest.class.getResourceAsStream("/sample-policy.yaml")) {
      sample = in.readAllBytes();
    }

    Policy policy = new PolicyParser(Duration.ofHours(1), "https://issuer.example").parse(sample);

    assertThat(policy.revocationRights()).isEqualTo(RevocationRights.DEFAULTS);
    assertThat(new String(sample, StandardCharsets.UTF_8)).contains("revocation_rights:");
  }

  @Test
  void shouldReportEveryMistakeInTheSectionAtOnce() {
    String section =
        """
        revocation_rights:
          subjects:
            roles: [responder]
          client:
            roles: [hacker]
            second_person: maybe
          token:
            roles: [admin]
            second: true
          audience: everyone
        """;

    assertThatThrownBy(() -> parseDocument(PolicyParserTestDocuments.MINIMAL + section))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("revocation_rights.subjects: not a selector kind")
        .hasMessageContaining("revocation_rights.client.roles: 'hacker' is not a role")
        .hasMessageContaining("revocation_rights.client.second_person: must be true or false")
        .hasMessageContaining("revocation_rights.token.second: unknown key")
        .hasMessageContaining("revocation_rights.audience: must be a mapping");
  }

  private static Policy parse(Map<String, Setting> section) {
    StringBuilder yaml = new StringBuilder(PolicyParserTestDocuments.MINIMAL);
    if (!section.isEmpty()) {
      yaml.append("revocation_rights:\n");
      section.forEach(
          (kind, setting) ->
              yaml.append("  ")
                  .append(kind)
                  .append(":\n    roles: [")
                  .append(String.join(", ", setting.roles()))
                  .append("]\n    second_person: ")
                  .append(setting.secondPerson())
                  .append('\n'));
    }
    return parseDocument(yaml.toString());
  }

  private static Policy parseDocument(String document) {
    return new PolicyParser(Duration.ofHours(1), "https://issuer.example")
        .parse(document.getBytes(StandardCharsets.UTF_8));
  }

  /** A minimal valid policy without a revocation_rights section. */
  private static final class PolicyParserTestDocuments {
    static final String MINIMAL =
        """
        policy_id: p
        scopes:
          a:read:
            description: Read.
            risk: low
        clients:
          svc:
            kind: machine
            secret_sha256: QGtwhBykV_gmVVHEIpIbXmkgzmV3jsAnVKD3ku_esEE
            audiences:
              "https://api.example":
                scopes: [a:read]
                default_ttl: PT5M
                max_ttl: PT5M
        """;
  }
}
