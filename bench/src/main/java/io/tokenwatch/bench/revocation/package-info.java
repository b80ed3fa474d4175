/** End-to-end throughput harness of the revocation stream on the embedded platform. */
@NullMarked
package io.tokenwatch.bench.revocation;

import org.jspecify.annotations.NullMarked;
