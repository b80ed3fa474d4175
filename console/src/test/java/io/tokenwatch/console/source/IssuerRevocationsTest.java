package io.tokenwatch.console.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwatch.people.Person;
import io.tokenwatch.people.Role;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IssuerRevocationsTest {

  static final Person RITA = new Person("rita", "Rita Responder", Set.of(Role.RESPONDER), "local");

  @Test
  void shouldReadARequestedRevocationAndAPendingOne() {
    assertThat(
            IssuerRevocations.outcome(
                new IssuerApi.Answer(202, "{\"selector\":\"token:abc\",\"event_id\":\"e-1\"}")))
        .isEqualTo(new IssuerRevocations.Requested("token:abc", "e-1"));
    assertThat(
            IssuerRevocations.outcome(
                new IssuerApi.Answer(202, "{\"status\":\"pending\",\"id\":\"p-7\"}")))
        .isEqualTo(new IssuerRevocations.AwaitingSecondPerson("p-7"));
    assertThat(IssuerRevocations.outcome(new IssuerApi.Answer(202, "{\"pending_id\":\"p-8\"}")))
        .isEqualTo(new IssuerRevocations.AwaitingSecondPerson("p-8"));
  }

  @Test
  void shouldPassOnTheIssuersRefusalInItsWords() {
    assertThat(
            IssuerRevocations.outcome(
                new IssuerApi.Answer(
                    403,
                    "{\"type\":\"about:blank\",\"status\":403,\"detail\":\"you asked for it;"
                        + " another person must approve\"}")))
        .isEqualTo(
            new IssuerRevocations.Refused(403, "you asked for it; another person must approve"));
    assertThat(IssuerRevocations.outcome(new IssuerApi.Answer(200, "<html>")))
        .isEqualTo(new IssuerRevocations.Refused(502, "the issuer's answer is not understood"));
  }

  @Test
  void shouldListPendingRevocationsAndKnowWhoAskedForThem() throws Exception {
    List<IssuerRevocations.Pending> pending =
        IssuerRevocations.parsePending(
            "{\"pending\":[{\"id\":\"p 1\",\"kind\":\"SUBJECT\",\"value\":\"alice\","
                + "\"requested_by\":\"person:rita;via:http://console\",\"detail\":\"why\"},"
                + "{\"id\":\"p2\",\"selector\":{\"kind\":\"client\",\"value\":\"c\"},"
                + "\"requested_by\":\"person:rob\"}]}");

    assertThat(pending)
        .extracting(IssuerRevocations.Pending::selector)
        .containsExactly("subject:alice", "client:c");
    assertThat(pending.get(0).requestedBy(RITA)).isTrue();
    assertThat(pending.get(1).requestedBy(RITA)).isFalse();
    assertThat(pending.get(0).pathId()).isEqualTo("p%201");
  }

  @Test
  void shouldReadTheIssuersAnswersAsItWritesThem() throws Exception {
    assertThat(
            IssuerRevocations.outcome(
                new IssuerApi.Answer(
                    202,
                    "{\"id\":\"p1\",\"status\":\"pending\",\"kind\":\"subject\","
                        + "\"value\":\"s\",\"selector\":\"subject:s\",\"pending_id\":\"p1\"}")))
        .isEqualTo(new IssuerRevocations.AwaitingSecondPerson("p1"));
    assertThat(
            IssuerRevocations.outcome(
                new IssuerApi.Answer(
                    200,
                    "{\"id\":\"p1\",\"status\":\"approved\",\"selector\":\"subject:s\","
                        + "\"event_id\":\"e9\",\"fast_path\":{\"topic\":\"t\",\"partition\":0,"
                        + "\"offset\":3}}")))
        .isEqualTo(new IssuerRevocations.Requested("subject:s", "e9"));
    IssuerRevocations.Pending listed =
        IssuerRevocations.parsePending(
                "{\"pending\":[{\"id\":\"p1\",\"status\":\"pending\",\"kind\":\"subject\","
                    + "\"value\":\"s\",\"selector\":\"subject:s\",\"requester\":\"rob\","
                    + "\"requested_by\":\"person:rob;via:http://console\",\"own\":false}]}")
            .get(0);
    assertThat(listed.selector()).isEqualTo("subject:s");
    assertThat(listed.requestedBy(RITA)).isFalse();
  }

  @Test
  void shouldNotTakeAPersonWhoseIdStartsLikeTheRequestersForTheRequester() throws Exception {
    Person ritaB = new Person("rita-b", "Rita B", Set.of(Role.RESPONDER), "local");
    IssuerRevocations.Pending pending =
        IssuerRevocations.parsePending(
                "[{\"id\":\"p\",\"kind\":\"subject\",\"value\":\"s\",\"requested_by\":\"person:rita\"}]")
            .get(0);

    assertThat(pending.requestedBy(ritaB)).isFalse();
  }
}
