package io.tokenwatch.validator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.domain.JavaTypeVariable;
import com.tngtech.archunit.lang.ArchRule;

/**
 * Architecture rules the library and the sidecar both hold beyond {@code ServiceBoundaries} (the
 * sidecar's tests reach them through this module's test jar).
 */
public final class ArchitectureRules {

  /** A method returning a type variable erases to Object but is typed for its callers. */
  private static final DescribedPredicate<JavaMethod> NOT_GENERIC_RESULT =
      DescribedPredicate.describe(
          "do not return a type variable",
          method -> !(method.getReturnType() instanceof JavaTypeVariable<?>));

  private ArchitectureRules() {}

  /** No method returns {@code Object} (methods returning a type variable excepted). */
  public static ArchRule noMethodReturnsObject() {
    return noMethods()
        .that(NOT_GENERIC_RESULT)
        .should()
        .haveRawReturnType(Object.class)
        .because(
            "an Object result makes every caller test and cast what it got, unchecked by the"
                + " compiler; return a sealed interface of records instead (see Decision, or"
                + " RequestTarget.Parsed)");
  }
}
