package io.tokenwatch.schemas.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class CompatibilityCheckerTest {

  private static Schema parse(String json) {
    return new Schema.Parser().parse(json.replace('\'', '"'));
  }

  private static Schema record(String fields) {
    return parse("{'type':'record','name':'Event','fields':[" + fields + "]}");
  }

  private static final Schema V1 = record("{'name':'id','type':'string'}");
  private static final Schema V2 =
      record("{'name':'id','type':'string'},{'name':'note','type':'string','default':''}");
  private static final Schema V3 = record("{'name':'id','type':'string'}");

  @Test
  void shouldNameAnArrayElementThatChangedType() {
    Schema before = record("{'name':'tags','type':{'type':'array','items':'string'}}");
    Schema after = record("{'name':'tags','type':{'type':'array','items':'int'}}");

    assertThat(CompatibilityChecker.check(after, List.of(before), CompatibilityLevel.BACKWARD))
        .singleElement()
        .asString()
        .startsWith("backward incompatible at Event.tags[] (TYPE_MISMATCH)");
  }

  @Test
  void shouldNameAMapValueThatChangedType() {
    Schema before = record("{'name':'seen','type':{'type':'map','values':'long'}}");
    Schema after = record("{'name':'seen','type':{'type':'map','values':'boolean'}}");

    assertThat(CompatibilityChecker.check(after, List.of(before), CompatibilityLevel.BACKWARD))
        .singleElement()
        .asString()
        .startsWith("backward incompatible at Event.seen{} (TYPE_MISMATCH)");
  }

  @Test
  void shouldNameAFieldOfANestedRecord() {
    Schema before =
        record(
            "{'name':'who','type':{'type':'record','name':'Who','fields':[{'name':'sub','type':'string'}]}}");
    Schema after =
        record(
            "{'name':'who','type':{'type':'record','name':'Who','fields':[{'name':'sub','type':'string'},{'name':'age','type':'int'}]}}");

    assertThat(CompatibilityChecker.check(after, List.of(before), CompatibilityLevel.FULL))
        .singleElement()
        .asString()
        .startsWith("backward incompatible at Event.who.age (READER_FIELD_MISSING_DEFAULT_VALUE)");
  }

  @Test
  void shouldNameTheFieldOfAnOptionalRecordRatherThanOnlyTheUnion() {
    Schema before =
        record(
            "{'name':'who','type':['null',{'type':'record','name':'Who','fields':[{'name':'sub','type':'string'}]}],'default':null}");
    Schema after =
        record(
            "{'name':'who','type':['null',{'type':'record','name':'Who','fields':[{'name':'sub','type':'string'},{'name':'age','type':'int'}]}],'default':null}");

    assertThat(CompatibilityChecker.check(after, List.of(before), CompatibilityLevel.FULL))
        .singleElement()
        .asString()
        .startsWith("backward incompatible at Event.who.age (READER_FIELD_MISSING_DEFAULT_VALUE)");
  }

  @Test
  void shouldNameTheSymbolsOfAnOptionalEnumRatherThanOnlyTheUnion() {
    Schema before =
        record(
            "{'name':'kind','type':['null',{'type':'enum','name':'Kind','symbols':['A','B']}],'default':null}");
    Schema after =
        record(
            "{'name':'kind','type':['null',{'type':'enum','name':'Kind','symbols':['A']}],'default':null}");

    assertThat(CompatibilityChecker.check(after, List.of(before), CompatibilityLevel.BACKWARD))
        .singleElement()
        .asString()
        .startsWith("backward incompatible at Event.kind symbols (MISSING_ENUM_SYMBOLS): [B]");
  }

  @Test
  void shouldStillReportAUnionBranchThatWasRemovedOutright() {
    Schema before = record("{'name':'n','type':['null','string','long'],'default':null}");
    Schema after = record("{'name':'n','type':['null','string'],'default':null}");

    assertThat(CompatibilityChecker.check(after, List.of(before), CompatibilityLevel.BACKWARD))
        .singleElement()
        .asString()
        .startsWith("backward incompatible at Event.n (MISSING_UNION_BRANCH)");
  }

  @Test
  void shouldCheckOnlyTheLatestVersionWhenNotTransitive() {
    assertThat(CompatibilityChecker.check(V3, List.of(V1, V2), CompatibilityLevel.FULL)).isEmpty();
  }

  @Test
  void shouldCheckEveryVersionWhenTransitive() {
    Schema v1WithRequiredNote =
        record("{'name':'id','type':'string'},{'name':'note','type':'string'}");

    assertThat(
            CompatibilityChecker.check(
                V3, List.of(v1WithRequiredNote, V2), CompatibilityLevel.FULL_TRANSITIVE))
        .singleElement()
        .asString()
        .startsWith("forward incompatible at Event.note");
  }

  @Test
  void shouldAcceptAnythingAtLevelNoneOrWithoutEarlierVersions() {
    Schema unrelated = parse("'string'");

    assertThat(CompatibilityChecker.check(unrelated, List.of(V1), CompatibilityLevel.NONE))
        .isEmpty();
    assertThat(CompatibilityChecker.check(unrelated, List.of(), CompatibilityLevel.FULL_TRANSITIVE))
        .isEmpty();
  }
}
