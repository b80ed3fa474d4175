package io.tokenwatch.reliability;

import io.tokenwatch.reliability.RevocationFeedModel.Kind;
import io.tokenwatch.validator.VerifiedToken;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** The tokens and selector values of one try, and the watermarks a request may carry. */
final class RevocationFeedWorld {
  static final Duration MAX_TTL = Duration.ofHours(1);

  record Issued(int issuer, String jwt, VerifiedToken token) {}

  /** The watermarks a request may carry, relative to the world's token ages. */
  enum Mark {
    NONE,
    /** Before every token: revokes nothing. */
    EPOCH,
    /** Between the early and the late tokens. */
    MID,
    /** After every token, and after tokens issued during the test. */
    FUTURE
  }

  final String ns;
  final Instant early;
  final Instant late;
  final Instant mid;
  final Instant future;
  final List<VerifiedToken> synthetic = new ArrayList<>();
  final List<Issued> issued = new ArrayList<>();

  RevocationFeedWorld(String ns, Instant now) {
    this.ns = ns;
    this.early = now.minus(Duration.ofMinutes(40)).truncatedTo(ChronoUnit.SECONDS);
    this.late = now.minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS);
    this.mid = now.minus(Duration.ofMinutes(25)).truncatedTo(ChronoUnit.SECONDS);
    this.future = now.plus(Duration.ofMinutes(30)).truncatedTo(ChronoUnit.SECONDS);
    int n = 0;
    for (int subject = 0; subject < 2; subject++) {
      for (int client = 0; client < 2; client++) {
        for (int audience = 0; audience < 2; audience++) {
          for (Instant iat : List.of(early, late)) {
            String jti = ns + "-t" + n;
            // Every odd token is delegated from the one before it.
            List<String> lineage = n % 2 == 1 ? List.of(ns + "-t" + (n - 1)) : List.of();
            synthetic.add(
                token(
                    jti,
                    ns + "-s" + subject,
                    ns + "-c" + client,
                    ns + "-a" + audience,
                    ns + "-g" + ((subject + client) % 2),
                    lineage,
                    iat));
            n++;
          }
        }
      }
    }
  }

  String value(Kind kind, int index) {
    return switch (kind) {
      case TOKEN -> tokenIds().get(index % tokenIds().size());
      case LINEAGE -> synthetic.get((index * 2) % synthetic.size()).tokenId();
      case GRANT -> ns + "-g" + (index % 2);
      case SUBJECT -> ns + "-s" + (index % 2);
      case CLIENT -> ns + "-c" + (index % 2);
      case AUDIENCE -> ns + "-a" + (index % 2);
    };
  }

  private List<String> tokenIds() {
    List<String> ids = new ArrayList<>();
    issued.forEach(i -> ids.add(i.token().tokenId()));
    synthetic.forEach(t -> ids.add(t.tokenId()));
    return ids;
  }

  @Nullable Instant watermark(Mark mark) {
    return switch (mark) {
      case NONE -> null;
      case EPOCH -> Instant.parse("1970-01-01T00:00:01Z");
      case MID -> mid;
      case FUTURE -> future;
    };
  }

  List<VerifiedToken> tokens() {
    List<VerifiedToken> all = new ArrayList<>(synthetic);
    issued.forEach(i -> all.add(i.token()));
    return all;
  }

  static VerifiedToken token(
      String jti,
      String subject,
      String client,
      String audience,
      @Nullable String grant,
      List<String> lineage,
      Instant iat) {
    return new VerifiedToken(
        jti,
        "https://issuer.example",
        subject,
        List.of(audience),
        client,
        Set.of(),
        iat,
        null,
        iat.plus(MAX_TTL),
        1,
        grant,
        null,
        null,
        null,
        null,
        null,
        null,
        lineage.isEmpty() ? null : lineage.get(lineage.size() - 1),
        lineage,
        "kid");
  }
}
