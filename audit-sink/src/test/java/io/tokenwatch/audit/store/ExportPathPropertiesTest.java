package io.tokenwatch.audit.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Hostile export paths are refused with a message, or accepted only in a safe form. */
class ExportPathPropertiesTest {

  @Property(tries = 500)
  void shouldRefuseOrAcceptOnlySafeExportPaths(@ForAll("paths") String raw) {
    try {
      Exporter.Target target = Exporter.target(raw, false);
      Path path = target.path();
      assertThat(path.isAbsolute()).isTrue();
      assertThat(path.toString()).doesNotContain("'").doesNotContain("\"");
      assertThat(path.toString().codePoints())
          .noneMatch(cp -> Character.isISOControl(cp) || Character.getType(cp) == Character.FORMAT)
          .noneMatch(cp -> Character.getType(cp) == Character.LINE_SEPARATOR);
      for (Path segment : path) {
        assertThat(segment.toString()).isNotEqualTo("..");
      }
      assertThat(path.getFileName().toString().toLowerCase(java.util.Locale.ROOT))
          .matches(".+\\.(parquet|csv)");
    } catch (IllegalArgumentException refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }

  @Provide
  Arbitrary<String> paths() {
    String tmp = System.getProperty("java.io.tmpdir");
    return Arbitraries.oneOf(
        Arbitraries.of(
            tmp + "/../etc/x.csv",
            tmp + "/a/../../x.parquet",
            "../x.csv",
            tmp + "/x.csv' (FORMAT csv); COPY audit_events TO '/tmp/y.csv",
            tmp + "/x\u0000.csv",
            tmp + "/\u2028.csv",
            tmp + "/invoice\u202egpj.csv",
            tmp + "/\ud800.csv",
            tmp + "/x.CSV",
            tmp + "/.csv",
            tmp,
            "",
            " ",
            tmp + "/ünï 🎉.parquet",
            "x".repeat(5000) + ".csv"),
        Arbitraries.strings().ofMaxLength(200).map(s -> tmp + "/" + s + ".csv"),
        Arbitraries.strings().all().ofMaxLength(100));
  }
}
