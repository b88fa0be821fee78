/** Implementations for {@code io.btlib.hash}. Internal, not API. */
package io.btlib.hash.internal;
