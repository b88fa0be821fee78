/**
 * Implementation of the client engine. Internal, not API.
 *
 * <p>The types here are owned by the engine's event-loop thread: unless a type says otherwise it is
 * not thread-safe, takes time as a {@code long nowNanos} argument, and never reads a clock.
 */
package io.btlib.client.internal;
