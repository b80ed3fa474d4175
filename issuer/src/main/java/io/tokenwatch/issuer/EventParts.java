package io.tokenwatch.issuer;

import io.tokenwatch.events.Actor;
import io.tokenwatch.events.BindingType;
import io.tokenwatch.events.ChannelBinding;
import io.tokenwatch.events.PolicyRef;
import io.tokenwatch.issuer.policy.Binding;
import io.tokenwatch.issuer.policy.Policy;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The parts several of the issuer's events share, built one way. */
public final class EventParts {

  private EventParts() {}

  /** The policy id and version a decision was made under. */
  public static PolicyRef policyRef(Policy policy) {
    return PolicyRef.newBuilder()
        .setPolicyId(policy.id())
        .setPolicyVersion(policy.version())
        .build();
  }

  /** A token's channel binding, with its thumbprint (null for a bearer token). */
  public static ChannelBinding channelBinding(Binding binding, @Nullable String thumbprint) {
    return ChannelBinding.newBuilder()
        .setType(BindingType.valueOf(binding.name()))
        .setThumbprint(thumbprint)
        .build();
  }

  /** The event form of an {@code act} claim ({@code sub}, {@code client_id}), null for none. */
  public static @Nullable Actor actor(@Nullable Map<String, Object> act) {
    return act == null
        ? null
        : Actor.newBuilder()
            .setSubject(String.valueOf(act.get("sub")))
            .setClientId((String) act.get("client_id"))
            .build();
  }
}
