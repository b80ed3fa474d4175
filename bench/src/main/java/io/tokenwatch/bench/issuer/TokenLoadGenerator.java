package io.tokenwatch.bench.issuer;

import io.tokenwatch.bench.LoadAverage;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Load generator for the token endpoint, meant to run in its own JVM against an issuer started
 * separately ({@code tokenwatch up}, or {@link IssuanceLoadBenchmark}, which starts one and runs
 * this class in a child JVM). Open loop (see {@link OpenLoop}): requests are due at fixed times and
 * latency counts from each request's due time, so a stalled server shows in the percentiles.
 * Latencies go into an HdrHistogram (3 significant digits).
 *
 * <p>Each request is a real {@code client_credentials} request (by default the sample policy's
 * {@code orders-service} for {@code orders:read} on {@code https://orders.example.com}); an answer
 * counts as a success only with status 200 and an {@code access_token} in its body.
 *
 * <p>Two modes:
 *
 * <ul>
 *   <li>fixed rate: {@code --rate R --seconds S}: achieved rate, errors by kind, p50, p90, p99,
 *       p99.9 and max.
 *   <li>ramp: {@code --ramp START:STEP:MAX --step-seconds S}: one step per rate, each with fresh
 *       connections. A step passes with no error, an achieved rate at least 99 % of the offered
 *       rate and a p99 at most {@code --p99-limit-ms}; the sustained maximum is the highest rate up
 *       to which every step passed. The ramp goes on after a failed step (one slow step on a shared
 *       machine does not end it) and stops after a step with errors or below 90 % of its offered
 *       rate; the highest achieved rate without errors is reported too.
 * </ul>
 *
 * <p>With {@code --server-pid P} (Linux) it also reports the CPU time the server process used in
 * each measured run and per successful token; its own CPU time is always reported, so the share of
 * the machine the generator took is known. The load average (1, 5, 15 min) is printed at the start
 * and the end. All its threads are daemon threads: the JVM exits when the results are printed.
 */
public final class TokenLoadGenerator {

  private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

  static {
    DEFAULTS.put("url", "http://localhost:9400/oauth2/token");
    DEFAULTS.put("client", "orders-service");
    DEFAULTS.put("secret", "demo-orders-service-secret-do-not-use-in-prod0");
    DEFAULTS.put("audience", "https://orders.example.com");
    DEFAULTS.put("scope", "orders:read");
    DEFAULTS.put("rate", "1000");
    DEFAULTS.put("seconds", "20");
    DEFAULTS.put("warmup-seconds", "10");
    DEFAULTS.put("connections", "64");
    DEFAULTS.put("timeout-ms", "10000");
    DEFAULTS.put("drain-seconds", "10");
    DEFAULTS.put("ramp", "");
    DEFAULTS.put("step-seconds", "10");
    DEFAULTS.put("p99-limit-ms", "50");
    DEFAULTS.put("server-pid", "");
  }

  private final Map<String, String> options;
  private final PrintStream out;

  private TokenLoadGenerator(Map<String, String> options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("TokenLoadGenerator: " + e.getMessage());
      System.err.println("options (with defaults): " + DEFAULTS);
      System.exit(2);
      return;
    }
    new TokenLoadGenerator(options, System.out).run();
  }

  static Map<String, String> parse(String[] args) {
    Map<String, String> options = new LinkedHashMap<>(DEFAULTS);
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--") || !DEFAULTS.containsKey(arg.substring(2))) {
        throw new IllegalArgumentException("unknown option " + arg);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option " + arg + " needs a value");
      }
      options.put(arg.substring(2), args[++i]);
    }
    return options;
  }

  private void run() throws InterruptedException {
    URI url = URI.create(option("url"));
    String form =
        "grant_type=client_credentials&audience="
            + URLEncoder.encode(option("audience"), StandardCharsets.UTF_8)
            + "&scope="
            + URLEncoder.encode(option("scope"), StandardCharsets.UTF_8);
    int connections = intOption("connections");
    OpenLoop.Connector connector =
        HttpTokenConnection.connector(
            url, form, option("client"), option("secret"), intOption("timeout-ms"));
    OpenLoop loop = new OpenLoop(OpenLoop.Ticker.SYSTEM, connector, connections);
    OptionalLong serverPid =
        option("server-pid").isEmpty()
            ? OptionalLong.empty()
            : OptionalLong.of(Long.parseLong(option("server-pid")));
    long drain = TimeUnit.SECONDS.toNanos(intOption("drain-seconds"));
    out.printf(
        Locale.ROOT,
        "token load generator: %s, %d connections, cores=%d, load average at the start: %s%n",
        url,
        connections,
        Runtime.getRuntime().availableProcessors(),
        LoadAverage.now());
    String ramp = option("ramp");
    List<Double> rates = new ArrayList<>();
    int seconds;
    if (ramp.isEmpty()) {
      rates.add(Double.parseDouble(option("rate")));
      seconds = intOption("seconds");
    } else {
      String[] parts = ramp.split(":");
      if (parts.length != 3) {
        throw new IllegalArgumentException("--ramp is START:STEP:MAX, got " + ramp);
      }
      double first = Double.parseDouble(parts[0]);
      double step = Double.parseDouble(parts[1]);
      double max = Double.parseDouble(parts[2]);
      if (!(first > 0 && step > 0 && max >= first)) {
        throw new IllegalArgumentException("--ramp needs 0 < START <= MAX and STEP > 0: " + ramp);
      }
      for (double r = first; r <= max + 1e-9; r += step) {
        rates.add(r);
      }
      seconds = intOption("step-seconds");
    }
    int warmup = intOption("warmup-seconds");
    if (warmup > 0) {
      out.printf(Locale.ROOT, "warm-up: %d s at %.0f/s%n", warmup, rates.get(0));
      loop.run(rates.get(0), TimeUnit.SECONDS.toNanos(warmup), drain);
    }
    double p99Limit = Double.parseDouble(option("p99-limit-ms"));
    out.println(
        "| offered/s | achieved/s | ok | errors | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms"
            + " | server CPU/token µs | generator CPU s | pass |");
    out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
    double sustained = 0;
    double highestPassed = 0;
    double peakAchieved = 0;
    boolean failed = false;
    for (double rate : rates) {
      OptionalLong serverCpuBefore =
          serverPid.stream().map(TokenLoadGenerator::processCpuNanos).findFirst();
      long ownCpuBefore = ownCpuNanos();
      OpenLoop.Result result = loop.run(rate, TimeUnit.SECONDS.toNanos(seconds), drain);
      long ownCpu = ownCpuNanos() - ownCpuBefore;
      String serverCpuPerToken = "-";
      if (serverPid.isPresent() && serverCpuBefore.isPresent() && result.ok() > 0) {
        long serverCpu = processCpuNanos(serverPid.getAsLong()) - serverCpuBefore.getAsLong();
        serverCpuPerToken = String.format(Locale.ROOT, "%.0f", serverCpu / 1e3 / result.ok());
      }
      boolean pass = passes(result, p99Limit);
      out.printf(
          Locale.ROOT,
          "| %.0f | %.0f | %d | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %.1f | %s |%n",
          rate,
          result.achievedRate(),
          result.ok(),
          result.errors().isEmpty() ? "0" : result.errors().toString(),
          result.percentileMillis(50),
          result.percentileMillis(90),
          result.percentileMillis(99),
          result.percentileMillis(99.9),
          result.maxMillis(),
          serverCpuPerToken,
          ownCpu / 1e9,
          pass ? "yes" : "no");
      out.flush();
      if (result.errorCount() == 0) {
        peakAchieved = Math.max(peakAchieved, result.achievedRate());
      }
      if (pass) {
        highestPassed = rate;
        if (!failed) {
          sustained = rate;
        }
      } else {
        failed = true;
      }
      if (saturated(result)) {
        break; // far past capacity: higher steps only queue more
      }
    }
    if (rates.size() > 1) {
      out.printf(
          Locale.ROOT,
          "sustained maximum: %.0f tokens/s (every step up to it passed: no error, achieved >= 99%%"
              + " of offered, p99 <= %.0f ms); highest passing step %.0f/s; highest achieved rate"
              + " without errors %.0f/s%n",
          sustained,
          p99Limit,
          highestPassed,
          peakAchieved);
    }
    out.printf(Locale.ROOT, "load average at the end: %s%n", LoadAverage.now());
    out.flush();
  }

  /** A ramp stops after a step whose server answered less than 90 % of the offered rate. */
  static boolean saturated(OpenLoop.Result result) {
    return result.errorCount() > 0 || result.achievedRate() < 0.9 * result.offeredRate();
  }

  /** The pass criterion of a ramp step. */
  static boolean passes(OpenLoop.Result result, double p99LimitMillis) {
    return result.errorCount() == 0
        && result.ok() > 0
        && result.achievedRate() >= 0.99 * result.offeredRate()
        && result.percentileMillis(99) <= p99LimitMillis;
  }

  private int intOption(String name) {
    return Integer.parseInt(option(name));
  }

  private String option(String name) {
    String value = options.get(name);
    if (value == null) {
      throw new IllegalArgumentException("no option " + name);
    }
    return value;
  }

  private static long ownCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return 0;
  }

  /** User + system CPU time of a process, from /proc (Linux; clock ticks of 1/100 s). */
  static long processCpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // after the command: state is field 3; utime and stime are fields 14 and 15
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      return ticks * 10_000_000L;
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot read the CPU time of process " + pid, e);
    }
  }
}
