package io.tokenwatch.anomaly.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwatch.anomaly.DenyReason;
import io.tokenwatch.anomaly.IssuanceRefusal;
import io.tokenwatch.anomaly.ReuseRevocation;
import io.tokenwatch.anomaly.TokenGrant;
import io.tokenwatch.anomaly.TokenUse;
import io.tokenwatch.anomaly.UseTally;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The repartition topics carry records between instances, so the bytes are a contract: the JSON
 * below is what the previous release (one signal record of every field, a {@code "<event id> <ms>"}
 * string for revocations) wrote, captured from it. This release must read it and write the very
 * same bytes, or a rolling upgrade that mixes the two would misread records in flight.
 */
class SignalSerdesTest {

  private static final String OLD_USE =
      "{\"kind\":\"USE\",\"eventId\":\"e1\",\"at\":1000,\"clientId\":\"app\",\"subject\":\"alice\","
          + "\"tokenId\":\"t1\",\"grantId\":\"g1\",\"sourceAddress\":\"10.0.0.1\","
          + "\"validatorId\":\"v1\",\"allowed\":false,\"reason\":\"REVOKED\",\"expiresAt\":0,"
          + "\"sourcePartition\":2,\"count\":0,\"bucket\":0,\"firstAt\":0}";
  private static final String OLD_USE_TALLY =
      "{\"kind\":\"USE_TALLY\",\"eventId\":\"e3\",\"at\":1000,\"clientId\":\"app\","
          + "\"allowed\":true,\"expiresAt\":0,\"sourcePartition\":1,\"count\":3,\"bucket\":7,"
          + "\"firstAt\":900,\"eventIds\":[\"e1\",\"e2\",\"e3\"]}";
  private static final String OLD_ISSUED =
      "{\"kind\":\"ISSUED\",\"eventId\":\"e4\",\"at\":2000,\"clientId\":\"app\",\"subject\":\"bob\","
          + "\"tokenId\":\"t2\",\"grantId\":\"g2\",\"allowed\":true,\"scopes\":[\"a\",\"b\"],"
          + "\"expiresAt\":5000,\"sourcePartition\":-1,\"count\":0,\"bucket\":0,\"firstAt\":0}";
  private static final String OLD_REFUSED =
      "{\"kind\":\"REFUSED\",\"eventId\":\"e5\",\"at\":3000,\"clientId\":\"app\",\"allowed\":false,"
          + "\"reason\":\"SCOPE_NOT_APPROVED\",\"grantType\":\"REFRESH_TOKEN\","
          + "\"scopes\":[\"a\",\"x\"],\"allowedScopes\":[\"a\"],\"parentTokenId\":\"pt\","
          + "\"expiresAt\":0,\"sourcePartition\":-1,\"count\":0,\"bucket\":0,\"firstAt\":0}";
  private static final String OLD_GRANT_ISSUED =
      "{\"kind\":\"ISSUED\",\"eventId\":\"e6\",\"at\":4000,\"grantId\":\"g3\",\"subject\":\"carol\","
          + "\"clientId\":\"app\",\"tokenId\":\"t3\",\"expiresAt\":9000}";
  private static final String OLD_REUSE =
      "{\"kind\":\"REUSE_REVOKED\",\"eventId\":\"e7\",\"at\":5000,\"grantId\":\"g3\","
          + "\"expiresAt\":0,\"requestedBy\":\"issuer:reuse\",\"detail\":\"rotated token presented\"}";

  private final Serde<ClientSignal> clients = SignalSerdes.clientSignal();
  private final Serde<GrantSignal> grants = SignalSerdes.grantSignal();
  private final Serde<TokenRevoked> revocations = SignalSerdes.tokenRevoked();

  private static Instant ms(long millis) {
    return Instant.ofEpochMilli(millis);
  }

  private static ClientSignal.NewSource newSource() {
    TokenUse use =
        new TokenUse(
            "e1",
            ms(1000),
            "t1",
            "alice",
            "app",
            "other-client",
            "jkt",
            "10.0.0.1",
            "v1",
            List.of("orders:write"),
            List.of("orders:read"),
            false,
            DenyReason.REVOKED,
            5,
            ms(9000),
            "g1");
    return ClientSignal.NewSource.of("app", use, 2, false);
  }

  private static ClientSignal.UseCount useCount() {
    return ClientSignal.UseCount.of(
        "app", 1, UseTally.of(7, 900, 1000, 3, "e3", List.of("e1", "e2", "e3")));
  }

  private static ClientSignal.Issued issued() {
    return ClientSignal.Issued.of(
        new TokenGrant(
            "e4", ms(2000), "t2", "bob", "app", "g2", List.of("a", "b"), ms(5000), 3, "jkt"));
  }

