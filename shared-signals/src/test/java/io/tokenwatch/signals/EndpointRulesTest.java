package io.tokenwatch.signals;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Push endpoints: the forbidden address ranges are written here a second time, as a plain list of
 * CIDR blocks, and generated addresses are judged against that list.
 */
class EndpointRulesTest {

  /** The non-public IPv4 blocks, independently of the rules' bit tests. */
  private static final List<String> FORBIDDEN_V4 =
      List.of(
          "0.0.0.0/8",
          "10.0.0.0/8",
          "100.64.0.0/10",
          "127.0.0.0/8",
          "169.254.0.0/16",
          "172.16.0.0/12",
          "192.0.0.0/24",
          "192.168.0.0/16",
          "198.18.0.0/15",
          "224.0.0.0/4",
          "240.0.0.0/4");

  private static final List<String> FORBIDDEN_V6 =
      List.of("::/128", "::1/128", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8");

  private final AtomicInteger lookups = new AtomicInteger();

  private EndpointRules rules(Map<String, String> names) {
    return new EndpointRules(
        true,
        false,
        host -> {
          lookups.incrementAndGet();
          String address = names.get(host);
          if (address == null) {
            throw new UnknownHostException(host);
          }
          return List.of(InetAddress.getByName(address));
        });
  }

  @Provide
  Arbitrary<String> forbiddenV4() {
    return Arbitraries.of(FORBIDDEN_V4).flatMap(EndpointRulesTest::addressIn);
  }

  @Provide
  Arbitrary<String> forbiddenV6() {
    return Arbitraries.of(FORBIDDEN_V6).flatMap(EndpointRulesTest::addressIn);
  }

  @Provide
  Arbitrary<String> publicV4() {
    return Arbitraries.integers()
        .between(Integer.MIN_VALUE, Integer.MAX_VALUE)
        .map(EndpointRulesTest::dotted)
        .filter(address -> FORBIDDEN_V4.stream().noneMatch(cidr -> contains(cidr, address)));
  }

  @Property(tries = 300)
  void shouldRefuseEveryAddressLiteralInAForbiddenIpv4Range(@ForAll("forbiddenV4") String address) {
    assertThat(rules(Map.of()).problem(URI.create("https://" + address + "/events"))).isPresent();
  }

  @Property(tries = 300)
  void shouldRefuseEveryNameResolvingIntoAForbiddenRange(@ForAll("forbiddenV4") String address) {
    assertThat(
            rules(Map.of("receiver.example.com", address))
                .problem(URI.create("https://receiver.example.com/events")))
        .isPresent();
  }

  @Property(tries = 200)
  void shouldRefuseIpv4MappedAndNat64FormsOfForbiddenAddresses(
      @ForAll("forbiddenV4") String address) {
    assertThat(rules(Map.of()).problem(URI.create("https://[::ffff:" + address + "]/")))
        .isPresent();
    assertThat(rules(Map.of()).problem(URI.create("https://[64:ff9b::" + address + "]/")))
        .isPresent();
  }

  @Property(tries = 300)
  void shouldRefuseEveryAddressInAForbiddenIpv6Range(@ForAll("forbiddenV6") String address)
      throws Exception {
    assertThat(rules(Map.of()).problem(URI.create("https://[" + address + "]/"))).isPresent();
    assertThat(
            rules(Map.of("six.example.com", address))
                .problem(URI.create("https://six.example.com/")))
        .isPresent();
  }

  @Property(tries = 300)
  void shouldAcceptPublicAddressesAsLiteralsAndAsResolvedNames(@ForAll("publicV4") String address) {
    assertThat(rules(Map.of()).problem(URI.create("https://" + address + ":8443/ssf"))).isEmpty();
    assertThat(
            rules(Map.of("receiver.example.com", address))
                .problem(URI.create("https://receiver.example.com/ssf?x=1")))
        .isEmpty();
  }

  @Property(tries = 300)
  void shouldRefuseEveryNonCanonicalNumericHostWithoutLookingItUp(@ForAll int bits) {
    String address = dotted(bits);
    long unsigned = Integer.toUnsignedLong(bits);
    String[] parts = address.split("\\.");
    List<String> forms = new ArrayList<>();
    forms.add(Long.toString(unsigned));
    forms.add("0x" + Long.toHexString(unsigned));
    forms.add(parts[0] + "." + (Integer.toUnsignedLong(bits) & 0xffffff));
    forms.add(parts[0] + "." + parts[1] + "." + (Integer.toUnsignedLong(bits) & 0xffff));
    forms.add(
        "0"
            + Integer.toOctalString(Integer.parseInt(parts[0]))
            + "."
            + parts[1]
            + "."
            + parts[2]
            + "."
            + parts[3]);
    forms.add(
        "0x"
            + Integer.toHexString(Integer.parseInt(parts[0]))
            + "."
            + parts[1]
            + "."
            + parts[2]
            + "."
            + parts[3]);
    forms.add(address + ".");
    EndpointRules rules = rules(Map.of());
    for (String form : forms) {
      assertThat(rules.problem(URI.create("https://" + form + "/")))
          .as("form %s of %s", form, address)
          .isPresent();
    }
    assertThat(lookups).hasValue(0);
  }

  @Property(tries = 200)
  void shouldJudgeDecimalFormsAsInetAddressResolvesThem(@ForAll("forbiddenV4") String address)
      throws Exception {
    long value = new BigInteger(1, InetAddress.getByName(address).getAddress()).longValue();
    String decimal = Long.toString(value);
    // Whatever the platform resolver makes of the decimal form, a forbidden address is never
    // accepted under another spelling.
    InetAddress resolved;
    try {
      resolved = InetAddress.getByName(decimal);
    } catch (UnknownHostException e) {
      resolved = null;
    }
    if (resolved != null) {
      assertThat(EndpointRules.addressProblem(resolved)).isPresent();
    }
    assertThat(rules(Map.of()).problem(URI.create("http://" + decimal + "/"))).isPresent();
  }

  @Example
  void shouldRefuseTheCloudMetadataAddressInEverySpelling() {
    EndpointRules rules = rules(Map.of("metadata.example.com", "169.254.169.254"));
    for (String url :
        List.of(
            "https://169.254.169.254/latest/meta-data/",
            "https://2852039166/",
            "https://0xa9fea9fe/",
            "https://0251.0376.0251.0376/",
            "https://169.254.43518/",
            "https://[::ffff:169.254.169.254]/",
            "https://[::ffff:a9fe:a9fe]/",
            "https://metadata.example.com/")) {
      assertThat(rules.problem(URI.create(url))).as(url).isPresent();
    }
  }

  @Example
  void shouldRefuseMalformedAndAmbiguousUrls() {
    EndpointRules rules = rules(Map.of("receiver.example.com", "93.184.216.34"));
    for (String url :
        List.of(
            "/relative/path",
            "receiver.example.com/events",
            "ftp://receiver.example.com/",
            "http://receiver.example.com/",
            "https://user:pass@receiver.example.com/",
            "https://user@receiver.example.com/",
            "https://receiver.example.com/#fragment",
            "https://receiver.example.com./",
            "https://receiver..example.com/",
            "https://rec_eiver.example.com/",
            "https://[fe80::1%25eth0]/",
            "https://receiver.example.com:0/",
            "https://receiver.example.com:65536/",
            "mailto:someone@receiver.example.com",
            "https://unknown.example.com/",
            "https://receiver.example.com/" + "a".repeat(EndpointRules.MAX_URL_LENGTH))) {
      assertThat(rules.problem(URI.create(url))).as(url).isPresent();
    }
    assertThat(rules.problem(URI.create("https://receiver.example.com/events"))).isEmpty();
    assertThat(rules.problem(URI.create("HTTPS://Receiver.Example.COM/events"))).isEmpty();
  }

  @Example
  void shouldAcceptPlainHttpAndPrivateAddressesOnlyWhenAllowed() {
    EndpointRules open =
        new EndpointRules(false, true, host -> List.of(InetAddress.getLoopbackAddress()));
    assertThat(open.problem(URI.create("http://localhost:8080/events"))).isEmpty();
    assertThat(open.problem(URI.create("http://127.0.0.1:8080/events"))).isEmpty();
    assertThat(open.problem(URI.create("http://2130706433/"))).isPresent();
    assertThat(open.problem(URI.create("https://u@localhost/"))).isPresent();
    EndpointRules strict =
        new EndpointRules(false, false, host -> List.of(InetAddress.getLoopbackAddress()));
    assertThat(strict.problem(URI.create("http://localhost:8080/events"))).isPresent();
  }

  @Property(tries = 50)
  void shouldRefuseANameWhenAnyOfItsAddressesIsForbidden(
      @ForAll("forbiddenV4") String forbidden,
      @ForAll("publicV4") String allowed,
      @ForAll @IntRange(min = 0, max = 1) int order) {
    List<InetAddress> addresses = new ArrayList<>();
    try {
      addresses.add(InetAddress.getByName(allowed));
      addresses.add(order, InetAddress.getByName(forbidden));
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
    EndpointRules rules = new EndpointRules(true, false, host -> addresses);
    assertThat(rules.problem(URI.create("https://both.example.com/"))).isPresent();
  }

  private static String dotted(int bits) {
    return ((bits >>> 24) & 0xff)
        + "."
        + ((bits >>> 16) & 0xff)
        + "."
        + ((bits >>> 8) & 0xff)
        + "."
        + (bits & 0xff);
  }

  /** A random address in {@code cidr}, as a literal without brackets. */
  private static Arbitrary<String> addressIn(String cidr) {
    String[] parts = cidr.split("/");
    byte[] base = literal(parts[0]).getAddress();
    int prefix = Integer.parseInt(parts[1]);
    int bits = base.length * 8;
    return Arbitraries.bigIntegers()
        .between(BigInteger.ZERO, BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE))
        .map(
            offset -> {
              BigInteger value = new BigInteger(1, base).or(offset);
              byte[] raw = value.toByteArray();
              byte[] bytes = new byte[base.length];
              int copy = Math.min(raw.length, bytes.length);
              System.arraycopy(raw, raw.length - copy, bytes, bytes.length - copy, copy);
              try {
                return InetAddress.getByAddress(bytes).getHostAddress();
              } catch (UnknownHostException e) {
                throw new AssertionError(e);
              }
            });
  }

  private static boolean contains(String cidr, String address) {
    String[] parts = cidr.split("/");
    BigInteger base = new BigInteger(1, literal(parts[0]).getAddress());
    BigInteger value = new BigInteger(1, literal(address).getAddress());
    int shift = 32 - Integer.parseInt(parts[1]);
    return base.shiftRight(shift).equals(value.shiftRight(shift));
  }

  private static InetAddress literal(String address) {
    try {
      return InetAddress.getByName(address);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
