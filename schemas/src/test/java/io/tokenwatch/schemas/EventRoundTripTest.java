package io.tokenwatch.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EventRoundTripTest {

  static List<SpecificRecord> samples() {
    return SampleEvents.all();
  }

  @ParameterizedTest
  @MethodSource("samples")
  void shouldSurviveBinaryRoundTripUnchanged(SpecificRecord sample) throws IOException {
    byte[] bytes = write(sample);

    SpecificRecord read = read(bytes, sample.getSchema());

    assertThat(read).isInstanceOf(sample.getClass()).isEqualTo(sample);
    assertThat(write(read)).isEqualTo(bytes);
  }

  @ParameterizedTest
  @MethodSource("samples")
  void shouldProvideFullyPopulatedSamples(SpecificRecord sample) {
    List<String> missing = new ArrayList<>();
    collectEmpty(sample.getSchema().getName(), sample, missing);

    assertThat(missing).as("fields a sample leaves null or empty").isEmpty();
  }

  @Test
  void shouldProvideOneSamplePerEventTypeInCatalogueOrder() {
    assertThat(SampleEvents.all())
        .extracting(Object::getClass)
        .containsExactlyElementsOf(EventTypes.classes());
  }

  private static void collectEmpty(String path, SpecificRecord record, List<String> missing) {
    for (Schema.Field field : record.getSchema().getFields()) {
      Object value = record.get(field.pos());
      String fieldPath = path + "." + field.name();
      if (value == null
          || (value instanceof Collection<?> collection && collection.isEmpty())
          || (value instanceof Map<?, ?> map && map.isEmpty())) {
        missing.add(fieldPath);
      } else if (value instanceof SpecificRecord nested) {
        collectEmpty(fieldPath, nested, missing);
      }
    }
  }

  private static byte[] write(SpecificRecord record) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<SpecificRecord>(record.getSchema()).write(record, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  private static SpecificRecord read(byte[] bytes, Schema schema) throws IOException {
    return new SpecificDatumReader<SpecificRecord>(schema)
        .read(null, DecoderFactory.get().binaryDecoder(bytes, null));
  }
}
