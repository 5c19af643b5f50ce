#!/usr/bin/env python3
"""Independent computation of the known answers pinned in LawsKnownAnswerTest.java.

Philox-4x32-10 written from the paper (Salmon et al., SC 2011) with Python integers, checked against
Random123's known-answer vectors, then gapscope's stream convention and laws (Laws.java's javadoc):
counter = (index low 32, index high 32, rep, stream), key = (seed low 32, seed high 32); Gaussian pairs
share counter index >> 1. Run once by hand: its output is kernels/src/test/resources/laws-kat.csv.
"""
import math

M0, M1, W0, W1 = 0xD2511F53, 0xCD9E8D57, 0x9E3779B9, 0xBB67AE85
MASK = 0xFFFFFFFF


def philox(ctr, key):
    x0, x1, x2, x3 = ctr
    k0, k1 = key
    for _ in range(10):
        p0, p1 = M0 * x0, M1 * x2
        x0, x1, x2, x3 = (p1 >> 32) ^ x1 ^ k0, p1 & MASK, (p0 >> 32) ^ x3 ^ k1, p0 & MASK
        k0, k1 = (k0 + W0) & MASK, (k1 + W1) & MASK
    return x0, x1, x2, x3


assert philox((0, 0, 0, 0), (0, 0)) == (0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8)
assert philox((MASK,) * 4, (MASK, MASK)) == (0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd)
assert philox((0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344), (0xa4093822, 0x299f31d0)) == \
    (0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1)


def uniform(hi, lo):
    return ((hi >> 6) * 2**26 + (lo >> 6) + 0.5) / 2**52


def block(index, rep, stream, seed):
    index &= 2**64 - 1
    seed &= 2**64 - 1
    return philox((index & MASK, index >> 32, rep & MASK, stream & MASK), (seed & MASK, seed >> 32))


def draw(index, rep, seed, law, a, b, c):
    ctr = index >> 1 if law == 0 else index
    w = block(ctr, rep, 0, seed)
    u1, u2 = uniform(w[0], w[1]), uniform(w[2], w[3])
    if law == 0:
        r = math.sqrt(-2 * math.log(u1))
        return a + b * r * (math.cos if index % 2 == 0 else math.sin)(2 * math.pi * u2), 0
    if law == 1:
        return a - b * math.log(-math.log(u1)), 0
    if law == 2:
        return a + (b - a) * u1, 0
    if law == 3:
        return a - math.log(u1) / b, 0
    px, py = 2 * u1 - 1, 2 * u2 - 1
    ww = px * px + py * py
    stream = 1
    while ww >= 1:
        w = block(ctr, rep, stream, seed)
        px, py = 2 * uniform(w[0], w[1]) - 1, 2 * uniform(w[2], w[3]) - 1
        ww = px * px + py * py
        stream += 1
    return a + b * px * math.sqrt(c * (ww ** (-2 / c) - 1) / ww), stream - 1


BIG_SEED = 0x123456789ABCDEF0
SEEDS = [42, BIG_SEED, -5]
INDICES = [0, 1, 6, 7, 2**32 + 3, 2**33 + 4, 2**33 + 5, 2**40 + 2]
LAWS = [(0, 1.0, 2.0, 0.0), (1, 0.5, 1.5, 0.0), (2, -1.0, 3.0, 0.0), (3, 0.25, 2.0, 0.0), (4, 0.5, 1.5, 3.0)]
print("law,a,b,c,seed,index,rep,expected,redraws")
for law, a, b, c in LAWS:
    for seed in SEEDS:
        for index in INDICES:
            for rep in (0, 3):
                x, redraws = draw(index, rep, seed, law, a, b, c)
                print(f"{law},{a},{b},{c},{seed},{index},{rep},{x!r},{redraws}")
# Student-t draws that need two or more redraws (exercise the stream counter past 1)
found = 0
for index in range(0, 10000):
    x, redraws = draw(index, 1, BIG_SEED, 4, 0.0, 1.0, 5.0)
    if redraws >= 2:
        print(f"4,0.0,1.0,5.0,{BIG_SEED},{index},1,{x!r},{redraws}")
        found += 1
        if found == 3:
            break
