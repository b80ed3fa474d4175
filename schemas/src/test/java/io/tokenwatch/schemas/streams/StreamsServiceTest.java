package io.tokenwatch.schemas.streams;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class StreamsServiceTest {

  @Test
  void shouldReplaceTheThreadWhenATransientFaultIsInTheCauseChain() {
    Throwable error =
        new StreamsException(
            "task failed", new KafkaException("wrapped", new TimeoutException("registry down")));

    assertThat(StreamsService.responseTo(error))
        .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
    assertThat(
            StreamsService.uncaughtExceptionHandler(StreamsServiceTest.class, "the test service")
                .handle(error))
        .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
  }

  @Test
  void shouldReplaceTheThreadWhenACommitFindsItsTransactionAborted() {
    Throwable error =
        new StreamsException(
            "Error encountered trying to commit a transaction",
            new InvalidTxnStateException(
                "The producer attempted a transactional operation in an invalid state."));

    assertThat(StreamsService.responseTo(error))
        .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
  }

  @Test
  void shouldShutTheClientDownOnAnyOtherFault() {
    Throwable error = new StreamsException("bug", new IllegalStateException("broken invariant"));

    assertThat(StreamsService.responseTo(error))
        .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
    assertThat(
            StreamsService.uncaughtExceptionHandler(StreamsServiceTest.class, "the test service")
                .handle(error))
        .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
  }
}
