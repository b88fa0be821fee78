package io.btlib.tracker.internal;

import java.util.concurrent.CompletableFuture;

/** Future helpers that Android API 26 lacks ({@code CompletableFuture.failedFuture} is Java 9). */
public final class Futures {
  private Futures() {}

  /** A future already failed with {@code t}. */
  public static <T> CompletableFuture<T> failed(Throwable t) {
    CompletableFuture<T> f = new CompletableFuture<>();
    f.completeExceptionally(t);
    return f;
  }
}
