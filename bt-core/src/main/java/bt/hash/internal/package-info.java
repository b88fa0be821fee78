/** Implementations for {@code bt.hash}. Internal, not API. */
package bt.hash.internal;
