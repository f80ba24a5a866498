/* hvx - telling, cheaply, that deflate cannot shrink a buffer.
 *
 * Compressed qcow2 output (-c) deflates every cluster and keeps the
 * result only if it is smaller than the cluster, as qemu does.  On
 * incompressible data (encrypted volumes, media, archives) zlib spends
 * as long failing as it spends succeeding on text: measured on this
 * project's benchmark disk, 91 MB/s on random clusters against 48 MB/s
 * on text, so a third of `-c`'s CPU time went into deflate runs whose
 * output was thrown away.  This test costs about a tenth of a failed
 * deflate and answers "cannot shrink" only when a lower bound on
 * deflate's output already reaches the buffer's size, so the output is
 * the same as if zlib had been run (tests/test-deflate-bound.c checks
 * that claim against zlib on random, skewed, repetitive and real data).
 *
 * The bound, for input with no repeated strings within the window:
 * deflate can then only emit literals, cut into blocks of at most
 * BLOCK_SYMS symbols (zlib's block size at memLevel 9, the level qcow2
 * uses).  Each block costs at least the cheapest of
 *  - stored: its bytes plus a 4-byte length header;
 *  - fixed Huffman: 8 bits per literal below 144, 9 above, 7 for the end;
 *  - dynamic Huffman: the optimal (unlimited-length) Huffman code's cost
 *    for the block's own byte counts, plus the least the code's
 *    description can take: 29 header bits and half a bit per symbol
 *    used (run-length code 16 repeats a length up to 6 times for 3 bits).
 * Repeated strings are searched for with a hash of 4-byte sequences
 * within the window, and the bytes they cover (each of which a match
 * could save, at the very most) are taken off the bound.  Three-byte
 * matches are not looked for: against a near-flat literal code a length
 * and a distance cost more bits than the three literals they replace.
 */
#include "config.h"

#include <string.h>

#include "internal.h"

#define BLOCK_SYMS 32767u   /* literals per deflate block (zlib, memLevel 9) */
#define HASH_BITS 13u       /* HVX_DEFLATE_SCRATCH: 2^13 slots */

/* Cost in bits of an optimal prefix code for COUNTS (the sum of the
 * internal nodes' weights of a Huffman tree), and the symbols used. */
static uint64_t huffman_bits(const uint32_t counts[256], unsigned *used)
{
  uint64_t leaf[256], node[256], cost = 0;
  unsigned nl = 0, nn = 0, li = 0, ni = 0;

  for (unsigned i = 0; i < 256; i++)
    if (counts[i])
      leaf[nl++] = counts[i];
  *used = nl;
  if (nl < 2)
    return nl ? leaf[0] : 0; /* one symbol still costs a bit each */
  /* Insertion sort: 256 small values, called once per 32 KiB. */
  for (unsigned i = 1; i < nl; i++) {
    uint64_t v = leaf[i];
    unsigned j = i;
    for (; j > 0 && leaf[j - 1] > v; j--)
      leaf[j] = leaf[j - 1];
    leaf[j] = v;
  }
  /* Two queues: sorted leaves, and merged nodes (created in order). */
  for (unsigned k = 0; k + 1 < nl; k++) {
    uint64_t pick[2];
    for (int t = 0; t < 2; t++)
      pick[t] = (ni >= nn || (li < nl && leaf[li] <= node[ni])) ?
                    leaf[li++] : node[ni++];
    node[nn++] = pick[0] + pick[1];
    cost += pick[0] + pick[1];
  }
  return cost;
}

/* The least deflate can spend on LEN literal bytes at P as one block. */
static uint64_t block_min_bytes(const uint8_t *p, size_t len)
{
  uint32_t counts[256] = { 0 };
  uint64_t fixed = 10, high = 0, dyn, stored = len + 4;
  unsigned used;

  for (size_t i = 0; i < len; i++)
    counts[p[i]]++;
  for (unsigned i = 144; i < 256; i++)
    high += counts[i];
  fixed += 8 * (uint64_t)len + high;
  dyn = huffman_bits(counts, &used) + 29 + used / 2;
  fixed = (fixed + 7) / 8;
  dyn = (dyn + 7) / 8;
  return stored < fixed ? (stored < dyn ? stored : dyn) :
                          (fixed < dyn ? fixed : dyn);
}

static uint32_t load32(const uint8_t *p)
{
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* The bytes deflate could cover with matches of 4 or more within WINDOW,
 * counted until they pass BUDGET (then BUDGET + 1).  Each hash slot holds
 * the last 4 bytes seen there and where: comparing the bytes first keeps
 * the branch predictable on data without repeats (it is taken only on a
 * real repeat), which made the scan 3 times faster than comparing
 * positions first.  Slots left from an earlier buffer are harmless, as
 * every candidate is checked against the buffer itself. */
static uint64_t repeated_bytes(const uint8_t *p, size_t n, size_t window,
                               uint32_t (*tab)[2], uint64_t budget)
{
  uint64_t total = 0;

  for (size_t i = 0; i + 4 <= n; ) {
    uint32_t v = load32(p + i);
    uint32_t *slot = tab[(v * 2654435761u) >> (32 - HASH_BITS)];
    size_t c = slot[1], len = 4;
    bool hit = slot[0] == v;
    slot[0] = v;
    slot[1] = (uint32_t)i;
    if (!hit || c >= i || i - c > window || load32(p + c) != v) {
      i++;
      continue;
    }
    while (i + len < n && len < 258 && p[c + len] == p[i + len])
      len++;
    if ((total += len) > budget)
      return budget + 1;
    i += len;
  }
  return total;
}

bool hvx_deflate_cannot_shrink(const uint8_t *p, size_t n, size_t window,
                               void *scratch)
{
  uint64_t least = 0;

  if (n < 64 || n > UINT32_MAX)
    return false;
  /* The byte counts first: text fails here after one block. */
  for (size_t at = 0; at < n; at += BLOCK_SYMS) {
    size_t len = n - at < BLOCK_SYMS ? n - at : BLOCK_SYMS;
    least += block_min_bytes(p + at, len);
    /* Stop as soon as even the rest stored could not lift the bound to
     * N: text gets here after its first block. */
    if (least + (n - at - len) + 4 * ((n - at - len + BLOCK_SYMS - 1) /
                                      BLOCK_SYMS) < n)
      return false;
  }
  /* zlib's output fits the caller's buffer only if it is under N.  A
   * match saves at most the bytes it covers: random data has a 4-byte
   * repeat by chance in about one cluster of ten, which the margin above
   * N absorbs; anything more goes to zlib. */
  if (least < n)
    return false;
  return repeated_bytes(p, n, window, scratch, least - n) <= least - n;
}
