package io.btlib.cli.stream;

import java.util.Locale;
import java.util.Map;

/** The {@code Content-Type} of a file, from its extension: media players sniff less with one. */
final class MediaTypes {
  static final String DEFAULT = "application/octet-stream";

  private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
      Map.entry("mp4", "video/mp4"), Map.entry("m4v", "video/mp4"),
      Map.entry("mkv", "video/x-matroska"), Map.entry("webm", "video/webm"),
      Map.entry("avi", "video/x-msvideo"), Map.entry("mov", "video/quicktime"),
      Map.entry("ts", "video/mp2t"), Map.entry("m2ts", "video/mp2t"),
      Map.entry("mpg", "video/mpeg"), Map.entry("mpeg", "video/mpeg"),
      Map.entry("ogv", "video/ogg"), Map.entry("flv", "video/x-flv"),
      Map.entry("wmv", "video/x-ms-wmv"), Map.entry("3gp", "video/3gpp"),
      Map.entry("mp3", "audio/mpeg"), Map.entry("m4a", "audio/mp4"), Map.entry("aac", "audio/aac"),
      Map.entry("ogg", "audio/ogg"), Map.entry("oga", "audio/ogg"), Map.entry("opus", "audio/ogg"),
      Map.entry("flac", "audio/flac"), Map.entry("wav", "audio/wav"),
      Map.entry("mka", "audio/x-matroska"),
      Map.entry("txt", "text/plain; charset=utf-8"), Map.entry("nfo", "text/plain; charset=utf-8"),
      Map.entry("srt", "application/x-subrip"), Map.entry("vtt", "text/vtt"),
      Map.entry("ass", "text/x-ssa"), Map.entry("html", "text/html; charset=utf-8"),
      Map.entry("json", "application/json"), Map.entry("pdf", "application/pdf"),
      Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"),
      Map.entry("png", "image/png"), Map.entry("gif", "image/gif"),
      Map.entry("zip", "application/zip"), Map.entry("iso", "application/x-iso9660-image"));

  private MediaTypes() {}

  /** The type for {@code path}'s extension (case-insensitive), else {@link #DEFAULT}. */
  static String of(String path) {
    int slash = path.lastIndexOf('/');
    int dot = path.lastIndexOf('.');
    if (dot <= slash + 1 || dot == path.length() - 1) {
      return DEFAULT; // no extension, or a hidden file's leading dot
    }
    return BY_EXTENSION.getOrDefault(path.substring(dot + 1).toLowerCase(Locale.ROOT), DEFAULT);
  }
}
