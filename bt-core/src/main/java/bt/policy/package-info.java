/**
 * Download policy, the users' playground: which blocks to request ({@link bt.policy.PiecePicker}),
 * whom to upload to ({@link bt.policy.Choker}) and which known peers to dial ({@link
 * bt.policy.PeerSelector}). Each is a small interface that receives a read-only view with the
 * figures it needs precomputed and returns decisions; the defaults are in {@link
 * bt.policy.PiecePickers}, {@link bt.policy.Chokers} and {@link bt.policy.PeerSelectors}.
 *
 * <p>Policies run on the engine's event loop: they must be fast, must not block, must not throw
 * and must not call back into the client. Views are valid only during the call.
 */
package bt.policy;
