/** Architecture rules every module's tests state about itself (ArchUnit). */
@NullMarked
package io.tokenwatch.testing.architecture;

import org.jspecify.annotations.NullMarked;
