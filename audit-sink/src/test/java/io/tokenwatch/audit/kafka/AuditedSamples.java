package io.tokenwatch.audit.kafka;

import io.tokenwatch.events.ValidatorStatus;
import io.tokenwatch.schemas.SampleEvents;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/**
 * The sample of every event type the sink stores: all of them but validators' status reports,
 * heartbeats it does not audit ({@link io.tokenwatch.audit.app.AuditSinkApp#TOPICS}).
 */
final class AuditedSamples {

  private AuditedSamples() {}

  static List<SpecificRecord> all() {
    return SampleEvents.all().stream()
        .filter(sample -> !(sample instanceof ValidatorStatus))
        .toList();
  }
}