  private static ClientSignal.Refused refused() {
    return new ClientSignal.Refused(
        new IssuanceRefusal(
            "e5",
            ms(3000),
            "app",
            null,
            "SCOPE_NOT_APPROVED",
            "REFRESH_TOKEN",
            List.of("a", "x"),
            List.of("a"),
            "pt",
            null));
  }

  private static GrantSignal.Minted minted() {
    return GrantSignal.Minted.of(
        new TokenGrant(
            "e6", ms(4000), "t3", "carol", "app", "g3", List.of("a"), ms(9000), 2, null));
  }

  private static GrantSignal.ReuseRevoked reuse() {
    return new GrantSignal.ReuseRevoked(
        new ReuseRevocation("g3", "e7", ms(5000), "issuer:reuse", "rotated token presented"));
  }

  private String written(Serde<ClientSignal> serde, ClientSignal signal) {
    return new String(serde.serializer().serialize("t", signal), StandardCharsets.UTF_8);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shouldWriteTheClientSignalsByteForByteAsThePreviousRelease() {
    assertThat(written(clients, newSource())).isEqualTo(OLD_USE);
    assertThat(written(clients, useCount())).isEqualTo(OLD_USE_TALLY);
    assertThat(written(clients, issued())).isEqualTo(OLD_ISSUED);
    assertThat(written(clients, refused())).isEqualTo(OLD_REFUSED);
  }

  @Test
  void shouldWriteTheGrantSignalsByteForByteAsThePreviousRelease() {
    assertThat(new String(grants.serializer().serialize("t", minted()), StandardCharsets.UTF_8))
        .isEqualTo(OLD_GRANT_ISSUED);
    assertThat(new String(grants.serializer().serialize("t", reuse()), StandardCharsets.UTF_8))
        .isEqualTo(OLD_REUSE);
  }

  @Test
  void shouldReadTheClientSignalsThePreviousReleaseWrote() {
    assertThat(clients.deserializer().deserialize("t", utf8(OLD_USE))).isEqualTo(newSource());
    assertThat(clients.deserializer().deserialize("t", utf8(OLD_USE_TALLY)))
        .usingRecursiveComparison()
        .isEqualTo(useCount());
    assertThat(clients.deserializer().deserialize("t", utf8(OLD_ISSUED))).isEqualTo(issued());
    assertThat(clients.deserializer().deserialize("t", utf8(OLD_REFUSED))).isEqualTo(refused());
  }

  @Test
  void shouldReadTheGrantSignalsThePreviousReleaseWrote() {
    assertThat(grants.deserializer().deserialize("t", utf8(OLD_GRANT_ISSUED))).isEqualTo(minted());
    assertThat(grants.deserializer().deserialize("t", utf8(OLD_REUSE))).isEqualTo(reuse());
  }

  @Test
  void shouldReadATokenRevocationThePreviousReleaseWrote() {
    assertThat(revocations.deserializer().deserialize("t", utf8("ev 42 1700000000123")))
        .isEqualTo(new TokenRevoked("ev 42", ms(1_700_000_000_123L)));
    assertThat(revocations.serializer().serialize("t", new TokenRevoked("ev 42", ms(17))))
        .isEqualTo(utf8("ev 42 17"));
  }

  @Test
  void shouldRefuseMalformedRecordsAsSerializationErrors() {
    assertThatThrownBy(() -> revocations.deserializer().deserialize("t", utf8("no-time")))
        .isInstanceOf(SerializationException.class);
    assertThatThrownBy(() -> revocations.deserializer().deserialize("t", utf8("e1 soon")))
        .isInstanceOf(SerializationException.class);
    assertThatThrownBy(() -> clients.deserializer().deserialize("t", utf8("{\"kind\":\"USE\"}")))
        .isInstanceOf(SerializationException.class);
    assertThatThrownBy(
            () ->
                clients
                    .deserializer()
                    .deserialize(
                        "t", utf8(OLD_REUSE.replace("\"grantId\":\"g3\"", "\"clientId\":\"app\""))))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("REUSE_REVOKED");
    assertThatThrownBy(() -> grants.deserializer().deserialize("t", utf8("[1]")))
        .isInstanceOf(SerializationException.class);
  }

  @Property(tries = 300)
  void everyClientSignalSurvivesTheTopic(@ForAll("clientSignals") ClientSignal signal) {
    byte[] bytes = clients.serializer().serialize("t", signal);
    ClientSignal back = clients.deserializer().deserialize("t", bytes);
    assertThat(back).usingRecursiveComparison().isEqualTo(signal);
    assertThat(clients.serializer().serialize("t", back)).isEqualTo(bytes);
  }

  @Property(tries = 300)
  void everyGrantSignalSurvivesTheTopic(@ForAll("grantSignals") GrantSignal signal) {
    byte[] bytes = grants.serializer().serialize("t", signal);
    assertThat(grants.deserializer().deserialize("t", bytes)).isEqualTo(signal);
  }

  @Property(tries = 300)
  void everyTokenRevocationSurvivesTheTopic(
      @ForAll @StringLength(min = 1, max = 40) String eventId, @ForAll long millis) {
    TokenRevoked revoked = new TokenRevoked(eventId, ms(millis));
    byte[] bytes = revocations.serializer().serialize("t", revoked);
    assertThat(revocations.deserializer().deserialize("t", bytes)).isEqualTo(revoked);
  }

  private static Arbitrary<String> text() {
    return Arbitraries.strings().ofMaxLength(12);
  }

  private static Arbitrary<@Nullable String> maybe() {
    return text().injectNull(0.3);
  }

  private static Arbitrary<List<String>> texts() {
    return text().list().ofMaxSize(4);
  }

  private static Arbitrary<Instant> instants() {
    return Arbitraries.longs().between(0, 4_102_444_800_000L).map(Instant::ofEpochMilli);
  }

  @Provide
  Arbitrary<ClientSignal> clientSignals() {
    Arbitrary<ClientSignal> source =
        Combinators.combine(
                text(),
                text(),
                instants(),
                text(),
                text(),
                maybe(),
                text(),
                Arbitraries.of(DenyReason.class).injectNull(0.5))
            .as(
                (client, event, at, subject, address, grant, validator, reason) ->
                    ClientSignal.NewSource.of(
                        client,
                        new TokenUse(
                            event,
                            at,
                            "t-" + event,
                            subject,
                            client,
                            null,
                            null,
                            address,
                            validator,
                            List.of(),
                            List.of(),
                            reason == null,
                            reason,
                            null,
                            null,
                            grant),
                        Math.abs(event.length() % 6),
                        event.length() % 2 == 0));
    Arbitrary<ClientSignal> count =
        Combinators.combine(
                text(),
                Arbitraries.longs(),
                Arbitraries.longs(),
                Arbitraries.longs(),
                Arbitraries.integers().between(1, 1000),
                text(),
                texts())
            .as(
                (client, bucket, first, last, n, lastId, ids) ->
                    ClientSignal.UseCount.of(
                        client, n % 6, UseTally.of(bucket, first, last, n, lastId, ids)));
    Arbitrary<ClientSignal> issuedSignal =
        Combinators.combine(text(), instants(), text(), text(), text(), texts(), instants())
            .as(
                (event, at, subject, client, grant, scopes, expires) ->
                    ClientSignal.Issued.of(
                        new TokenGrant(
                            event,
                            at,
                            "t-" + event,
                            subject,
                            client,
                            grant,
                            scopes,
                            expires,
                            1,
                            null)));
    Arbitrary<ClientSignal> refusedSignal =
        Combinators.combine(text(), instants(), text(), maybe(), text(), texts(), texts(), maybe())
            .as(
                (event, at, client, subject, reason, asked, allowed, parent) ->
                    new ClientSignal.Refused(
                        new IssuanceRefusal(
                            event,
                            at,
                            client,
                            subject,
                            reason,
                            "REFRESH_TOKEN",
                            asked,
                            allowed,
                            parent,
                            subject == null ? null : "g-" + event)));
    Arbitrary<ClientSignal> progress =
        Combinators.combine(
                Arbitraries.integers().between(0, 63),
                Arbitraries.of(ClientSignal.SourceKind.class),
                Arbitraries.longs())
            .as(ClientSignal.Progress::new);
    return Arbitraries.oneOf(source, count, issuedSignal, refusedSignal, progress);
  }

  @Provide
  Arbitrary<GrantSignal> grantSignals() {
    Arbitrary<GrantSignal> mintedSignal =
        Combinators.combine(text(), instants(), text(), text(), text(), instants())
            .as(
                (event, at, subject, client, grant, expires) ->
                    GrantSignal.Minted.of(
                        new TokenGrant(
                            event,
                            at,
                            "t-" + event,
                            subject,
                            client,
                            grant,
                            List.of("s"),
                            expires,
                            null,
                            null)));
    Arbitrary<GrantSignal> reuseSignal =
        Combinators.combine(text(), text(), instants(), text(), maybe())
            .as(
                (grant, event, at, by, detail) ->
                    new GrantSignal.ReuseRevoked(
                        new ReuseRevocation(grant, event, at, by, detail)));
    return Arbitraries.oneOf(mintedSignal, reuseSignal);
  }
}
