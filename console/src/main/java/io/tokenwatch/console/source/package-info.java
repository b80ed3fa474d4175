/**
 * Where the console's data comes from: Kafka topics followed from their recent end ({@link
 * io.tokenwatch.console.source.TopicTail}) and the issuer, called as the person logged in ({@link
 * io.tokenwatch.console.source.IssuerApi}).
 */
@NullMarked
package io.tokenwatch.console.source;

import org.jspecify.annotations.NullMarked;
