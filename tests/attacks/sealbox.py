"""libsodium's crypto_box_seal and crypto_box_seal_open in pure Python (standard library only).

X25519 (RFC 7748), HSalsa20/XSalsa20, Poly1305 and the sealed box's BLAKE2b nonce, as PROTOCOL.md's
"sealed payload" uses them: sealed = ephemeral public key || crypto_box(message, nonce, recipient, ephemeral).
Slow but small; the attack suite seals a few dozen responses with it, for what the kiosk CLI cannot choose
(the week and the language of a response), and opens the kiosk's own sealed bytes to check it against
libsodium (the central endpoint accepting what it seals checks the other direction).
"""
import hashlib
import os
import struct

_P = 2**255 - 19
_A24 = 121665


def x25519(scalar, u_bytes):
    k = bytearray(scalar)
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    k = int.from_bytes(k, "little")
    x1 = int.from_bytes(u_bytes, "little") & ((1 << 255) - 1)
    x2, z2, x3, z3, swap = 1, 0, x1, 1, 0
    for t in reversed(range(255)):
        bit = (k >> t) & 1
        swap ^= bit
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = bit
        a = (x2 + z2) % _P
        aa = a * a % _P
        b = (x2 - z2) % _P
        bb = b * b % _P
        e = (aa - bb) % _P
        c = (x3 + z3) % _P
        d = (x3 - z3) % _P
        da = d * a % _P
        cb = c * b % _P
        x3 = (da + cb) * (da + cb) % _P
        z3 = x1 * (da - cb) * (da - cb) % _P
        x2 = aa * bb % _P
        z2 = e * (aa + _A24 * e) % _P
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, _P - 2, _P) % _P).to_bytes(32, "little")


def public_key(secret):
    return x25519(secret, (9).to_bytes(32, "little"))


_MASK = 0xFFFFFFFF
_SIGMA = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)


def _rounds(state):
    x = list(state)

    def qr(a, b, c, d):
        x[b] ^= ((x[a] + x[d]) & _MASK) << 7 & _MASK | ((x[a] + x[d]) & _MASK) >> 25
        x[c] ^= ((x[b] + x[a]) & _MASK) << 9 & _MASK | ((x[b] + x[a]) & _MASK) >> 23
        x[d] ^= ((x[c] + x[b]) & _MASK) << 13 & _MASK | ((x[c] + x[b]) & _MASK) >> 19
        x[a] ^= ((x[d] + x[c]) & _MASK) << 18 & _MASK | ((x[d] + x[c]) & _MASK) >> 14

    for _ in range(10):
        qr(0, 4, 8, 12)
        qr(5, 9, 13, 1)
        qr(10, 14, 2, 6)
        qr(15, 3, 7, 11)
        qr(0, 1, 2, 3)
        qr(5, 6, 7, 4)
        qr(10, 11, 8, 9)
        qr(15, 12, 13, 14)
    return x


def _state(key, sixteen):
    k = struct.unpack("<8I", key)
    n = struct.unpack("<4I", sixteen)
    return [_SIGMA[0], k[0], k[1], k[2], k[3], _SIGMA[1], n[0], n[1], n[2], n[3], _SIGMA[2], k[4], k[5], k[6], k[7], _SIGMA[3]]


def hsalsa20(key, nonce16):
    x = _rounds(_state(key, nonce16))
    return struct.pack("<8I", x[0], x[5], x[10], x[15], x[6], x[7], x[8], x[9])


def _salsa20_stream(key, nonce8, length):
    out = bytearray()
    counter = 0
    while len(out) < length:
        state = _state(key, nonce8 + struct.pack("<Q", counter))
        x = _rounds(state)
        out += struct.pack("<16I", *((x[i] + state[i]) & _MASK for i in range(16)))
        counter += 1
    return bytes(out[:length])


def poly1305(key, message):
    r = int.from_bytes(key[:16], "little") & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    s = int.from_bytes(key[16:32], "little")
    p = (1 << 130) - 5
    acc = 0
    for i in range(0, len(message), 16):
        acc = (acc + int.from_bytes(message[i:i + 16] + b"\x01", "little")) * r % p
    return ((acc + s) & ((1 << 128) - 1)).to_bytes(16, "little")


def _secretbox(message, nonce, key):
    subkey = hsalsa20(key, nonce[:16])
    stream = _salsa20_stream(subkey, nonce[16:], 32 + len(message))
    cipher = bytes(a ^ b for a, b in zip(message, stream[32:]))
    return poly1305(stream[:32], cipher) + cipher


def _secretbox_open(boxed, nonce, key):
    subkey = hsalsa20(key, nonce[:16])
    tag, cipher = boxed[:16], boxed[16:]
    stream = _salsa20_stream(subkey, nonce[16:], 32 + len(cipher))
    if poly1305(stream[:32], cipher) != tag:
        raise ValueError("the sealed box does not authenticate")
    return bytes(a ^ b for a, b in zip(cipher, stream[32:]))


def _nonce(ephemeral_public, recipient_public):
    return hashlib.blake2b(ephemeral_public + recipient_public, digest_size=24).digest()


def seal(message, recipient_public):
    """crypto_box_seal: anonymous encryption to a 32-byte X25519 public key."""
    ephemeral_secret = os.urandom(32)
    ephemeral_public = public_key(ephemeral_secret)
    shared = hsalsa20(x25519(ephemeral_secret, recipient_public), bytes(16))
    return ephemeral_public + _secretbox(message, _nonce(ephemeral_public, recipient_public), shared)


def seal_open(sealed, recipient_secret):
    """crypto_box_seal_open; ValueError when it does not authenticate."""
    if len(sealed) < 48:
        raise ValueError("too short for a sealed box")
    ephemeral_public = sealed[:32]
    recipient_public = public_key(recipient_secret)
    shared = hsalsa20(x25519(recipient_secret, ephemeral_public), bytes(16))
    return _secretbox_open(sealed[32:], _nonce(ephemeral_public, recipient_public), shared)
