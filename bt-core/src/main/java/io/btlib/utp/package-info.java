/**
 * uTP (BEP 29), the Micro Transport Protocol: BitTorrent over UDP with LEDBAT congestion control.
 * Sans-I/O like the wire package: {@link io.btlib.utp.UtpPacket} is the packet codec, with every
 * field of a datagram validated ({@link io.btlib.utp.UtpException} names what a hostile one broke),
 * and {@link io.btlib.utp.SeqNr} the 16-bit sequence arithmetic with wrap-around.
 */
package io.btlib.utp;
