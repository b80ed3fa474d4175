package io.tokenwatch.issuer;

import com.nimbusds.jwt.JWTClaimsSet;
import java.text.ParseException;
import java.util.List;

/** Reads claims of the issuer's own verified tokens, where a missing or mistyped claim is empty. */
public final class Claims {

  private Claims() {}

  /** A string claim, or {@code ""} when it is absent or not a string. */
  public static String string(JWTClaimsSet claims, String name) {
    try {
      String value = claims.getStringClaim(name);
      return value == null ? "" : value;
    } catch (ParseException e) {
      return "";
    }
  }

  /** A string list claim, or an empty list when it is absent or not a list of strings. */
  public static List<String> stringList(JWTClaimsSet claims, String name) {
    try {
      List<String> value = claims.getStringListClaim(name);
      return value == null ? List.of() : value;
    } catch (ParseException e) {
      return List.of();
    }
  }
}
