package io.tokenwatch.anomaly.scenarios;

import static java.util.Objects.requireNonNull;

import io.tokenwatch.anomaly.Rule;
import io.tokenwatch.events.BindingType;
import io.tokenwatch.events.ChannelBinding;
import io.tokenwatch.events.GrantType;
import io.tokenwatch.events.IssuanceDenied;
import io.tokenwatch.events.IssuanceDenyReason;
import io.tokenwatch.events.RevocationReason;
import io.tokenwatch.events.SelectorKind;
import io.tokenwatch.events.TokenIssued;
import io.tokenwatch.events.TokenUsed;
import io.tokenwatch.events.UseDenyReason;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A labelled, realistic workload for measuring the detector's precision and recall: a week (by
 * default) of legitimate traffic of service clients and human-driven agents, with scripted attacks
 * hidden in it that use the victims' real identities. Seeded: the same seed, scale and start give
 * the same events, ids included. Its traffic model is its own, independent of {@link
 * NormalWorkload} and {@link Attacks}, so it measures the rules against traffic they were not
 * written for.
 *
 * <p>The legitimate patterns, each a named piece of the model below:
 *
 * <ul>
 *   <li><b>Shared service tokens</b> ({@code serviceToken}): a service client (client credentials,
 *       its own subject) runs 3-6 replicas (pods) in its own /24; the replicas share one cached
 *       token (an hour's lifetime, refreshed a few minutes early), so one token is used from every
 *       pod's address. <b>Pod restarts</b> ({@code lifecycle}) move a pod to a new address inside
 *       its /24, about every eight hours per pod.
 *   <li><b>Autoscaling</b>: three services scale from 2 replicas at night to 5 in the shoulder
 *       hours and 10 at peak (08:00-20:00 UTC); new pods land in the service's /24 or the cluster's
 *       second /24.
 *   <li><b>Blue/green deploys</b>: two services deploy daily at 14:00 UTC, every pod moving between
 *       a blue and a green /24. <b>A network move</b>: the service acting for users ({@code
 *       svc-mailer}) moves for good to a new /24 after a deploy (day 4, 10:00 UTC).
 *   <li><b>A nightly batch window</b>: {@code svc-billing} runs at about 11 uses a minute all day,
 *       and at ten times that from 02:00 to 03:00 UTC.
 *   <li><b>Retries at expiry</b>: now and then a service's cache hands out its token just after it
 *       expired: one to four replicas present it and are denied {@code EXPIRED}, then the cache
 *       takes a fresh token. <b>Refresh rotations</b>: human-driven agents hold 15-minute tokens of
 *       one refresh grant a day (a login each morning), rotated every 14 minutes of activity.
 *   <li><b>Services acting for users</b> (token exchange): {@code svc-mailer} and {@code
 *       svc-reports} hold a token per user they act for, used from any of their pods. <b>A
 *       misconfigured route</b>: for 40 minutes (day 3, 13:00 UTC) {@code svc-reports} calls an
 *       endpoint needing {@code reports:export}, which none of its tokens carries, with every
 *       user's token, and is denied {@code INSUFFICIENT_SCOPE} a few times a minute.
 *   <li><b>Human-driven agents</b> ({@code humanDay}): people of three companies in three time
 *       zones (UTC-5, UTC+1, UTC+8) work 08:30-18:00 local on weekdays, at the office on two to
 *       four days a week, at home on the others; some check in from their phone in the morning, at
 *       lunch and at weekends, some again from home in the evening. <b>NAT egress</b>: everyone at
 *       one company's office comes from that office's one egress address. <b>Mobile</b>: a phone
 *       comes from its carrier's CGNAT, one of three /24s, changing from day to day.
 *   <li><b>DPoP-bound tokens</b>: two services' tokens are bound to the service's DPoP key (the
 *       token's {@code binding_thumbprint}), which every replica proves.
 *   <li><b>The ordinary noise</b>: an occasional insufficient-scope denial of a person's token; an
 *       expired straggler (an agent waking up presents its expired token once, then refreshes); a
 *       scope request beyond policy at login; admin revocations (of a person's token after their
 *       last session, and a service credential rotation, after which one or two replicas present
 *       the revoked token once before their cache takes a new one); single-purpose tokens with
 *       {@code max_uses} 3, used up to three times.
 * </ul>
 *
 * <p>The attacks (the {@code Kind}s below) come after the detector's default learning periods (a
 * day for networks and scope baselines, half an hour of usage history), from foreign networks no
 * legitimate traffic uses (but a token presented by another client, from that client's pods), each
 * against its own victim. Each is labelled with the rules that must raise it, what a true alert
 * names and its time window ({@link LabelledAttack}).
 *
 * <p>Each {@link #generate} call builds its own state, so calls may run concurrently.
 */
public final class RealisticWeek {

  /**
   * How big the workload is.
   *
   * @param days simulated days, at least 2 (a day of learning, then attacks)
   * @param services service clients, at least {@value #MIN_SERVICES} (one per special pattern and
   *     two ordinary ones)
   * @param humans people behind the human-driven agents, at least {@value #MIN_HUMANS}
   * @param serviceLoad multiplies every service's rate of calls: 1 for the model's own rates, less
   *     for a fast test (below 0.91 the nightly batch stays under USAGE_SPIKE's default minimum
   *     count of 100 a minute, so it no longer tests the rule's baseline)
   */
  public record Scale(int days, int services, int humans, double serviceLoad) {
    public static final int MIN_SERVICES = 12;
    public static final int MIN_HUMANS = 30;

    /** A week: 20 services and 209 people, about 600,000 events. */
    public static final Scale WEEK = new Scale(7, 20, 209);

    /** A workload at the model's own rates. */
    public Scale(int days, int services, int humans) {
      this(days, services, humans, 1.0);
    }

    public Scale {
      if (!(serviceLoad > 0 && serviceLoad <= 10)) {
        throw new IllegalArgumentException("serviceLoad must be in (0, 10]: " + serviceLoad);
      }
      if (days < 2) {
        throw new IllegalArgumentException("days must be at least 2: " + days);
      }
      if (services < MIN_SERVICES) {
        throw new IllegalArgumentException(
            "services must be at least " + MIN_SERVICES + ": " + services);
      }
      if (humans < MIN_HUMANS) {
        throw new IllegalArgumentException("humans must be at least " + MIN_HUMANS + ": " + humans);
      }
    }
  }

  /** The attack kinds, each hidden {@code instancesPerKind} times. */
  enum Kind {
    STOLEN_USER_TOKEN,
    STOLEN_SERVICE_TOKEN_SPREAD,
    TOKEN_OF_ANOTHER_CLIENT,
    DPOP_WRONG_KEY,
    REPLAY_AFTER_REVOCATION,
    SCOPE_PROBING,
    REFUSALS_BEYOND_POLICY,
    REFRESH_WIDENING,
    REFRESH_TOKEN_REUSE,
    BURST_OUTSIDE_BATCH,
    MAX_USE_OVERSHOOT,
    USE_AFTER_EXPIRY,
    BROADER_GRANT
  }

  /** The batch service's calls a minute outside its window (ten times that inside). */
  static final double BATCH_RATE_PER_MINUTE = 11.0;

  static final Duration SERVICE_TOKEN_TTL = Duration.ofHours(1);
  static final Duration USER_TOKEN_TTL = Duration.ofMinutes(15);
  static final Duration DELEGATED_TOKEN_TTL = Duration.ofHours(1);

  /** Attacks start this long after the workload: the default learning periods, and margin. */
  static final Duration ATTACKS_AFTER = Duration.ofHours(27);

  /** A person must have been seen this long before an attack on them: learning, and margin. */
  static final Duration VICTIM_KNOWN_FOR = Duration.ofHours(25);

  private static final List<String> SERVICE_NAMES =
      List.of(
          "billing",
          "mailer",
          "reports",
          "payments",
          "ledger",
          "catalog",
          "search",
          "gateway",
          "checkout",
          "pricing",
          "inventory",
          "shipping",
          "accounts",
          "notify",
          "media",
          "profile",
          "recommend",
          "tax",
          "fx",
          "exports");

  private static final List<String> AGENTS =
      List.of("mail-app", "crm-web", "calendar-app", "docs-web");

  private static final Map<String, List<String>> AGENT_SCOPES =
      Map.of(
          "mail-app", List.of("mail:read", "mail:send", "profile:read"),
          "crm-web", List.of("crm:read", "crm:write", "profile:read"),
          "calendar-app", List.of("calendar:read", "calendar:write"),
          "docs-web", List.of("docs:read", "docs:write", "profile:read"));

  private final Random random;
  private final EventFactory events;
  private final Scale scale;
  private final Instant start;
  private final Instant end;
  private final List<Input> legit = new ArrayList<>();
  private final Map<String, Long> patterns = new LinkedHashMap<>();
  private final List<Service> services = new ArrayList<>();
  private final List<Human> humans = new ArrayList<>();

  private RealisticWeek(long seed, Scale scale, Instant start) {
    this.random = new Random(seed);
    this.events = new EventFactory(seed * 31 + 7);
    this.scale = scale;
    this.start = start;
    this.end = start.plus(Duration.ofDays(scale.days()));
    for (String pattern :
        List.of(
            "service clients",
            "human subjects",
            "human-driven agent clients",
            "service tokens shared by replicas",
            "service tokens used from 4 or more pods",
            "pod restarts (new address in the /24)",
            "autoscaled pods started",
            "blue/green deploys",
            "network moves after a deploy",
            "nightly batch windows (10x)",
            "expiry retries (expired presentations, then a fresh token)",
            "refresh-token rotations",
            "token exchanges (services acting for users)",
            "misrouted calls (insufficient scope)",
            "office sessions behind NAT egress",
            "home sessions",
            "mobile sessions (carrier CGNAT)",
            "DPoP-bound tokens",
            "insufficient-scope noise",
            "expired stragglers",
            "scope requests beyond policy",
            "admin revocations",
            "single-purpose tokens (max_uses 3)")) {
      patterns.put(pattern, 0L);
    }
  }

  /** The default workload, a {@link Scale#WEEK}, starting at {@code start}. */
  public static Labelled generate(long seed, Instant start) {
    return generate(seed, Scale.WEEK, start);
  }

  /**
   * The workload of {@code scale} from {@code start} on.
   *
   * @param seed the same seed, scale and start give the same events
   */
  public static Labelled generate(long seed, Scale scale, Instant start) {
    requireNonNull(scale, "scale");
    requireNonNull(start, "start");
    return new RealisticWeek(seed, scale, start).build();
  }

  private Labelled build() {
    createServices();
    createHumans();
    actForUsers();
    Map<Integer, Set<Long>> rotations = credentialRotations();
    for (int i = 0; i < services.size(); i++) {
      runService(services.get(i), rotations.getOrDefault(i, Set.of()));
    }
    for (Human human : humans) {
      runHuman(human);
    }
    for (Service service : services) {
      for (TokenLife token : service.tokens) {
        if (token.addresses.size() > 1) {
          count("service tokens shared by replicas", 1);
        }
        if (token.addresses.size() >= 4) {
          count("service tokens used from 4 or more pods", 1);
        }
      }
    }
    legit.removeIf(input -> input.at().isBefore(start) || !input.at().isBefore(end));
    List<Input> all = new ArrayList<>(legit);
    List<LabelledAttack> attacks = new ArrayList<>();
    new AttackPlanner().plan(all, attacks);
    all.sort(Comparator.comparing(Input::at));
    Set<String> clients = new HashSet<>();
    Set<String> subjects = new HashSet<>();
    for (Input input : all) {
      if (input.value() instanceof TokenIssued issued) {
        clients.add(issued.getClientId());
        subjects.add(issued.getSubject());
      } else if (input.value() instanceof TokenUsed used) {
        if (used.getTokenClientId() != null) {
          clients.add(used.getTokenClientId());
        }
        if (used.getSubject() != null) {
          subjects.add(used.getSubject());
        }
      } else if (input.value() instanceof IssuanceDenied denied) {
        clients.add(denied.getClientId());
      }
    }
    return new Labelled(
        all,
        attacks,
        new Labelled.Description(
            all.size(),
            legit.size(),
            clients.size(),
            subjects.size(),
            scale.days(),
            start,
            end,
            patterns));
  }

  private void count(String pattern, long n) {
    patterns.merge(pattern, n, Long::sum);
  }

  // ---------------------------------------------------------------------------------------------
  // Services

  private enum ServiceKind {
    BATCH,
    MOVER,
    MISROUTED,
    DPOP,
    BLUE_GREEN,
    AUTOSCALED,
    ORDINARY
  }

  private static final class Service {
    final int index;
    final String client;
    final ServiceKind kind;
    final List<String> scopes;
    final String primary;
    final String secondary;
    String active;
    final List<String> pods = new ArrayList<>();
    final double rate;
    final @Nullable String dpopKey;
    final List<String> actsFor = new ArrayList<>();
    final Map<String, TokenLife> delegated = new HashMap<>();
    @Nullable TokenLife token;
    final List<TokenLife> tokens = new ArrayList<>();

    Service(int index, String name, ServiceKind kind, double rate) {
      this.index = index;
      this.client = "svc-" + name;
      this.kind = kind;
      this.scopes =
          switch (kind) {
            case MOVER -> List.of("mail:send", "profile:read");
            case MISROUTED -> List.of("reports:read", "profile:read");
            default -> List.of(name + ":read", name + ":write", "events:publish");
          };
      this.primary = "10." + (16 + index) + ".1";
      this.secondary = "10." + (16 + index) + ".2";
      this.active = primary;
      this.rate = rate;
      this.dpopKey = kind == ServiceKind.DPOP ? "jkt-" + name + "-2026" : null;
    }

    String green() {
      return "10." + (16 + index) + ".3";
    }

    String moved() {
      return "10." + (16 + index) + ".9";
    }

    boolean actsForUsers() {
      return kind == ServiceKind.MOVER || kind == ServiceKind.MISROUTED;
    }
  }

  private void createServices() {
    for (int i = 0; i < scale.services(); i++) {
      String name =
          i < SERVICE_NAMES.size() ? SERVICE_NAMES.get(i) : String.format("worker-%02d", i);
      ServiceKind kind =
          switch (i) {
            case 0 -> ServiceKind.BATCH;
            case 1 -> ServiceKind.MOVER;
            case 2 -> ServiceKind.MISROUTED;
            case 3, 4 -> ServiceKind.DPOP;
            case 5, 6 -> ServiceKind.BLUE_GREEN;
            case 7, 8, 9 -> ServiceKind.AUTOSCALED;
            default -> ServiceKind.ORDINARY;
          };
      double rate =
          switch (kind) {
                case BATCH -> BATCH_RATE_PER_MINUTE;
                case MOVER -> 1.6;
                case MISROUTED -> 1.2;
                case AUTOSCALED -> 0.45; // per pod
                default -> 0.6 + random.nextDouble();
              }
              * scale.serviceLoad();
      Service service = new Service(i, name, kind, rate);
      int replicas =
          switch (kind) {
            case BATCH, MOVER -> 4;
            case MISROUTED -> 3;
            case DPOP -> 4 + random.nextInt(2);
            case AUTOSCALED -> 2;
            // the first ordinary service is a small one, three replicas
            default -> i == 10 ? 3 : 3 + random.nextInt(4);
          };
      for (int r = 0; r < replicas; r++) {
        service.pods.add(address(service.primary));
      }
      services.add(service);
    }
    count("service clients", services.size());
  }

  /** The two services acting for users act for 20 and 15 people (fewer in a small workload). */
  private void actForUsers() {
    int mover = Math.min(20, humans.size() / 3);
    int misrouted = Math.min(15, humans.size() / 3);
    for (int h = 0; h < mover; h++) {
      services.get(1).actsFor.add(humans.get(h).subject);
    }
    for (int h = mover; h < mover + misrouted; h++) {
      services.get(2).actsFor.add(humans.get(h).subject);
    }
  }

  /** An address in the /24 {@code network} (three octets), host 2-251. */
  private String address(String network) {
    return network + "." + (2 + random.nextInt(250));
  }

  private static String networkOf(String address) {
    return address.substring(0, address.lastIndexOf('.'));
  }

  /** Instants (epoch minutes) at which an admin rotates a service's credential. */
  private Map<Integer, Set<Long>> credentialRotations() {
    Map<Integer, Set<Long>> rotations = new HashMap<>();
    int n = Math.max(1, scale.days() / 2);
    long minutes = Duration.ofDays(scale.days()).toMinutes();
    for (int k = 0; k < n; k++) {
      int service = 10 + k % (scale.services() - 10);
      long minute = minutes * (k + 1) / (n + 1) + 37;
      rotations.computeIfAbsent(service, s -> new HashSet<>()).add(minute);
    }
    return rotations;
  }

  private void runService(Service s, Set<Long> rotations) {
    long minutes = Duration.ofDays(scale.days()).toMinutes();
    Instant moveAt =
        start.plus(Duration.ofDays(Math.min(3, scale.days() - 1))).plus(Duration.ofHours(10));
    Instant misrouteFrom =
        start.plus(Duration.ofDays(Math.min(2, scale.days() - 1))).plus(Duration.ofHours(13));
    Instant misrouteTo = misrouteFrom.plus(Duration.ofMinutes(40));
    for (long m = 0; m < minutes; m++) {
      Instant t = start.plusSeconds(60 * m);
      lifecycle(s, t, m, moveAt);
      if (rotations.contains(m)) {
        rotateCredential(s, t);
      }
      double hour = (m % 1440) / 60.0;
      double rate =
          switch (s.kind) {
            case BATCH -> hour >= 2 && hour < 3 ? s.rate * 10 : s.rate;
            case AUTOSCALED -> s.rate * s.pods.size();
            default -> s.rate * diurnal(hour);
          };
      if (s.kind == ServiceKind.BATCH && m % 1440 == 120) {
        count("nightly batch windows (10x)", 1);
      }
      for (long offset : offsets(poisson(rate))) {
        Instant u = t.plusMillis(offset);
        if (s.actsForUsers()) {
          String user = s.actsFor.get(random.nextInt(s.actsFor.size()));
          TokenLife token = delegatedToken(s, user, u);
          use(token, u, pod(s), gateway(), List.of(pick(token.scopes)), null);
        } else {
          TokenLife token = serviceToken(s, u);
          use(token, u, pod(s), gateway(), List.of(pick(token.scopes)), null);
        }
      }
      if (s.kind == ServiceKind.MISROUTED && !t.isBefore(misrouteFrom) && t.isBefore(misrouteTo)) {
        for (long offset : offsets(poisson(4))) {
          Instant u = t.plusMillis(offset);
          String user = s.actsFor.get(random.nextInt(s.actsFor.size()));
          TokenLife token = delegatedToken(s, user, u);
          use(
              token,
              u,
              pod(s),
              gateway(),
              List.of("reports:export"),
              UseDenyReason.INSUFFICIENT_SCOPE);
          count("misrouted calls (insufficient scope)", 1);
        }
      }
    }
  }

  /** Daily rhythm of a service's load by UTC hour: half at night, up to 1.5 at the day's peak. */
  private static double diurnal(double hour) {
    return 0.5 + Math.max(0, Math.sin(Math.PI * (hour - 6) / 15));
  }

  /** Pod restarts, autoscaling, blue/green deploys and the one network move. */
  private void lifecycle(Service s, Instant t, long minute, Instant moveAt) {
    for (int p = 0; p < s.pods.size(); p++) {
      if (random.nextDouble() < 1 / 480.0) {
        s.pods.set(p, address(networkOf(s.pods.get(p))));
        count("pod restarts (new address in the /24)", 1);
      }
    }
    long minuteOfDay = minute % 1440;
    switch (s.kind) {
      case AUTOSCALED -> {
        double hour = minuteOfDay / 60.0;
        int desired = hour >= 8 && hour < 20 ? 10 : (hour >= 6 && hour < 22) ? 5 : 2;
        while (s.pods.size() < desired) {
          s.pods.add(address(random.nextBoolean() ? s.primary : s.secondary));
          count("autoscaled pods started", 1);
        }
        while (s.pods.size() > desired) {
          s.pods.remove(s.pods.size() - 1);
        }
      }
      case BLUE_GREEN -> {
        if (minuteOfDay == 14 * 60) {
          s.active = s.active.equals(s.primary) ? s.green() : s.primary;
          redeploy(s);
          count("blue/green deploys", 1);
        }
      }
      case MOVER -> {
        if (t.equals(moveAt)) {
          s.active = s.moved();
          redeploy(s);
          count("network moves after a deploy", 1);
        }
      }
      default -> {}
    }
  }

  private void redeploy(Service s) {
    for (int p = 0; p < s.pods.size(); p++) {
      s.pods.set(p, address(s.active));
    }
  }

  private String pod(Service s) {
    return s.pods.get(random.nextInt(s.pods.size()));
  }

  private String gateway() {
    return "gw-" + (1 + random.nextInt(4));
  }

  /**
   * The token the service's cache hands out at {@code u}: the current one until a few minutes
   * before its expiry; a cache refreshing late hands out the expired one to the first replicas
   * asking after expiry (retries at expiry), then a fresh one.
   */
  private TokenLife serviceToken(Service s, Instant u) {
    TokenLife token = s.token;
    if (token != null && u.isBefore(token.refreshAt) && u.isBefore(token.expiresAt)) {
      return token;
    }
    Instant at = u.minusMillis(20);
    if (token != null && token.late && !u.isBefore(token.expiresAt)) {
      int retries = 1 + random.nextInt(4);
      for (int k = 0; k < retries; k++) {
        use(
            token,
            u.plusMillis(300L * k),
            pod(s),
            gateway(),
            List.of(pick(token.scopes)),
            UseDenyReason.EXPIRED);
      }
      count("expiry retries (expired presentations, then a fresh token)", 1);
      at = u.plusMillis(300L * retries + 200);
    }
    TokenLife fresh =
        issue(
            s.client,
            s.client,
            "grant-" + s.client,
            s.scopes,
            at,
            SERVICE_TOKEN_TTL,
            null,
            GrantType.CLIENT_CREDENTIALS,
            s.dpopKey);
    if (random.nextDouble() < 0.12) {
      fresh.late = true;
      fresh.refreshAt = fresh.expiresAt;
    } else {
      fresh.refreshAt = at.plus(Duration.ofMinutes(55 + random.nextInt(4)));
    }
    if (s.dpopKey != null) {
      count("DPoP-bound tokens", 1);
    }
    s.token = fresh;
    s.tokens.add(fresh);
    return fresh;
  }

  /** The user's delegated token of a service acting for users, exchanged again when due. */
  private TokenLife delegatedToken(Service s, String user, Instant u) {
    TokenLife token = s.delegated.get(user);
    if (token != null && u.isBefore(token.refreshAt)) {
      return token;
    }
    TokenLife fresh =
        issue(
            user,
            s.client,
            "grant-" + s.client + "-" + user,
            s.scopes,
            u.minusMillis(20),
            DELEGATED_TOKEN_TTL,
            null,
            GrantType.TOKEN_EXCHANGE,
            null);
    fresh.refreshAt = fresh.issuedAt.plus(Duration.ofMinutes(50));
    s.delegated.put(user, fresh);
    s.tokens.add(fresh);
    count("token exchanges (services acting for users)", 1);
    return fresh;
  }

  /**
   * An admin rotates the service's credential: its current token is revoked; one or two replicas
   * present it once more and are denied {@code REVOKED}; the cache takes a fresh token.
   */
  private void rotateCredential(Service s, Instant t) {
    TokenLife token = s.token;
    if (token == null || !t.isBefore(token.expiresAt)) {
      return;
    }
    Instant at = t.minusSeconds(3);
    legit.add(
        events.requested(
            SelectorKind.TOKEN, token.tokenId, RevocationReason.ADMIN, "admin@example", at));
    legit.add(
        events.revocation(
            SelectorKind.TOKEN,
            token.tokenId,
            RevocationReason.ADMIN,
            at.plusMillis(40),
            token.expiresAt));
    int stragglers = 1 + random.nextInt(2);
    for (int k = 0; k < stragglers; k++) {
      use(
          token,
          at.plusMillis(500L + 400L * k),
          pod(s),
          gateway(),
          List.of(pick(token.scopes)),
          UseDenyReason.REVOKED);
    }
    token.revoked = true;
    token.late = false;
    token.refreshAt = at;
    count("admin revocations", 1);
  }

  // ---------------------------------------------------------------------------------------------
  // People

  private enum Place {
    OFFICE,
    HOME,
    MOBILE
  }

  private record Company(String name, ZoneOffset zone, String office, String carrier) {}

  private static final List<Company> COMPANIES =
      List.of(
          new Company("acme", ZoneOffset.ofHours(-5), "198.51.100.17", "172.56"),
          new Company("globex", ZoneOffset.ofHours(1), "203.0.113.40", "172.57"),
          new Company("initech", ZoneOffset.ofHours(8), "192.0.2.200", "172.58"));

  private static final class Human {
    final String subject;
    final Company company;
    final String client;
    final List<String> scopes;
    final String home;
    final double rate;
    final Set<DayOfWeek> officeDays;
    @Nullable String grant;
    @Nullable LocalDate grantDay;
    @Nullable TokenLife token;
    final List<TokenLife> tokens = new ArrayList<>();
    @Nullable Instant firstSeen;

    Human(
        String subject,
        Company company,
        String client,
        String home,
        double rate,
        Set<DayOfWeek> officeDays) {
      this.subject = subject;
      this.company = company;
      this.client = client;
      this.scopes = requireNonNull(AGENT_SCOPES.get(client), client);
      this.home = home;
      this.rate = rate;
      this.officeDays = officeDays;
    }
  }

  private void createHumans() {
    for (int h = 0; h < scale.humans(); h++) {
      Company company = COMPANIES.get(h % COMPANIES.size());
      String client = AGENTS.get(random.nextInt(AGENTS.size()));
      List<DayOfWeek> weekdays =
          new ArrayList<>(
              List.of(
                  DayOfWeek.MONDAY,
                  DayOfWeek.TUESDAY,
                  DayOfWeek.WEDNESDAY,
                  DayOfWeek.THURSDAY,
                  DayOfWeek.FRIDAY));
      Collections.shuffle(weekdays, random);
      Set<DayOfWeek> office = EnumSet.copyOf(weekdays.subList(0, 2 + random.nextInt(3)));
      String home = "73." + (10 + h / 200) + "." + (h % 200) + "." + (2 + random.nextInt(250));
      humans.add(
          new Human(
              String.format("%s-user-%03d", company.name(), h / COMPANIES.size()),
              company,
              client,
              home,
              0.2 + 0.25 * random.nextDouble(),
              office));
    }
    count("human subjects", humans.size());
    count("human-driven agent clients", AGENTS.size());
  }

  private record Session(Instant from, Instant to, Place place, LocalDate day, boolean last) {}

  private void runHuman(Human human) {
    LocalDate first = start.atOffset(human.company.zone()).toLocalDate().minusDays(1);
    for (int d = 0; d <= scale.days() + 1; d++) {
      LocalDate day = first.plusDays(d);
      for (Session session : humanDay(human, day)) {
        if (session.to().isAfter(start) && session.from().isBefore(end)) {
          Instant from = session.from().isBefore(start) ? start : session.from();
          Instant to = session.to().isAfter(end) ? end : session.to();
          runSession(human, new Session(from, to, session.place(), day, session.last()));
        }
      }
    }
  }

  /** One person's sessions of one local day: the working-hours model of the class comment. */
  private List<Session> humanDay(Human human, LocalDate day) {
    List<Session> sessions = new ArrayList<>();
    DayOfWeek weekday = day.getDayOfWeek();
    if (weekday == DayOfWeek.SATURDAY || weekday == DayOfWeek.SUNDAY) {
      if (random.nextDouble() < 0.35) {
        Instant from = at(human, day, 10 * 60 + random.nextInt(600));
        sessions.add(
            new Session(
                from,
                from.plus(Duration.ofMinutes(10 + random.nextInt(30))),
                random.nextBoolean() ? Place.HOME : Place.MOBILE,
                day,
                false));
      }
    } else {
      Place work = human.officeDays.contains(weekday) ? Place.OFFICE : Place.HOME;
      if (random.nextDouble() < 0.5) {
        Instant from = at(human, day, 7 * 60 + random.nextInt(75));
        sessions.add(
            new Session(
                from,
                from.plus(Duration.ofMinutes(8 + random.nextInt(12))),
                Place.MOBILE,
                day,
                false));
      }
      sessions.add(
          new Session(
              at(human, day, 8 * 60 + 30 + random.nextInt(60)),
              at(human, day, 12 * 60 - 15 + random.nextInt(30)),
              work,
              day,
              false));
      if (random.nextDouble() < 0.25) {
        Instant from = at(human, day, 12 * 60 + 15 + random.nextInt(20));
        sessions.add(
            new Session(
                from,
                from.plus(Duration.ofMinutes(10 + random.nextInt(10))),
                Place.MOBILE,
                day,
                false));
      }
      sessions.add(
          new Session(
              at(human, day, 13 * 60 + random.nextInt(15)),
              at(human, day, 17 * 60 + random.nextInt(90)),
              work,
              day,
              false));
      if (random.nextDouble() < 0.3) {
        Instant from = at(human, day, 20 * 60 + random.nextInt(90));
        sessions.add(
            new Session(
                from,
                from.plus(Duration.ofMinutes(15 + random.nextInt(35))),
                Place.HOME,
                day,
                false));
      }
    }
    if (!sessions.isEmpty()) {
      Session last = sessions.remove(sessions.size() - 1);
      sessions.add(new Session(last.from(), last.to(), last.place(), day, true));
    }
    return sessions;
  }

  private static Instant at(Human human, LocalDate day, int minuteOfDay) {
    return day.atTime(LocalTime.ofSecondOfDay(minuteOfDay * 60L)).toInstant(human.company.zone());
  }

  private String addressOf(Human human, Place place, LocalDate day) {
    return switch (place) {
      case OFFICE -> human.company.office();
      case HOME -> human.home;
      case MOBILE ->
          human.company.carrier()
              + "."
              + Math.floorMod(day.toEpochDay() * 7 + human.subject.hashCode(), 3)
              + "."
              + (2 + random.nextInt(250));
    };
  }

  private void runSession(Human human, Session session) {
    String address = addressOf(human, session.place(), session.day());
    count(
        switch (session.place()) {
          case OFFICE -> "office sessions behind NAT egress";
          case HOME -> "home sessions";
          case MOBILE -> "mobile sessions (carrier CGNAT)";
        },
        1);
    if (!session.day().equals(human.grantDay)) {
      human.grant = "grant-" + events.id();
      human.grantDay = session.day();
      human.token = null;
    }
    Instant t = session.from();
    TokenLife token = human.token;
    if (token != null && !t.isBefore(token.expiresAt) && random.nextDouble() < 0.1) {
      use(token, t, address, edge(human), List.of(pick(token.scopes)), UseDenyReason.EXPIRED);
      count("expired stragglers", 1);
      t = t.plusMillis(400);
    }
    boolean refusal = session.place() != Place.MOBILE && random.nextDouble() < 0.15;
    Instant refusalAt = between(session.from(), session.to());
    boolean single = session.place() != Place.MOBILE && random.nextDouble() < 0.08;
    Instant singleAt = between(session.from(), session.to());
    for (Instant minute = t; minute.isBefore(session.to()); minute = minute.plusSeconds(60)) {
      for (long offset : offsets(poisson(human.rate))) {
        Instant u = minute.plusMillis(offset);
        if (!u.isBefore(session.to())) {
          continue;
        }
        TokenLife current = humanToken(human, u);
        if (random.nextDouble() < 0.004) {
          use(
              current,
              u,
              address,
              edge(human),
              List.of("admin:settings"),
              UseDenyReason.INSUFFICIENT_SCOPE);
          count("insufficient-scope noise", 1);
        } else {
          use(current, u, address, edge(human), List.of(pick(current.scopes)), null);
        }
      }
    }
    if (refusal) {
      List<String> asked = new ArrayList<>(human.scopes);
      asked.add("admin:settings");
      legit.add(
          events.denied(
              human.client,
              human.subject,
              IssuanceDenyReason.SCOPE_NOT_APPROVED,
              GrantType.AUTHORIZATION_CODE,
              asked,
              human.scopes,
              null,
              refusalAt));
      count("scope requests beyond policy", 1);
    }
    if (single) {
      TokenLife link =
          issue(
              human.subject,
              human.client,
              requireNonNull(human.grant, "grant"),
              human.scopes,
              singleAt,
              USER_TOKEN_TTL,
              3,
              GrantType.AUTHORIZATION_CODE,
              null);
      int uses = 1 + random.nextInt(3);
      for (int k = 0; k < uses; k++) {
        use(
            link,
            singleAt.plusSeconds(5 + 20L * k),
            address,
            edge(human),
            List.of(pick(link.scopes)),
            null);
      }
      human.tokens.add(link);
      count("single-purpose tokens (max_uses 3)", 1);
    }
    TokenLife last = human.token;
    if (session.last() && last != null && random.nextDouble() < 0.01) {
      Instant at = session.to().plusSeconds(60);
      if (at.isBefore(last.expiresAt)) {
        legit.add(
            events.requested(
                SelectorKind.TOKEN, last.tokenId, RevocationReason.ADMIN, "admin@example", at));
        legit.add(
            events.revocation(
                SelectorKind.TOKEN,
                last.tokenId,
                RevocationReason.ADMIN,
                at.plusMillis(40),
                last.expiresAt));
        last.revoked = true;
        human.token = null;
        count("admin revocations", 1);
      }
    }
  }

  /** The person's current token at {@code u}: a login, or a refresh when it is due. */
  private TokenLife humanToken(Human human, Instant u) {
    TokenLife token = human.token;
    if (token != null && u.isBefore(token.refreshAt)) {
      return token;
    }
    boolean login = token == null;
    TokenLife fresh =
        issue(
            human.subject,
            human.client,
            requireNonNull(human.grant, "grant"),
            human.scopes,
            u.minusMillis(150),
            USER_TOKEN_TTL,
            null,
            login ? GrantType.AUTHORIZATION_CODE : GrantType.REFRESH_TOKEN,
            null);
    fresh.refreshAt = fresh.issuedAt.plus(Duration.ofMinutes(14));
    if (!login) {
      count("refresh-token rotations", 1);
    }
    if (human.firstSeen == null) {
      human.firstSeen = fresh.issuedAt;
    }
    human.token = fresh;
    human.tokens.add(fresh);
    return fresh;
  }

  private String edge(Human human) {
    return "edge-" + human.company.name() + "-" + (1 + random.nextInt(2));
  }

  // ---------------------------------------------------------------------------------------------
  // Tokens and uses

  /** What the model knows of one token: who holds it, and how it was used. */
  private static final class TokenLife {
    final String tokenId;
    final String subject;
    final String client;
    final String grantId;
    final List<String> scopes;
    final Instant issuedAt;
    final Instant expiresAt;
    final @Nullable String binding;
    final @Nullable Integer maxUses;
    Instant refreshAt;
    boolean late;
    boolean revoked;
    @Nullable Instant firstUse;
    @Nullable Instant lastUse;
    int uses;
    final Set<String> addresses = new HashSet<>();

    TokenLife(
        String tokenId,
        String subject,
        String client,
        String grantId,
        List<String> scopes,
        Instant issuedAt,
        Instant expiresAt,
        @Nullable String binding,
        @Nullable Integer maxUses) {
      this.tokenId = tokenId;
      this.subject = subject;
      this.client = client;
      this.grantId = grantId;
      this.scopes = scopes;
      this.issuedAt = issuedAt;
      this.expiresAt = expiresAt;
      this.binding = binding;
      this.maxUses = maxUses;
      this.refreshAt = expiresAt;
    }

    boolean activeFor(Duration span) {
      return firstUse != null
          && lastUse != null
          && !Duration.between(firstUse, lastUse).minus(span).isNegative();
    }
  }

  private TokenLife issue(
      String subject,
      String client,
      String grant,
      List<String> scopes,
      Instant at,
      Duration ttl,
      @Nullable Integer maxUses,
      GrantType type,
      @Nullable String binding) {
    return issue(legit, subject, client, grant, scopes, at, ttl, maxUses, type, binding);
  }

  private TokenLife issue(
      List<Input> sink,
      String subject,
      String client,
      String grant,
      List<String> scopes,
      Instant at,
      Duration ttl,
      @Nullable Integer maxUses,
      GrantType type,
      @Nullable String binding) {
    if (at.isBefore(start)) {
      at = start;
    }
    String tokenId = events.id();
    Input input = events.issued(tokenId, subject, client, grant, scopes, at, ttl, maxUses, type);
    if (binding != null) {
      TokenIssued bound =
          TokenIssued.newBuilder((TokenIssued) input.value())
              .setChannelBinding(
                  ChannelBinding.newBuilder()
                      .setType(BindingType.DPOP)
                      .setThumbprint(binding)
                      .build())
              .build();
      input = new Input(input.topic(), input.key(), bound, input.at());
    }
    sink.add(input);
    return new TokenLife(
        tokenId, subject, client, grant, scopes, at, at.plus(ttl), binding, maxUses);
  }

  private void use(
      TokenLife token,
      Instant at,
      String source,
      String validator,
      List<String> required,
      @Nullable UseDenyReason deny) {
    legit.add(presentation(token, at, source, validator, required, deny, token.binding));
    if (deny == null) {
      token.uses++;
    }
    if (token.firstUse == null) {
      token.firstUse = at;
    }
    token.lastUse = at;
    token.addresses.add(source);
  }

  private Input presentation(
      TokenLife token,
      Instant at,
      String source,
      String validator,
      List<String> required,
      @Nullable UseDenyReason deny,
      @Nullable String key) {
    EventFactory.Use use =
        new EventFactory.Use(token.tokenId, token.subject, token.client, at)
            .from(source)
            .by(validator)
            .scopes(required, token.scopes)
            .limits(token.maxUses, token.uses + 1L)
            .token(token.expiresAt, token.grantId);
    if (key != null) {
      use.provedKey(key);
    }
    if (deny != null) {
      use.denied(deny);
    }
    return events.used(use);
  }

  private String pick(List<String> values) {
    return values.get(random.nextInt(values.size()));
  }

  private Instant between(Instant from, Instant to) {
    long span = Math.max(1, Duration.between(from, to).toMillis());
    return from.plusMillis((long) (random.nextDouble() * span));
  }

  /** {@code n} millisecond offsets within a minute, ascending. */
  private long[] offsets(int n) {
    long[] offsets = new long[n];
    for (int i = 0; i < n; i++) {
      offsets[i] = random.nextInt(60_000);
    }
    Arrays.sort(offsets);
    return offsets;
  }

  private int poisson(double lambda) {
    if (lambda > 30) {
      return (int) Math.max(0, Math.round(lambda + Math.sqrt(lambda) * random.nextGaussian()));
    }
    double limit = Math.exp(-lambda);
    double product = random.nextDouble();
    int n = 0;
    while (product > limit) {
      product *= random.nextDouble();
      n++;
    }
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // Attacks

  /** Places the attacks: their times, victims and events. */
  private final class AttackPlanner {
    private final Set<String> victims = new HashSet<>();
    private final Map<String, Integer> serviceVictims = new HashMap<>();
    private int foreign;

    void plan(List<Input> all, List<LabelledAttack> attacks) {
      int instances = instancesPerKind(scale);
      Kind[] kinds = Kind.values();
      int slots = instances * kinds.length;
      Instant lo = start.plus(ATTACKS_AFTER);
      Instant hi = end.minus(Duration.ofHours(3));
      long span = Duration.between(lo, hi).toMillis();
      for (int i = 0; i < instances; i++) {
        for (int k = 0; k < kinds.length; k++) {
          int slot = i * kinds.length + k;
          Instant target = lo.plusMillis((long) (span * (slot + 0.5) / slots));
          String id = kinds[k].name().toLowerCase(Locale.ROOT).replace('_', '-') + "-" + (i + 1);
          List<Input> sink = new ArrayList<>();
          foreign++;
          Label label = attack(kinds[k], target, sink);
          Instant from = sink.stream().map(Input::at).min(Comparator.naturalOrder()).orElseThrow();
          Instant to = sink.stream().map(Input::at).max(Comparator.naturalOrder()).orElseThrow();
          attacks.add(
              new LabelledAttack(
                  id,
                  label.story,
                  label.expected,
                  label.alsoTrue,
                  label.tokenId,
                  label.grantId,
                  label.subject,
                  label.clientId,
                  from,
                  to,
                  sink.size()));
          all.addAll(sink);
        }
      }
    }

    /** An attacker's address: each attack has foreign /24s of its own. */
    private String attacker(int host) {
      return "185.220." + (100 + foreign) + "." + host;
    }

    private String attackerElsewhere(int host) {
      return "45.133." + (10 + foreign) + "." + host;
    }

    private Label attack(Kind kind, Instant target, List<Input> sink) {
      return switch (kind) {
        case STOLEN_USER_TOKEN -> {
          TokenLife token = humanVictim(target, t -> t.activeFor(Duration.ofMinutes(4)));
          Instant at = requireNonNull(token.firstUse, "firstUse").plusSeconds(60);
          for (int k = 0; k < 4; k++) {
            sink.add(
                presentation(
                    token,
                    at.plusSeconds(90L * k),
                    attacker(66),
                    "edge-x-1",
                    List.of(pick(token.scopes)),
                    null,
                    null));
          }
          yield Label.of(
                  "a person's token replayed from a foreign network while they keep using it",
                  token)
              .expect(Rule.UNFAMILIAR_CLIENT)
              .alsoTrue(Rule.TOKEN_SPREAD);
        }
        case STOLEN_SERVICE_TOKEN_SPREAD -> {
          TokenLife token =
              serviceVictim(target, t -> t.addresses.size() <= 3 && t.uses >= 10, false);
          Instant at = token.issuedAt.plus(Duration.ofMinutes(5));
          String[] from = {
            attacker(10),
            attacker(11),
            attacker(12),
            attackerElsewhere(20),
            attackerElsewhere(21),
            attacker(10)
          };
          for (int k = 0; k < from.length; k++) {
            sink.add(
                presentation(
                    token,
                    at.plusSeconds(30L * k),
                    from[k],
                    gateway(),
                    List.of(pick(token.scopes)),
                    null,
                    null));
          }
          yield Label.of("a stolen service token used from addresses in other networks", token)
              .expect(Rule.TOKEN_SPREAD)
              .expect(Rule.UNFAMILIAR_CLIENT);
        }
        case TOKEN_OF_ANOTHER_CLIENT -> {
          TokenLife token = serviceVictim(target, t -> t.uses >= 10, false);
          Service thief = services.get(services.size() - 1 - foreign % 2);
          if (thief.client.equals(token.client)) {
            thief = services.get(services.size() - 3);
          }
          Instant at = token.issuedAt.plus(Duration.ofMinutes(10));
          for (int k = 0; k < 2; k++) {
            EventFactory.Use use =
                new EventFactory.Use(
                        token.tokenId, token.subject, token.client, at.plusSeconds(40L * k))
                    .from(address(thief.primary))
                    .by(gateway())
                    .presentedBy(thief.client)
                    .scopes(List.of(pick(token.scopes)), token.scopes)
                    .limits(null, 1)
                    .token(token.expiresAt, token.grantId);
            sink.add(events.used(use));
          }
          yield Label.of("a service token presented by another client", token)
              .expect(Rule.UNFAMILIAR_CLIENT);
        }
        case DPOP_WRONG_KEY -> {
          TokenLife token = serviceVictim(target, t -> t.binding != null && t.uses >= 10, true);
          Instant at = token.issuedAt.plus(Duration.ofMinutes(10));
          for (int k = 0; k < 2; k++) {
            sink.add(
                presentation(
                    token,
                    at.plusSeconds(20L * k),
                    attacker(30),
                    gateway(),
                    List.of(pick(token.scopes)),
                    UseDenyReason.BINDING_MISMATCH,
                    "jkt-stolen-" + foreign));
          }
          yield Label.of("a DPoP-bound token presented with a key other than its own", token)
              .expect(Rule.UNFAMILIAR_CLIENT);
        }
        case REPLAY_AFTER_REVOCATION -> {
          // The last token of a person's day: nobody but the thief presents it after its
          // revocation.
          TokenLife token =
              grantEndVictim(
                  target,
                  t -> Duration.between(requireNonNull(t.lastUse), t.expiresAt).toMinutes() >= 4);
          Instant revokedAt = requireNonNull(token.lastUse, "lastUse").plusSeconds(30);
          sink.add(
              events.requested(
                  SelectorKind.TOKEN,
                  token.tokenId,
                  RevocationReason.ADMIN,
                  "admin@example",
                  revokedAt));
          sink.add(
              events.revocation(
                  SelectorKind.TOKEN,
                  token.tokenId,
                  RevocationReason.ADMIN,
                  revokedAt.plusMillis(40),
                  token.expiresAt));
          for (int k = 0; k < 2; k++) {
            sink.add(
                presentation(
                    token,
                    revokedAt.plusSeconds(60 + 15L * k),
                    attacker(44),
                    "edge-x-1",
                    List.of(pick(token.scopes)),
                    UseDenyReason.REVOKED,
                    null));
          }
          yield Label.of("a person's token, revoked by an admin, presented again by a thief", token)
              .expect(Rule.REPLAY_AFTER_REVOCATION)
              .alsoTrue(Rule.UNFAMILIAR_CLIENT);
        }
        case SCOPE_PROBING -> {
          TokenLife token = humanVictim(target, t -> t.activeFor(Duration.ofMinutes(4)));
          Instant at = requireNonNull(token.firstUse, "firstUse").plusSeconds(60);
          List<String> probes = List.of("admin:write", "billing:read", "users:delete");
          for (int k = 0; k < 6; k++) {
            sink.add(
                presentation(
                    token,
                    at.plusSeconds(30L * k),
                    attacker(7),
                    "edge-x-1",
                    List.of(probes.get(k % probes.size())),
                    UseDenyReason.INSUFFICIENT_SCOPE,
                    null));
          }
          yield Label.of("one stolen token probing for scopes it does not carry", token)
              .expect(Rule.SCOPE_ESCALATION)
              .alsoTrue(Rule.UNFAMILIAR_CLIENT);
        }
        case REFUSALS_BEYOND_POLICY -> {
          Service victim = serviceVictimClient(target);
          List<String> asked = new ArrayList<>(victim.scopes);
          asked.add("admin:write");
          for (int k = 0; k < 4; k++) {
            sink.add(
                events.denied(
                    victim.client,
                    victim.client,
                    IssuanceDenyReason.SCOPE_NOT_APPROVED,
                    GrantType.CLIENT_CREDENTIALS,
                    asked,
                    victim.scopes,
                    null,
                    target.plusSeconds(70L * k)));
          }
          yield new Label(
                  "a compromised client's credentials asking again and again for scopes beyond"
                      + " policy",
                  null,
                  null,
                  null,
                  victim.client)
              .expect(Rule.SCOPE_ESCALATION);
        }
        case REFRESH_WIDENING -> {
          TokenLife token = humanVictim(target, t -> t.activeFor(Duration.ofMinutes(2)));
          List<String> asked = new ArrayList<>(token.scopes);
          asked.add("admin:write");
          sink.add(
              events.denied(
                  token.client,
                  token.subject,
                  IssuanceDenyReason.DELEGATION_WIDENS_SCOPE,
                  GrantType.REFRESH_TOKEN,
                  asked,
                  token.scopes,
                  token.grantId,
                  requireNonNull(token.firstUse, "firstUse").plusSeconds(45)));
          yield new Label(
                  "a refresh asking for more scopes than its grant",
                  null,
                  token.grantId,
                  token.subject,
                  token.client)
              .expect(Rule.SCOPE_ESCALATION);
        }
        case REFRESH_TOKEN_REUSE -> {
          TokenLife token = grantEndVictim(target, t -> true);
          Instant at = requireNonNull(token.lastUse, "lastUse").plus(Duration.ofMinutes(2));
          sink.add(
              events.requested(
                  SelectorKind.GRANT,
                  token.grantId,
                  RevocationReason.REFRESH_TOKEN_REUSE,
                  "issuer:refresh-reuse",
                  at));
          sink.add(
              events.revocation(
                  SelectorKind.GRANT,
                  token.grantId,
                  RevocationReason.REFRESH_TOKEN_REUSE,
                  at.plusMillis(40),
                  token.expiresAt.plus(Duration.ofDays(1))));
          yield new Label(
                  "a thief presents a refresh token the victim's agent had already rotated; the"
                      + " issuer revokes the grant",
                  null,
                  token.grantId,
                  token.subject,
                  token.client)
              .expect(Rule.REFRESH_TOKEN_REUSE);
        }
        case BURST_OUTSIDE_BATCH -> {
          Service billing = services.get(0);
          Instant at = outsideBatch(target);
          TokenLife token =
              issue(
                  sink,
                  billing.client,
                  billing.client,
                  "grant-" + billing.client,
                  billing.scopes,
                  at,
                  SERVICE_TOKEN_TTL,
                  null,
                  GrantType.CLIENT_CREDENTIALS,
                  null);
          for (int k = 0; k < 660; k++) {
            sink.add(
                presentation(
                    token,
                    at.plusMillis(1_000 + 180L * k),
                    attacker(10 + k % 3),
                    gateway(),
                    List.of(pick(token.scopes)),
                    null,
                    null));
          }
          yield new Label(
                  "a compromised batch client bursting at ten times its rate outside its batch"
                      + " window",
                  token.tokenId,
                  null,
                  null,
                  billing.client)
              .expect(Rule.USAGE_SPIKE)
              .alsoTrue(Rule.TOKEN_SPREAD)
              .alsoTrue(Rule.UNFAMILIAR_CLIENT);
        }
        case MAX_USE_OVERSHOOT -> {
          TokenLife token = humanVictim(target, t -> t.activeFor(Duration.ofMinutes(3)));
          Instant at = requireNonNull(token.firstUse, "firstUse").plusSeconds(60);
          String own = token.addresses.iterator().next();
          TokenLife link =
              issue(
                  sink,
                  token.subject,
                  token.client,
                  token.grantId,
                  token.scopes,
                  at,
                  USER_TOKEN_TTL,
                  3,
                  GrantType.AUTHORIZATION_CODE,
                  null);
          for (int k = 0; k < 5; k++) {
            boolean thief = k >= 2;
            sink.add(
                presentation(
                    link,
                    at.plusSeconds(10 + 15L * k),
                    thief ? attacker(90) : own,
                    thief ? "edge-x-2" : "edge-x-1",
                    List.of(pick(link.scopes)),
                    null,
                    null));
            link.uses++;
          }
          yield Label.of(
                  "a single-purpose token (max_uses 3) replayed by a thief on another validator",
                  link)
              .expect(Rule.MAX_USE_OVERSHOOT)
              .alsoTrue(Rule.UNFAMILIAR_CLIENT)
              .alsoTrue(Rule.TOKEN_SPREAD);
        }
        case USE_AFTER_EXPIRY -> {
          TokenLife token = humanVictim(target, t -> t.uses >= 2);
          Instant at = token.expiresAt.plusSeconds(30);
          for (int k = 0; k < 7; k++) {
            sink.add(
                presentation(
                    token,
                    at.plusSeconds(35L * k),
                    attacker(55),
                    "edge-x-1",
                    List.of(pick(token.scopes)),
                    UseDenyReason.EXPIRED,
                    null));
          }
          yield Label.of("a stolen token presented again and again after it expired", token)
              .expect(Rule.USE_AFTER_EXPIRY)
              .alsoTrue(Rule.UNFAMILIAR_CLIENT);
        }
        case BROADER_GRANT -> {
          Service victim = serviceVictimClient(target);
          List<String> scopes = new ArrayList<>(victim.scopes);
          scopes.add("admin:write");
          TokenLife token =
              issue(
                  sink,
                  victim.client,
                  victim.client,
                  "grant-" + victim.client,
                  scopes,
                  target,
                  SERVICE_TOKEN_TTL,
                  null,
                  GrantType.CLIENT_CREDENTIALS,
                  null);
          for (int k = 0; k < 3; k++) {
            sink.add(
                presentation(
                    token,
                    target.plusSeconds(20 + 30L * k),
                    attacker(8),
                    gateway(),
                    List.of("admin:write"),
                    null,
                    null));
          }
          yield new Label(
                  "a token granted a scope outside the client's baseline, then used for it",
                  token.tokenId,
                  null,
                  null,
                  victim.client)
              .expect(Rule.SCOPE_ESCALATION)
              .alsoTrue(Rule.UNFAMILIAR_CLIENT)
              .alsoTrue(Rule.TOKEN_SPREAD);
        }
      };
    }

    /** The batch window is 02:00-03:00 UTC: a burst is moved to 10:00 if it falls near it. */
    private Instant outsideBatch(Instant target) {
      Instant minute = Instant.ofEpochSecond(target.getEpochSecond() / 60 * 60).plusSeconds(5);
      double hour = (minute.getEpochSecond() % 86_400) / 3600.0;
      if (hour < 1 || hour >= 4) {
        return minute;
      }
      Instant later = minute.plus(Duration.ofHours(8));
      return later.isBefore(end.minus(Duration.ofHours(1)))
          ? later
          : minute.minus(Duration.ofHours(8));
    }

    /**
     * A person's token issued at or after {@code target} (the earliest such), of a person seen for
     * at least {@link #VICTIM_KNOWN_FOR} and not a victim yet.
     */
    private TokenLife humanVictim(Instant target, Predicate<TokenLife> fits) {
      TokenLife best = null;
      Human chosen = null;
      for (Human human : humans) {
        if (victims.contains(human.subject) || human.firstSeen == null) {
          continue;
        }
        for (TokenLife token : human.tokens) {
          if (token.revoked
              || token.maxUses != null
              || token.issuedAt.isBefore(target)
              || token.issuedAt.isBefore(human.firstSeen.plus(VICTIM_KNOWN_FOR))
              || !token.expiresAt.plus(Duration.ofMinutes(10)).isBefore(end)
              || !fits.test(token)) {
            continue;
          }
          if (best == null || token.issuedAt.isBefore(best.issuedAt)) {
            best = token;
            chosen = human;
          }
          break;
        }
      }
      if (best == null || chosen == null) {
        throw new IllegalStateException("no person to attack after " + target);
      }
      victims.add(chosen.subject);
      return best;
    }

    /**
     * The token of a person's day grant whose last use is the grant's last, at or after {@code
     * target}: after it the person's agent logs in afresh the next day.
     */
    private TokenLife grantEndVictim(Instant target, Predicate<TokenLife> fits) {
      TokenLife best = null;
      Human chosen = null;
      for (Human human : humans) {
        if (victims.contains(human.subject) || human.firstSeen == null) {
          continue;
        }
        Map<String, TokenLife> lastOfGrant = new LinkedHashMap<>();
        for (TokenLife token : human.tokens) {
          if (token.lastUse != null) {
            TokenLife known = lastOfGrant.get(token.grantId);
            if (known == null || requireNonNull(known.lastUse).isBefore(token.lastUse)) {
              lastOfGrant.put(token.grantId, token);
            }
          }
        }
        for (TokenLife token : lastOfGrant.values()) {
          Instant last = requireNonNull(token.lastUse, "lastUse");
          if (last.isBefore(target)
              || token.issuedAt.isBefore(human.firstSeen.plus(VICTIM_KNOWN_FOR))
              || !last.plus(Duration.ofMinutes(20)).isBefore(end)
              || !fits.test(token)) {
            continue;
          }
          if (best == null || last.isBefore(requireNonNull(best.lastUse))) {
            best = token;
            chosen = human;
          }
          break;
        }
      }
      if (best == null || chosen == null) {
        throw new IllegalStateException("no grant to attack after " + target);
      }
      victims.add(chosen.subject);
      return best;
    }

    /**
     * A service token issued at or after {@code target}, of a service acting for itself (DPoP or
     * not, as asked), the least attacked such service first.
     */
    private TokenLife serviceVictim(Instant target, Predicate<TokenLife> fits, boolean dpop) {
      TokenLife best = null;
      int bestUses = Integer.MAX_VALUE;
      for (Service service : services) {
        boolean eligible =
            dpop
                ? service.kind == ServiceKind.DPOP
                : service.kind == ServiceKind.ORDINARY || service.kind == ServiceKind.BLUE_GREEN;
        if (!eligible) {
          continue;
        }
        int attacked = serviceVictims.getOrDefault(service.client, 0);
        for (TokenLife token : service.tokens) {
          if (token.revoked
              || token.issuedAt.isBefore(target)
              || !token.expiresAt.plus(Duration.ofMinutes(10)).isBefore(end)
              || !fits.test(token)) {
            continue;
          }
          if (attacked < bestUses
              || (attacked == bestUses && token.issuedAt.isBefore(requireNonNull(best).issuedAt))) {
            best = token;
            bestUses = attacked;
          }
          break;
        }
      }
      if (best == null) {
        throw new IllegalStateException("no service token to attack after " + target);
      }
      serviceVictims.merge(best.client, 1, Integer::sum);
      return best;
    }

    private Service serviceVictimClient(Instant target) {
      TokenLife token = serviceVictim(target, t -> true, false);
      for (Service service : services) {
        if (service.client.equals(token.client)) {
          return service;
        }
      }
      throw new IllegalStateException("no service " + token.client);
    }
  }

  /** How many attacks of each kind a workload of {@code scale} hides: two in a week, else one. */
  static int instancesPerKind(Scale scale) {
    return scale.days() >= 5 ? 2 : 1;
  }

  /** An attack's label while it is built. */
  private static final class Label {
    final String story;
    final @Nullable String tokenId;
    final @Nullable String grantId;
    final @Nullable String subject;
    final @Nullable String clientId;
    final Set<Rule> expected = EnumSet.noneOf(Rule.class);
    final Set<Rule> alsoTrue = EnumSet.noneOf(Rule.class);

    Label(
        String story,
        @Nullable String tokenId,
        @Nullable String grantId,
        @Nullable String subject,
        @Nullable String clientId) {
      this.story = story;
      this.tokenId = tokenId;
      this.grantId = grantId;
      this.subject = subject;
      this.clientId = clientId;
    }

    static Label of(String story, TokenLife token) {
      return new Label(story, token.tokenId, null, token.subject, token.client);
    }

    Label expect(Rule rule) {
      expected.add(rule);
      return this;
    }

    Label alsoTrue(Rule rule) {
      alsoTrue.add(rule);
      return this;
    }
  }
}
