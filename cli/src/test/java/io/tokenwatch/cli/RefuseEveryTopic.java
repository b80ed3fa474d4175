package io.tokenwatch.cli;

import java.util.Map;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.server.policy.CreateTopicPolicy;

/** A broker's topic policy that refuses every creation, as a locked-down cluster would. */
public final class RefuseEveryTopic implements CreateTopicPolicy {

  @Override
  public void configure(Map<String, ?> configs) {}

  @Override
  public void validate(RequestMetadata requestMetadata) {
    throw new PolicyViolationException("topic creation is reserved to the platform team");
  }

  @Override
  public void close() {}
}
