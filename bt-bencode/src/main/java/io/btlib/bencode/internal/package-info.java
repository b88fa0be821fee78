/**
 * Byte-array helpers shared by bt's modules, standing in for Java 9-17 APIs that Android API 26
 * lacks ({@code Arrays.equals} and {@code Arrays.compareUnsigned} on ranges, {@code HexFormat}).
 * Internal, not API.
 */
package io.btlib.bencode.internal;
