/**
 * Web seeds (BEP 19, GetRight style {@code url-list}): HTTP(S) servers that hold a torrent's
 * files and serve its pieces by Range requests. The engine uses a torrent's {@code url-list} and a
 * magnet link's {@code ws=} by itself; {@link io.btlib.webseed.WebSeedConfig} tunes or disables it
 * ({@code Client.builder().webSeeds(..)}).
 */
package io.btlib.webseed;
