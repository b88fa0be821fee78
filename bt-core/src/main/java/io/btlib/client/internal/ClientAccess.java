package io.btlib.client.internal;

import io.btlib.client.Client;
import java.util.function.Function;

/**
 * The way in to a {@link Client}'s internals for code of bt's own outside its package: the test
 * kit builds a real {@code Client} from a user's {@link Client.Builder} on a simulated {@link
 * EngineHost}. {@code Client} installs the bridge once, when its class initializes (the pattern of
 * the JDK's shared secrets); it holds no state beyond that constant. Internal, not API.
 */
public final class ClientAccess {

  /** What {@code Client} lends: its builder's config, its constructor, its engine. */
  public interface Bridge {
    /** The engine settings {@code b} describes. */
    Engine.Config config(Client.Builder b);

    /** A client over {@code e}. */
    Client client(Engine e);

    /** The engine under {@code c}. */
    Engine engine(Client c);
  }

  private static Bridge bridge;

  private ClientAccess() {}

  /** Called by {@code Client}'s static initializer, once. */
  public static synchronized void install(Bridge b) {
    if (bridge != null) {
      throw new IllegalStateException("installed already");
    }
    bridge = b;
  }

  private static synchronized Bridge bridge() {
    if (bridge == null) {
      Client.builder(); // initializes Client, which installs the bridge
    }
    return bridge;
  }

  /** A client as {@code builder} describes it, on the host {@code host} makes for its config. */
  public static Client newClient(Client.Builder builder, Function<Engine.Config, EngineHost> host) {
    Bridge b = bridge();
    Engine.Config config = b.config(builder);
    return b.client(new Engine(config, host.apply(config)));
  }

  /** The engine under {@code client}. */
  public static Engine engine(Client client) {
    return bridge().engine(client);
  }
}
