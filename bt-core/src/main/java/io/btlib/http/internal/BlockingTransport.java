package io.btlib.http.internal;

import io.btlib.http.HttpRequest;
import io.btlib.http.HttpTransport;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What both built-in transports share: each exchange runs blocking on one of {@code
 * maxConcurrent} daemon worker threads ({@code <threadName>-N}, idle ones end after 10 s); one
 * timer thread ({@code <threadName>-timer}) fails an exchange at its deadline. Ending an exchange
 * early (deadline, cancel, close) fails its future at once and runs its {@link Call#onAbort abort
 * action}, which closes the connection so that a blocked read fails, on an abort thread ({@code
 * <threadName>-abort-N}), so that whoever ends it never blocks.
 */
public abstract class BlockingTransport implements HttpTransport {
  private final ThreadPoolExecutor workers;
  private final ScheduledThreadPoolExecutor timer;
  private final ThreadPoolExecutor aborter;
  private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /** Starts no thread yet; threads start with the first exchange. */
  protected BlockingTransport(Options options) {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory workerThreads = r -> daemon(r, options.threadName() + "-" + n.incrementAndGet());
    workers = new ThreadPoolExecutor(options.maxConcurrent(), options.maxConcurrent(),
        10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), workerThreads);
    workers.allowCoreThreadTimeOut(true);
    timer = new ScheduledThreadPoolExecutor(1,
        r -> daemon(r, options.threadName() + "-timer"));
    timer.setKeepAliveTime(10, TimeUnit.SECONDS);
    timer.allowCoreThreadTimeOut(true);
    timer.setRemoveOnCancelPolicy(true);
    AtomicInteger a = new AtomicInteger();
    aborter = new ThreadPoolExecutor(options.maxConcurrent(), options.maxConcurrent(),
        1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        r -> daemon(r, options.threadName() + "-abort-" + a.incrementAndGet()));
    aborter.allowCoreThreadTimeOut(true);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /**
   * Runs one exchange on the calling (worker) thread: connects, sends, follows redirects, calls
   * {@code handler} and closes the response. Registers with {@code call} how to abort it.
   */
  protected abstract <T> T exchange(HttpRequest request, BodyHandler<T> handler, Call call)
      throws IOException, InterruptedException;

  @Override
  public final <T> CompletableFuture<T> send(HttpRequest request, BodyHandler<T> handler) {
    java.util.Objects.requireNonNull(request, "request");
    java.util.Objects.requireNonNull(handler, "handler");
    CompletableFuture<T> out = new CompletableFuture<>();
    if (closed) {
      out.completeExceptionally(new IllegalStateException("closed"));
      return out;
    }
    Call call = new Call();
    inFlight.add(out);
    out.whenComplete((v, e) -> {
      inFlight.remove(out);
      if (e != null) {
        call.abort(aborter);
      }
    });
    if (closed) { // close() may have missed it
      out.completeExceptionally(new IllegalStateException("closed"));
      return out;
    }
    try {
      ScheduledFuture<?> deadline = timer.schedule(() -> {
        out.completeExceptionally(new SocketTimeoutException(
            "timed out: no complete response from " + request.uri() + " within "
                + request.timeout()));
      }, request.timeout().toNanos(), TimeUnit.NANOSECONDS);
      out.whenComplete((v, e) -> deadline.cancel(false));
      workers.execute(() -> {
        if (out.isDone()) {
          return;
        }
        call.start();
        try {
          out.complete(exchange(request, handler, call));
        } catch (InterruptedException e) {
          out.completeExceptionally(new java.io.InterruptedIOException("aborted"));
        } catch (IOException | RuntimeException e) { // the handler's own failure, as it threw it
          out.completeExceptionally(e);
        } catch (Error e) {
          out.completeExceptionally(e);
          throw e;
        } finally {
          call.end();
        }
      });
    } catch (RejectedExecutionException e) {
      out.completeExceptionally(new IllegalStateException("closed"));
    }
    return out;
  }

  @Override
  public void close() {
    closed = true;
    for (CompletableFuture<?> f : inFlight) {
      f.completeExceptionally(new IllegalStateException("closed"));
    }
    workers.shutdownNow();
    timer.shutdownNow();
    aborter.shutdown(); // the aborts queued by the loop above still run
  }

  /**
   * One exchange's abort hook. The worker registers an action (close the connection); {@link
   * #abort} interrupts the worker if it is still on this exchange and runs the action once, on
   * the transport's abort threads (closing a connection may block: the JDK's {@code
   * HttpURLConnection.disconnect()} waits for a read in progress), or at once in the worker if
   * the action is registered after the abort.
   */
  protected static final class Call {
    private Runnable action;
    private boolean aborted;
    private Thread worker;

    synchronized void start() {
      worker = Thread.currentThread();
    }

    synchronized void end() {
      worker = null;
      // clear an interrupt meant for this exchange before the thread takes the next one
      Thread.interrupted();
    }

    /** Sets what aborting does (replacing the previous action); runs it now if aborted. */
    public void onAbort(Runnable r) {
      boolean now;
      synchronized (this) {
        action = r;
        now = aborted;
      }
      if (now) {
        r.run();
      }
    }

    /** Whether the exchange was aborted. */
    public synchronized boolean aborted() {
      return aborted;
    }

    void abort(java.util.concurrent.Executor runner) {
      Runnable r;
      synchronized (this) {
        if (aborted) {
          return;
        }
        aborted = true;
        r = action;
        if (worker != null) {
          worker.interrupt();
        }
      }
      if (r != null) {
        try {
          runner.execute(r);
        } catch (RejectedExecutionException e) { // closed: the worker is being stopped anyway
          r.run();
        }
      }
    }
  }
}
