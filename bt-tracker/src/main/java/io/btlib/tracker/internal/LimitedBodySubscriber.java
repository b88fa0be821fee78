package io.btlib.tracker.internal;

import io.btlib.tracker.TrackerException;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Collects an HTTP response body into a byte array, up to a limit: a body that grows past it is
 * cancelled at once (the rest is never read) and the result fails with a {@link
 * TrackerException}. A {@code Content-Length} over the limit fails before any byte is read.
 */
public final class LimitedBodySubscriber implements HttpResponse.BodySubscriber<byte[]> {
  private final int limit;
  private final CompletableFuture<byte[]> result = new CompletableFuture<>();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private Flow.Subscription subscription;
  private long received;

  private LimitedBodySubscriber(int limit) {
    this.limit = limit;
  }

  /** A handler whose subscribers keep at most {@code limit} bytes. */
  public static HttpResponse.BodyHandler<byte[]> handler(int limit) {
    return info -> {
      long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1);
      LimitedBodySubscriber s = new LimitedBodySubscriber(limit);
      if (declared > limit) {
        s.fail(declared);
      }
      return s;
    };
  }

  private void fail(long size) {
    result.completeExceptionally(new TrackerException("",
        "response body is " + size + " bytes or more, over the limit of " + limit));
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return result;
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    this.subscription = subscription;
    if (result.isDone()) {
      subscription.cancel();
    } else {
      subscription.request(Long.MAX_VALUE);
    }
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    if (result.isDone()) {
      return;
    }
    for (ByteBuffer b : items) {
      received += b.remaining();
      if (received > limit) {
        subscription.cancel();
        fail(received);
        return;
      }
      byte[] chunk = new byte[b.remaining()];
      b.get(chunk);
      out.writeBytes(chunk);
    }
  }

  @Override
  public void onError(Throwable throwable) {
    result.completeExceptionally(throwable);
  }

  @Override
  public void onComplete() {
    result.complete(out.toByteArray());
  }
}
