/* hvx - VHDX images (Microsoft [MS-VHDX]): probing, open (headers,
 * region table, metadata, BAT, parent), reads, block status, info.
 * The log is in vhdx-log.c, creation and writes in vhdx-write.c, the
 * checker in vhdx-check.c. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "crc32c.h"
#include "endian.h"
#include "vhdx.h"

#define GUID(d1, d2, d3, a, b, c, d, e, f, g, h) \
  { { (d1) & 0xff, ((d1) >> 8) & 0xff, ((d1) >> 16) & 0xff, \
      ((d1) >> 24) & 0xff, (d2) & 0xff, ((d2) >> 8) & 0xff, (d3) & 0xff, \
      ((d3) >> 8) & 0xff, a, b, c, d, e, f, g, h } }

const vhdx_guid
  vhdx_guid_bat = GUID(0x2DC27766u, 0xF623, 0x4200,
                       0x9D, 0x64, 0x11, 0x5E, 0x9B, 0xFD, 0x4A, 0x08),
  vhdx_guid_metadata = GUID(0x8B7CA206u, 0x4790, 0x4B9A,
                            0xB8, 0xFE, 0x57, 0x5F, 0x05, 0x0F, 0x88, 0x6E),
  vhdx_guid_file_params = GUID(0xCAA16737u, 0xFA36, 0x4D43,
                               0xB3, 0xB6, 0x33, 0xF0, 0xAA, 0x44, 0xE7, 0x6B),
  vhdx_guid_vsize = GUID(0x2FA54224u, 0xCD1B, 0x4876,
                         0xB2, 0x11, 0x5D, 0xBE, 0xD8, 0x3B, 0xF4, 0xB8),
  vhdx_guid_page83 = GUID(0xBECA12ABu, 0xB2E6, 0x4523,
                          0x93, 0xEF, 0xC3, 0x09, 0xE0, 0x00, 0xC7, 0x46),
  vhdx_guid_lss = GUID(0x8141BF1Du, 0xA96F, 0x4709,
                       0xBA, 0x47, 0xF2, 0x33, 0xA8, 0xFA, 0xAB, 0x5F),
  vhdx_guid_pss = GUID(0xCDA348C7u, 0x445D, 0x4471,
                       0x9C, 0xC9, 0xE9, 0x88, 0x52, 0x51, 0xC5, 0x56),
  vhdx_guid_parent_locator = GUID(0xA8D35F2Du, 0xB30B, 0x454D,
                                  0xAB, 0xF7, 0xD3, 0xD8, 0x48, 0x34, 0xAB, 0x0C),
  vhdx_guid_locator_type = GUID(0xB04AEFB7u, 0xD19E, 0x4A81,
                                0xB7, 0x89, 0x25, 0xB8, 0xE9, 0x44, 0x59, 0x13);

/* ---- small helpers -------------------------------------------------- */

bool vhdx_guid_is_zero(const vhdx_guid *g)
{
  return hvx_is_zero(g->b, 16);
}

bool vhdx_guid_equal(const vhdx_guid *a, const vhdx_guid *b)
{
  return memcmp(a->b, b->b, 16) == 0;
}

void vhdx_guid_format(const vhdx_guid *g, char out[39], bool braces)
{
  const uint8_t *b = g->b;

  /* Lowercase, as Hyper-V writes parent_linkage (libvhdi reads only
   * that spelling). */
  snprintf(out, 39, braces ?
           "{%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x}" :
           "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
           hvx_le32(b), hvx_le16(b + 4), hvx_le16(b + 6), b[8], b[9],
           b[10], b[11], b[12], b[13], b[14], b[15]);
}

static int hexval(char c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* "{8-4-4-4-12}" with or without braces, either case. */
int vhdx_guid_parse(const char *s, vhdx_guid *g)
{
  static const int groups[] = { 8, 4, 4, 4, 12 };
  uint8_t raw[16];
  size_t n = 0, len = strlen(s);
  bool braces = len == 38 && s[0] == '{' && s[37] == '}';

  if (!braces && len != 36)
    return -1;
  s += braces;
  for (int gi = 0; gi < 5; gi++) {
    for (int i = 0; i < groups[gi]; i += 2) {
      int hi = hexval(s[0]), lo = hexval(s[1]);
      if (hi < 0 || lo < 0)
        return -1;
      raw[n++] = (uint8_t)(hi << 4 | lo);
      s += 2;
    }
    if (gi < 4 && *s++ != '-')
      return -1;
  }
  /* The text is big-endian per group; Data1-3 are stored little. */
  g->b[0] = raw[3]; g->b[1] = raw[2]; g->b[2] = raw[1]; g->b[3] = raw[0];
  g->b[4] = raw[5]; g->b[5] = raw[4]; g->b[6] = raw[7]; g->b[7] = raw[6];
  memcpy(g->b + 8, raw + 8, 8);
  return 0;
}

int vhdx_guid_generate(vhdx_guid *g)
{
  size_t got = 0;

  while (got < 16) {
    ssize_t r = getrandom(g->b + got, 16 - got, 0);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return hvx_set_error(errno, "vhdx: cannot get random bytes for a "
                           "GUID: %s", strerror(errno));
    }
    got += (size_t)r;
  }
  g->b[7] = (uint8_t)((g->b[7] & 0x0f) | 0x40); /* version 4 (Data3) */
  g->b[8] = (uint8_t)((g->b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
  return 0;
}

/* Windows writes UTF-16LE; we want UTF-8.  Unpaired surrogates and NUL
 * characters are malformed names, not something to pass on. */
char *vhdx_utf16_to_utf8(const uint8_t *p, size_t bytes, const char *what)
{
  char *out, *o;

  if (bytes % 2) {
    hvx_set_error(EBADMSG, "vhdx: %s has an odd length (%zu bytes) for "
                  "UTF-16", what, bytes);
    return NULL;
  }
  out = hvx_malloc(bytes / 2 * 3 + 1, what);
  if (!out)
    return NULL;
  o = out;
  for (size_t i = 0; i < bytes; i += 2) {
    uint32_t c = hvx_le16(p + i);
    if (c >= 0xD800 && c <= 0xDBFF && i + 3 < bytes &&
        hvx_le16(p + i + 2) >= 0xDC00 && hvx_le16(p + i + 2) <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (hvx_le16(p + i + 2) - 0xDC00);
      i += 2;
    } else if ((c >= 0xD800 && c <= 0xDFFF) || c == 0) {
      hvx_set_error(EBADMSG, "vhdx: %s is not valid UTF-16 (code unit "
                    "0x%04x at byte %zu)", what, (unsigned)c, i);
      free(out);
      return NULL;
    }
    if (c < 0x80) {
      *o++ = (char)c;
    } else if (c < 0x800) {
      *o++ = (char)(0xC0 | c >> 6);
      *o++ = (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      *o++ = (char)(0xE0 | c >> 12);
      *o++ = (char)(0x80 | ((c >> 6) & 0x3F));
      *o++ = (char)(0x80 | (c & 0x3F));
    } else {
      *o++ = (char)(0xF0 | c >> 18);
      *o++ = (char)(0x80 | ((c >> 12) & 0x3F));
      *o++ = (char)(0x80 | ((c >> 6) & 0x3F));
      *o++ = (char)(0x80 | (c & 0x3F));
    }
  }
  *o = '\0';
  return out;
}

/* UTF-8 (assumed valid: our own strings and paths) to UTF-16LE; returns
 * the bytes needed, writing at most MAX. */
size_t vhdx_utf8_to_utf16(const char *s, uint8_t *out, size_t max)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t n = 0;

  while (*p) {
    uint32_t c = *p++;
    int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    if (more)
      c &= 0x3Fu >> more;
    while (more-- > 0 && (*p & 0xC0) == 0x80)
      c = c << 6 | (*p++ & 0x3F);
    if (c >= 0x10000) {
      uint32_t v = c - 0x10000;
      if (n + 4 <= max) {
        hvx_put_le16(out + n, (uint16_t)(0xD800 + (v >> 10)));
        hvx_put_le16(out + n + 2, (uint16_t)(0xDC00 + (v & 0x3FF)));
      }
      n += 4;
    } else {
      if (n + 2 <= max)
        hvx_put_le16(out + n, (uint16_t)c);
      n += 2;
    }
  }
  return n;
}

const char *vhdx_state_name(unsigned state)
{
  switch (state) {
  case VHDX_PAYLOAD_NOT_PRESENT: return "not present";
  case VHDX_PAYLOAD_UNDEFINED: return "undefined";
  case VHDX_PAYLOAD_ZERO: return "zero";
  case VHDX_PAYLOAD_UNMAPPED: case VHDX_PAYLOAD_UNMAPPED_V095:
    return "unmapped";
  case VHDX_PAYLOAD_FULLY_PRESENT: return "fully present";
  case VHDX_PAYLOAD_PARTIALLY_PRESENT: return "partially present";
  default: return "invalid";
  }
}

/* The file's size as the replayed log leaves it. */
static uint64_t effective_size(const struct vhdx *s)
{
  if (s->overlay && s->overlay->last_file_offset > s->file_size)
    return s->overlay->last_file_offset;
  return s->file_size;
}

int vhdx_read(struct vhdx *s, void *buf, size_t count, uint64_t offset,
              const char *what)
{
  struct hvx_file *f = &s->img->file;
  uint64_t size = effective_size(s);

  if (offset > size || count > size - offset)
    return hvx_set_error(EBADMSG, "vhdx: %s: %s at 0x%llx (%zu bytes) "
                         "extends past end of file (size %llu)",
                         s->img->filename, what, (unsigned long long)offset,
                         count, (unsigned long long)size);
  if (!s->overlay)
    return hvx_file_pread(f, buf, count, offset, what);
  if (hvx_file_pread_zerofill(f, buf, count, offset) < 0)
    return -1;
  return vhdx_replay_patch(s, s->overlay, buf, count, offset);
}

/* ---- headers and region table --------------------------------------- */

int vhdx_parse_header(const uint8_t *buf, struct vhdx_header *h)
{
  uint8_t copy[VHDX_HEADER_SIZE];

  if (memcmp(buf, "head", 4) != 0)
    return hvx_set_error(EBADMSG, "signature is not 'head'");
  memcpy(copy, buf, sizeof copy);
  memset(copy + 4, 0, 4);
  if (hvx_crc32c(0, copy, sizeof copy) != hvx_le32(buf + 4))
    return hvx_set_error(EBADMSG, "checksum 0x%08x does not match the "
                         "contents (0x%08x)", hvx_le32(buf + 4),
                         hvx_crc32c(0, copy, sizeof copy));
  h->seq = hvx_le64(buf + 8);
  memcpy(h->file_write.b, buf + 16, 16);
  memcpy(h->data_write.b, buf + 32, 16);
  memcpy(h->log.b, buf + 48, 16);
  h->log_version = hvx_le16(buf + 64);
  h->version = hvx_le16(buf + 66);
  h->log_length = hvx_le32(buf + 68);
  h->log_offset = hvx_le64(buf + 72);
  return 0;
}

void vhdx_build_header(uint8_t *buf, const struct vhdx_header *h)
{
  memset(buf, 0, VHDX_HEADER_SIZE);
  memcpy(buf, "head", 4);
  hvx_put_le64(buf + 8, h->seq);
  memcpy(buf + 16, h->file_write.b, 16);
  memcpy(buf + 32, h->data_write.b, 16);
  memcpy(buf + 48, h->log.b, 16);
  hvx_put_le16(buf + 64, h->log_version);
  hvx_put_le16(buf + 66, h->version);
  hvx_put_le32(buf + 68, h->log_length);
  hvx_put_le64(buf + 72, h->log_offset);
  hvx_put_le32(buf + 4, hvx_crc32c(0, buf, VHDX_HEADER_SIZE));
}

/* Pick the current header: the valid one with the higher sequence
 * number. */
static int read_headers(struct vhdx *s)
{
  uint8_t buf[VHDX_HEADER_SIZE];
  struct vhdx_header h[2];
  char why[2][256];
  const char *fn = s->img->filename;

  for (int i = 0; i < 2; i++) {
    if (hvx_file_pread(&s->img->file, buf, sizeof buf, VHDX_HEADER_SLOT(i),
                       "vhdx header") < 0)
      return -1;
    s->hdr_valid[i] = vhdx_parse_header(buf, &h[i]) == 0;
    if (!s->hdr_valid[i])
      snprintf(why[i], sizeof why[i], "%s", hvx_error());
  }
  if (!s->hdr_valid[0] && !s->hdr_valid[1])
    return hvx_set_error(EBADMSG, "vhdx: %s: no valid header: header 1 at "
                         "0x10000: %s; header 2 at 0x20000: %s", fn, why[0],
                         why[1]);
  s->cur_slot = !s->hdr_valid[0] ? 1 : !s->hdr_valid[1] ? 0 :
                h[1].seq > h[0].seq;
  s->hdr = h[s->cur_slot];
  if (s->hdr.version != 1)
    return hvx_set_error(ENOTSUP, "vhdx: %s: header at 0x%llx: version %u "
                         "is not supported (only 1)", fn,
                         (unsigned long long)VHDX_HEADER_SLOT(s->cur_slot),
                         s->hdr.version);
  return 0;
}

int vhdx_parse_region_table(struct vhdx *s, const uint8_t *buf,
                            uint64_t where)
{
  uint8_t *copy;
  uint32_t crc, count;
  bool have_bat = false, have_meta = false;

  if (memcmp(buf, "regi", 4) != 0)
    return hvx_set_error(EBADMSG, "region table at 0x%llx: signature is not "
                         "'regi'", (unsigned long long)where);
  copy = hvx_malloc(VHDX_RT_SIZE, "vhdx region table");
  if (!copy)
    return -1;
  memcpy(copy, buf, VHDX_RT_SIZE);
  memset(copy + 4, 0, 4);
  crc = hvx_crc32c(0, copy, VHDX_RT_SIZE);
  free(copy);
  if (crc != hvx_le32(buf + 4))
    return hvx_set_error(EBADMSG, "region table at 0x%llx: checksum "
                         "0x%08x does not match the contents (0x%08x)",
                         (unsigned long long)where, hvx_le32(buf + 4), crc);
  count = hvx_le32(buf + 8);
  if (count > VHDX_RT_MAX_ENTRIES)
    return hvx_set_error(EBADMSG, "region table at 0x%llx: entry count %u "
                         "exceeds %u", (unsigned long long)where, count,
                         VHDX_RT_MAX_ENTRIES);
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *e = buf + 16 + 32 * i;
    vhdx_guid g;
    uint64_t off = hvx_le64(e + 16);
    uint32_t len = hvx_le32(e + 24);
    bool required = hvx_le32(e + 28) & 1;
    struct vhdx_region *r = NULL;
    char gs[39];

    memcpy(g.b, e, 16);
    vhdx_guid_format(&g, gs, false);
    for (uint32_t j = 0; j < i; j++)
      if (memcmp(buf + 16 + 32 * j, e, 16) == 0)
        return hvx_set_error(EBADMSG, "region table at 0x%llx: region %s "
                             "appears twice (entries %u and %u)",
                             (unsigned long long)where, gs, j, i);
    if (vhdx_guid_equal(&g, &vhdx_guid_bat)) {
      r = &s->bat_region;
      have_bat = true;
    } else if (vhdx_guid_equal(&g, &vhdx_guid_metadata)) {
      r = &s->meta_region;
      have_meta = true;
    } else if (required) {
      return hvx_set_error(ENOTSUP, "region table at 0x%llx: unknown "
                           "required region %s", (unsigned long long)where,
                           gs);
    } else {
      continue; /* optional and unknown: ignore, as the spec allows */
    }
    if (off < VHDX_MIB || off % VHDX_MIB || len == 0 || len % VHDX_MIB)
      return hvx_set_error(EBADMSG, "region table at 0x%llx: region %s at "
                           "0x%llx length %u is not a non-empty 1 MiB-aligned "
                           "range after the header section",
                           (unsigned long long)where, gs,
                           (unsigned long long)off, len);
    if (off > s->file_size || len > s->file_size - off)
      return hvx_set_error(EBADMSG, "region table at 0x%llx: region %s at "
                           "0x%llx length %u extends beyond end of file "
                           "(size %llu)", (unsigned long long)where, gs,
                           (unsigned long long)off, len,
                           (unsigned long long)s->file_size);
    r->offset = off;
    r->length = len;
  }
  if (!have_bat || !have_meta)
    return hvx_set_error(EBADMSG, "region table at 0x%llx: no %s region",
                         (unsigned long long)where,
                         have_bat ? "metadata" : "BAT");
  if (s->bat_region.offset < s->meta_region.offset + s->meta_region.length &&
      s->meta_region.offset < s->bat_region.offset + s->bat_region.length)
    return hvx_set_error(EBADMSG, "region table at 0x%llx: BAT region "
                         "0x%llx+%u overlaps metadata region 0x%llx+%u",
                         (unsigned long long)where,
                         (unsigned long long)s->bat_region.offset,
                         s->bat_region.length,
                         (unsigned long long)s->meta_region.offset,
                         s->meta_region.length);
  return 0;
}

/* The first copy unless it is damaged, then the second. */
static int read_region_table(struct vhdx *s)
{
  uint8_t *buf = hvx_malloc(VHDX_RT_SIZE, "vhdx region table");
  char why[512];
  int r = -1;

  if (!buf)
    return -1;
  for (int i = 0; i < 2; i++) {
    if (vhdx_read(s, buf, VHDX_RT_SIZE, VHDX_RT_OFFSET(i),
                  "region table") < 0)
      break;
    if (vhdx_parse_region_table(s, buf, VHDX_RT_OFFSET(i)) == 0) {
      r = 0;
      break;
    }
    if (hvx_errno() != EBADMSG)
      break;
    if (i == 0) {
      snprintf(why, sizeof why, "%s", hvx_error());
      continue;
    }
    hvx_set_error(EBADMSG, "vhdx: %s: both region tables are damaged: %s; "
                  "%s", s->img->filename, why, hvx_error());
    break;
  }
  if (r < 0 && !strstr(hvx_error(), s->img->filename))
    hvx_prefix_error("vhdx: %s", s->img->filename);
  free(buf);
  return r;
}

/* ---- metadata ------------------------------------------------------- */

struct meta_item {
  const vhdx_guid *guid;
  const char *name;
  uint32_t len;       /* exact length, 0 = variable */
  uint64_t offset;    /* file offset once found */
  uint32_t found_len;
  bool found;
};

static int parse_parent_locator(struct vhdx *s, const uint8_t *p,
                                uint32_t len, uint64_t where)
{
  uint32_t count;
  vhdx_guid type;
  const char *fn = s->img->filename;

  if (len < 20)
    return hvx_set_error(EBADMSG, "vhdx: %s: parent locator at 0x%llx is "
                         "%u bytes, too short", fn,
                         (unsigned long long)where, len);
  memcpy(type.b, p, 16);
  if (!vhdx_guid_equal(&type, &vhdx_guid_locator_type)) {
    char gs[39];
    vhdx_guid_format(&type, gs, false);
    return hvx_set_error(ENOTSUP, "vhdx: %s: parent locator at 0x%llx has "
                         "unknown locator type %s", fn,
                         (unsigned long long)where, gs);
  }
  count = hvx_le16(p + 18);
  if (20 + 12ull * count > len)
    return hvx_set_error(EBADMSG, "vhdx: %s: parent locator at 0x%llx: %u "
                         "entries do not fit in %u bytes", fn,
                         (unsigned long long)where, count, len);
  s->ploc = hvx_calloc(count, sizeof *s->ploc, "vhdx parent locator");
  if (!s->ploc)
    return -1;
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *e = p + 20 + 12 * i;
    uint32_t ko = hvx_le32(e), vo = hvx_le32(e + 4);
    uint16_t kl = hvx_le16(e + 8), vl = hvx_le16(e + 10);
    char what[96];

    if (ko > len || kl > len - ko || vo > len || vl > len - vo ||
        kl == 0)
      return hvx_set_error(EBADMSG, "vhdx: %s: parent locator at 0x%llx: "
                           "entry %u (key 0x%x+%u, value 0x%x+%u) lies "
                           "outside the %u-byte item", fn,
                           (unsigned long long)where, i, ko, kl, vo, vl, len);
    snprintf(what, sizeof what, "parent locator entry %u key", i);
    s->ploc[i].key = vhdx_utf16_to_utf8(p + ko, kl, what);
    s->nploc = i + 1;
    if (!s->ploc[i].key)
      return -1;
    snprintf(what, sizeof what, "parent locator entry '%s'", s->ploc[i].key);
    s->ploc[i].value = vhdx_utf16_to_utf8(p + vo, vl, what);
    if (!s->ploc[i].value)
      return -1;
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(s->ploc[j].key, s->ploc[i].key) == 0)
        return hvx_set_error(EBADMSG, "vhdx: %s: parent locator at 0x%llx: "
                             "key '%s' appears twice", fn,
                             (unsigned long long)where, s->ploc[i].key);
  }
  s->have_ploc = true;
  return 0;
}

static int read_metadata(struct vhdx *s)
{
  struct meta_item items[] = {
    { &vhdx_guid_file_params, "file parameters", 8, 0, 0, false },
    { &vhdx_guid_vsize, "virtual disk size", 8, 0, 0, false },
    { &vhdx_guid_page83, "page 83 data", 16, 0, 0, false },
    { &vhdx_guid_lss, "logical sector size", 4, 0, 0, false },
    { &vhdx_guid_pss, "physical sector size", 4, 0, 0, false },
    { &vhdx_guid_parent_locator, "parent locator", 0, 0, 0, false },
  };
  enum { FP, VS, P83, LSS, PSS, PLOC, NITEMS };
  const char *fn = s->img->filename;
  uint64_t base = s->meta_region.offset;
  uint8_t *t, v[16];
  uint16_t count;
  int r = -1;

  t = hvx_malloc(VHDX_META_TABLE_SIZE, "vhdx metadata table");
  if (!t)
    return -1;
  if (vhdx_read(s, t, VHDX_META_TABLE_SIZE, base, "metadata table") < 0)
    goto out;
  if (memcmp(t, "metadata", 8) != 0) {
    hvx_set_error(EBADMSG, "vhdx: %s: metadata table at 0x%llx: signature "
                  "is not 'metadata'", fn, (unsigned long long)base);
    goto out;
  }
  count = hvx_le16(t + 10);
  if (count > VHDX_META_MAX_ENTRIES) {
    hvx_set_error(EBADMSG, "vhdx: %s: metadata table at 0x%llx: entry count "
                  "%u exceeds %u", fn, (unsigned long long)base, count,
                  VHDX_META_MAX_ENTRIES);
    goto out;
  }
  for (unsigned i = 0; i < count; i++) {
    const uint8_t *e = t + 32 + 32 * i;
    uint32_t off = hvx_le32(e + 16), len = hvx_le32(e + 20);
    bool user = hvx_le32(e + 24) & 1, required = hvx_le32(e + 24) & 4;
    uint64_t at = base + 32 + 32 * i;
    vhdx_guid g;
    char gs[39];
    int k;

    memcpy(g.b, e, 16);
    vhdx_guid_format(&g, gs, false);
    for (unsigned j = 0; j < i; j++)
      if (memcmp(t + 32 + 32 * j, e, 16) == 0 &&
          (hvx_le32(t + 32 + 32 * j + 24) & 1) == user) {
        hvx_set_error(EBADMSG, "vhdx: %s: metadata entry at 0x%llx: item "
                      "%s appears twice", fn, (unsigned long long)at, gs);
        goto out;
      }
    if (len > VHDX_META_ITEM_MAX || (len > 0 && off < VHDX_META_TABLE_SIZE) ||
        off > s->meta_region.length || len > s->meta_region.length - off) {
      hvx_set_error(EBADMSG, "vhdx: %s: metadata entry at 0x%llx: item %s "
                    "at 0x%x length %u lies outside the metadata region "
                    "(length %u)", fn, (unsigned long long)at, gs, off, len,
                    s->meta_region.length);
      goto out;
    }
    for (k = 0; k < NITEMS; k++)
      if (!user && vhdx_guid_equal(&g, items[k].guid))
        break;
    if (k == NITEMS) {
      if (required) {
        hvx_set_error(ENOTSUP, "vhdx: %s: metadata entry at 0x%llx: "
                      "unknown required item %s", fn, (unsigned long long)at,
                      gs);
        goto out;
      }
      continue;
    }
    if ((items[k].len && len != items[k].len) || (!items[k].len && !len)) {
      hvx_set_error(EBADMSG, "vhdx: %s: metadata entry at 0x%llx: %s item "
                    "is %u bytes, expected %u", fn, (unsigned long long)at,
                    items[k].name, len, items[k].len);
      goto out;
    }
    items[k].found = true;
    items[k].offset = base + off;
    items[k].found_len = len;
  }
  for (int k = 0; k < PLOC; k++)
    if (!items[k].found) {
      hvx_set_error(EBADMSG, "vhdx: %s: metadata table at 0x%llx: required "
                    "item '%s' is missing", fn, (unsigned long long)base,
                    items[k].name);
      goto out;
    }

  if (vhdx_read(s, v, 8, items[FP].offset, "file parameters") < 0)
    goto out;
  s->block_size = hvx_le32(v);
  s->leave_allocated = hvx_le32(v + 4) & 1;
  s->has_parent = hvx_le32(v + 4) & 2;
  if (vhdx_read(s, v, 8, items[VS].offset, "virtual disk size") < 0 ||
      vhdx_read(s, s->page83.b, 16, items[P83].offset, "page 83 data") < 0)
    goto out;
  s->vsize = hvx_le64(v);
  if (vhdx_read(s, v, 4, items[LSS].offset, "logical sector size") < 0)
    goto out;
  s->lss = hvx_le32(v);
  if (vhdx_read(s, v, 4, items[PSS].offset, "physical sector size") < 0)
    goto out;
  s->pss = hvx_le32(v);

  if (s->block_size < VHDX_MIN_BLOCK || s->block_size > VHDX_MAX_BLOCK ||
      !hvx_is_pow2(s->block_size)) {
    hvx_set_error(EBADMSG, "vhdx: %s: file parameters at 0x%llx: block size "
                  "%u is not a power of two from 1 MiB to 256 MiB", fn,
                  (unsigned long long)items[FP].offset, s->block_size);
    goto out;
  }
  if (s->lss != 512 && s->lss != 4096) {
    hvx_set_error(EBADMSG, "vhdx: %s: logical sector size %u at 0x%llx is "
                  "not 512 or 4096", fn, s->lss,
                  (unsigned long long)items[LSS].offset);
    goto out;
  }
  if (s->pss != 512 && s->pss != 4096) {
    hvx_set_error(EBADMSG, "vhdx: %s: physical sector size %u at 0x%llx is "
                  "not 512 or 4096", fn, s->pss,
                  (unsigned long long)items[PSS].offset);
    goto out;
  }
  if (s->vsize % s->lss || s->vsize > VHDX_MAX_SIZE) {
    hvx_set_error(EBADMSG, "vhdx: %s: virtual disk size %llu at 0x%llx is "
                  "not a multiple of the %u-byte sector up to 64 TiB", fn,
                  (unsigned long long)s->vsize,
                  (unsigned long long)items[VS].offset, s->lss);
    goto out;
  }
  if (s->has_parent && !items[PLOC].found) {
    hvx_set_error(EBADMSG, "vhdx: %s: differencing image (has-parent set in "
                  "the file parameters) without a parent locator", fn);
    goto out;
  }
  if (items[PLOC].found) {
    uint8_t *pl = hvx_malloc(items[PLOC].found_len, "vhdx parent locator");
    if (!pl)
      goto out;
    if (vhdx_read(s, pl, items[PLOC].found_len, items[PLOC].offset,
                  "parent locator") < 0 ||
        parse_parent_locator(s, pl, items[PLOC].found_len,
                             items[PLOC].offset) < 0) {
      free(pl);
      goto out;
    }
    free(pl);
  }
  r = 0;
out:
  free(t);
  return r;
}

/* ---- BAT ------------------------------------------------------------ */

static int read_bat(struct vhdx *s)
{
  const char *fn = s->img->filename;
  uint64_t bytes;
  uint8_t *raw;

  /* With at least 1 MiB blocks and a 64 TiB cap, these cannot overflow;
   * the chunk ratio is 2^23 sectors per sector bitmap block. */
  s->chunk_ratio = (8388608ull * s->lss) / s->block_size;
  s->bitmap_bytes = (uint32_t)(s->block_size / s->lss / 8);
  s->nblocks = hvx_div_round_up(s->vsize, s->block_size);
  s->nchunks = hvx_div_round_up(s->nblocks, s->chunk_ratio);
  if (s->has_parent)
    s->bat_entries = s->nchunks * (s->chunk_ratio + 1);
  else
    s->bat_entries = s->nblocks ?
      s->nblocks + (s->nblocks - 1) / s->chunk_ratio : 0;
  bytes = s->bat_entries * 8;
  if (bytes > s->bat_region.length)
    return hvx_set_error(EBADMSG, "vhdx: %s: BAT region at 0x%llx is %u "
                         "bytes, too small for %llu entries (%llu blocks of "
                         "%u bytes)", fn,
                         (unsigned long long)s->bat_region.offset,
                         s->bat_region.length,
                         (unsigned long long)s->bat_entries,
                         (unsigned long long)s->nblocks, s->block_size);
  /* Whole 4 KiB pages, so dirty pages can be written back as they are. */
  bytes = hvx_round_up(bytes ? bytes : 8, 4096);
  if (bytes > s->bat_region.length)
    bytes = s->bat_region.length;
  s->bat_alloc = bytes / 8;
  s->bat = hvx_malloc(bytes, "vhdx BAT");
  s->bat_dirty = hvx_calloc(bytes / 4096 + 1, 1, "vhdx BAT dirty map");
  if (!s->bat || !s->bat_dirty)
    return -1;
  raw = (uint8_t *)s->bat;
  if (vhdx_read(s, raw, bytes, s->bat_region.offset, "BAT") < 0)
    return -1;
  for (uint64_t i = 0; i < bytes / 8; i++)
    s->bat[i] = hvx_le64(raw + 8 * i);
  return 0;
}

/* ---- sector bitmaps ------------------------------------------------- */

uint8_t *vhdx_bitmap_get(struct vhdx *s, uint64_t blk)
{
  struct vhdx_bitmap *slot = NULL;
  uint64_t c = blk / s->chunk_ratio, e = s->bat[vhdx_sb_index(s, c)];

  for (int i = 0; i < VHDX_BITMAP_CACHE; i++)
    if (s->bm[i].used && s->bm[i].block == blk)
      return s->bm[i].bits;
  if (VHDX_BAT_STATE(e) != VHDX_SB_PRESENT || VHDX_BAT_OFFSET(e) == 0) {
    hvx_set_error(EBADMSG, "vhdx: %s: payload block %llu is partially "
                  "present but the sector bitmap block of chunk %llu is %s "
                  "(BAT entry 0x%016llx)", s->img->filename,
                  (unsigned long long)blk, (unsigned long long)c,
                  VHDX_BAT_STATE(e) == VHDX_SB_PRESENT ? "at offset 0" :
                  "not present", (unsigned long long)e);
    return NULL;
  }
  /* Evict a clean entry, round robin; with all dirty, write them out. */
  for (int tries = 0; tries < 2 && !slot; tries++) {
    for (int i = 0; i < VHDX_BITMAP_CACHE && !slot; i++) {
      struct vhdx_bitmap *b = &s->bm[(s->bm_clock + i) % VHDX_BITMAP_CACHE];
      if (!b->used || !b->dirty)
        slot = b;
    }
    if (!slot && vhdx_flush(s->img) < 0)
      return NULL;
  }
  if (!slot)
    return hvx_set_error(EIO, "vhdx: sector bitmap cache full"), NULL;
  s->bm_clock++;
  if (!slot->bits && !(slot->bits = hvx_malloc(s->bitmap_bytes,
                                               "vhdx sector bitmap")))
    return NULL;
  slot->used = false;
  if (vhdx_read(s, slot->bits, s->bitmap_bytes,
                VHDX_BAT_OFFSET(e) + (blk % s->chunk_ratio) * s->bitmap_bytes,
                "sector bitmap") < 0)
    return NULL;
  slot->used = true;
  slot->dirty = false;
  slot->block = blk;
  return slot->bits;
}

void vhdx_bitmap_mark(struct vhdx *s, uint64_t blk)
{
  for (int i = 0; i < VHDX_BITMAP_CACHE; i++)
    if (s->bm[i].used && s->bm[i].block == blk)
      s->bm[i].dirty = true;
}

/* ---- parent --------------------------------------------------------- */

static const char *ploc_get(const struct vhdx *s, const char *key)
{
  for (size_t i = 0; i < s->nploc; i++)
    if (strcmp(s->ploc[i].key, key) == 0)
      return s->ploc[i].value;
  return NULL;
}

/* A Windows path as a POSIX one: backslashes become slashes, a leading
 * ".\" goes.  NULL for what cannot be resolved here (drive letters,
 * \\?\ and UNC names). */
static char *posix_path(const char *win)
{
  char *p;

  if (!win || !*win || (win[0] && win[1] == ':') ||
      (win[0] == '\\' && win[1] == '\\'))
    return NULL;
  p = hvx_strdup(win);
  if (!p)
    return NULL;
  for (char *c = p; *c; c++)
    if (*c == '\\')
      *c = '/';
  if (p[0] == '.' && p[1] == '/')
    memmove(p, p + 2, strlen(p + 2) + 1);
  return p;
}

/* Does NAME (relative to the image's directory unless absolute) exist? */
static bool exists_near(const struct vhdx *s, const char *name)
{
  const char *fn = s->img->filename, *slash = strrchr(fn, '/');
  char *path;
  struct stat st;
  bool ok;

  if (name[0] == '/' || !slash)
    return stat(name, &st) == 0;
  path = malloc((size_t)(slash - fn) + strlen(name) + 2);
  if (!path)
    return false;
  sprintf(path, "%.*s/%s", (int)(slash - fn), fn, name);
  ok = stat(path, &st) == 0;
  free(path);
  return ok;
}

int vhdx_open_parent(struct vhdx *s)
{
  static const char *const keys[] = { "relative_path", "absolute_win32_path" };
  const char *fn = s->img->filename, *link = ploc_get(s, "parent_linkage"),
    *link2 = ploc_get(s, "parent_linkage2");
  char *names[2], *name = NULL;
  vhdx_guid want, want2;
  struct vhdx *ps;
  char a[39], b[39];
  int r = -1;

  if (!link || vhdx_guid_parse(link, &want) < 0)
    return hvx_set_error(EBADMSG, "vhdx: %s: parent locator has %s "
                         "parent_linkage%s%s", fn, link ? "a malformed" : "no",
                         link ? " " : "", link ? link : "");
  if (link2 && vhdx_guid_parse(link2, &want2) < 0)
    return hvx_set_error(EBADMSG, "vhdx: %s: parent locator has a malformed "
                         "parent_linkage2 %s", fn, link2);
  for (int i = 0; i < 2; i++)
    names[i] = posix_path(ploc_get(s, keys[i]));
  for (int i = 0; i < 2 && !name; i++)
    if (names[i] && exists_near(s, names[i]))
      name = names[i];
  if (!name)
    name = names[0] ? names[0] : names[1];
  if (!name) {
    hvx_set_error(ENOTSUP, "vhdx: %s: parent locator has no relative_path "
                  "or absolute_win32_path usable here (volume_path: %s)", fn,
                  ploc_get(s, "volume_path") ? ploc_get(s, "volume_path") :
                  "none");
    goto out;
  }
  if (hvx_open_backing(s->img, name, "vhdx") < 0)
    goto out;
  if (!s->img->backing) { /* HVX_OPEN_NO_BACKING */
    r = 0;
    goto out;
  }
  ps = s->img->backing->priv;
  if (!vhdx_guid_equal(&ps->hdr.data_write, &want) &&
      !(link2 && vhdx_guid_equal(&ps->hdr.data_write, &want2))) {
    vhdx_guid_format(&ps->hdr.data_write, a, true);
    vhdx_guid_format(&want, b, true);
    hvx_set_error(EBADMSG, "vhdx: %s: parent '%s' has data write GUID %s but "
                  "the parent locator's parent_linkage is %s: the parent "
                  "changed after this differencing image was made", fn, name,
                  a, b);
    goto out;
  }
  if (s->img->backing->size != s->vsize) {
    hvx_set_error(EBADMSG, "vhdx: %s: parent '%s' is %llu bytes but this "
                  "differencing image is %llu", fn, name,
                  (unsigned long long)s->img->backing->size,
                  (unsigned long long)s->vsize);
    goto out;
  }
  r = 0;
out:
  free(names[0]);
  free(names[1]);
  return r;
}

/* ---- the driver ----------------------------------------------------- */

static int vhdx_probe(struct hvx_file *f, const uint8_t *head, size_t len,
                      uint64_t filesize)
{
  uint8_t h[VHDX_HEADER_SIZE];
  struct vhdx_header hd;

  (void)filesize;
  if (len < 8 || memcmp(head, "vhdxfile", 8) != 0)
    return 0;
  /* The identifier alone is 8 bytes of ASCII; a valid header makes it
   * certain. */
  for (int i = 0; i < 2; i++)
    if (hvx_file_pread_zerofill(f, h, sizeof h, VHDX_HEADER_SLOT(i)) == 0 &&
        vhdx_parse_header(h, &hd) == 0)
      return 100;
  return 90;
}

static void vhdx_free(struct vhdx *s)
{
  if (!s)
    return;
  free(s->bat);
  free(s->bat_dirty);
  for (size_t i = 0; i < s->nploc; i++) {
    free(s->ploc[i].key);
    free(s->ploc[i].value);
  }
  free(s->ploc);
  for (int i = 0; i < VHDX_BITMAP_CACHE; i++)
    free(s->bm[i].bits);
  vhdx_replay_free(s->overlay);
  free(s);
}

static void vhdx_close(struct hvx_image *img)
{
  vhdx_free(img->priv);
  img->priv = NULL;
}

static int read_identifier(struct vhdx *s)
{
  uint8_t id[520];
  char *creator;

  if (hvx_file_pread(&s->img->file, id, sizeof id, 0,
                     "vhdx file identifier") < 0)
    return -1;
  if (memcmp(id, "vhdxfile", 8) != 0)
    return hvx_set_error(EBADMSG, "vhdx: %s: no 'vhdxfile' signature at "
                         "offset 0", s->img->filename);
  /* The creator is informational: trim at the first NUL and keep
   * whatever decodes. */
  size_t n = 0;
  while (n < 512 && hvx_le16(id + 8 + n))
    n += 2;
  creator = vhdx_utf16_to_utf8(id + 8, n, "creator");
  if (creator) {
    snprintf(s->creator, sizeof s->creator, "%s", creator);
    free(creator);
  }
  return 0;
}

int vhdx_open(struct hvx_image *img)
{
  struct vhdx *s = hvx_calloc(1, sizeof *s, "vhdx state");
  struct vhdx_replay *rep = NULL;
  int64_t size;

  if (!s)
    return -1;
  s->img = img;
  img->priv = s;
  size = hvx_file_size(&img->file);
  if (size < 0)
    goto fail;
  s->file_size = (uint64_t)size;
  if (s->file_size < VHDX_MIB) {
    hvx_set_error(EBADMSG, "vhdx: %s: file is %llu bytes, shorter than the "
                  "1 MiB header section", img->filename,
                  (unsigned long long)s->file_size);
    goto fail;
  }
  if (read_identifier(s) < 0 || read_headers(s) < 0)
    goto fail;
  if (vhdx_log_scan(s, &rep) < 0)
    goto fail;
  if (rep) {
    s->log_dirty = true;
    s->log_entries = rep->entries;
    if (img->flags & HVX_OPEN_WRITE) {
      int r = vhdx_log_replay(s, rep);
      vhdx_replay_free(rep);
      if (r < 0)
        goto fail;
    } else {
      /* Never touch a file opened read-only: the replay lives in memory
       * and every metadata read goes through it. */
      s->overlay = rep;
    }
  }
  if (read_region_table(s) < 0 || read_metadata(s) < 0 || read_bat(s) < 0)
    goto fail;
  img->size = s->vsize;
  if ((img->flags & HVX_OPEN_WRITE) &&
      hvx_refuse_write_if_corrupt(img, vhdx_check_blocks) < 0)
    goto fail;
  if (s->has_parent && (img->flags & HVX_OPEN_WRITE) &&
      (img->flags & HVX_OPEN_NO_BACKING)) {
    /* A write of part of a sector needs the rest from the parent. */
    hvx_set_error(EINVAL, "vhdx: %s: a differencing image cannot be opened "
                  "for writing without its parent", img->filename);
    goto fail;
  }
  if (s->has_parent && vhdx_open_parent(s) < 0)
    goto fail;
  /* Opened read-only and without a parent, reading is a lookup in the
   * BAT (in memory, never changed) and positional reads (through the
   * in-memory replay, which is only read): several threads may read at
   * once.  A cold-cache conversion then has as many reads in flight as
   * workers; one at a time, vhdx to raw of the benchmark disk (its
   * blocks out of order in the file) took twice as long as qemu-img -W. */
  if (!(img->flags & HVX_OPEN_WRITE) && !s->has_parent)
    img->thread_safe = true;
  return 0;

fail:
  vhdx_free(s);
  img->priv = NULL;
  return -1;
}

/* Read N bytes of payload at file offset OFF (block data). */
static int read_payload(struct vhdx *s, void *buf, size_t n, uint64_t off,
                        uint64_t blk)
{
  uint64_t size = effective_size(s);

  if (off > size || n > size - off)
    return hvx_set_error(EBADMSG, "vhdx: %s: payload block %llu data at "
                         "0x%llx extends beyond end of file (size %llu)",
                         s->img->filename, (unsigned long long)blk,
                         (unsigned long long)off, (unsigned long long)size);
  if (s->overlay)
    return vhdx_read(s, buf, n, off, "payload block");
  return hvx_file_pread(&s->img->file, buf, n, off, "vhdx payload block");
}

/* Classify block BLK: 0 ok, with *STATE set; -1 for an entry that cannot
 * be used. */
int vhdx_block_state(struct vhdx *s, uint64_t blk, unsigned *state,
                     uint64_t *off)
{
  uint64_t e = s->bat[vhdx_payload_index(s, blk)];
  unsigned st = VHDX_BAT_STATE(e);

  *off = VHDX_BAT_OFFSET(e);
  switch (st) {
  case VHDX_PAYLOAD_NOT_PRESENT:
  case VHDX_PAYLOAD_UNDEFINED:
  case VHDX_PAYLOAD_ZERO:
  case VHDX_PAYLOAD_UNMAPPED:
  case VHDX_PAYLOAD_UNMAPPED_V095:
    *state = st == VHDX_PAYLOAD_UNMAPPED_V095 ? VHDX_PAYLOAD_UNMAPPED : st;
    return 0;
  case VHDX_PAYLOAD_PARTIALLY_PRESENT:
    if (!s->has_parent)
      break;
    /* fall through */
  case VHDX_PAYLOAD_FULLY_PRESENT:
    if (*off < VHDX_MIB)
      return hvx_set_error(EBADMSG, "vhdx: %s: BAT entry of payload block "
                           "%llu is %s at offset 0x%llx, inside the header "
                           "section", s->img->filename,
                           (unsigned long long)blk, vhdx_state_name(st),
                           (unsigned long long)*off);
    *state = st;
    return 0;
  default:
    break;
  }
  return hvx_set_error(EBADMSG, "vhdx: %s: BAT entry %llu (payload block "
                       "%llu) has invalid state %u%s", s->img->filename,
                       (unsigned long long)vhdx_payload_index(s, blk),
                       (unsigned long long)blk, st,
                       st == VHDX_PAYLOAD_PARTIALLY_PRESENT ?
                       " (partially present in an image without parent)" :
                       "");
}

/* Length of the run of sectors from sector I (of N) with bit value V. */
static uint64_t bit_run(const uint8_t *bits, uint64_t i, uint64_t n, bool v)
{
  uint64_t j = i;

  while (j < n) {
    if ((j & 7) == 0 && j + 8 <= n && bits[j / 8] == (v ? 0xff : 0)) {
      j += 8;
      continue;
    }
    if (((bits[j / 8] >> (j & 7)) & 1) != v)
      break;
    j++;
  }
  return j - i;
}

int vhdx_pread(struct hvx_image *img, void *buf, size_t count,
               uint64_t offset)
{
  struct vhdx *s = img->priv;
  uint8_t *p = buf;

  while (count > 0) {
    uint64_t blk = offset / s->block_size, off;
    uint32_t in = (uint32_t)(offset % s->block_size);
    size_t n = (size_t)hvx_min_u64(count, s->block_size - in);
    unsigned st;

    if (vhdx_block_state(s, blk, &st, &off) < 0)
      return -1;
    if (st == VHDX_PAYLOAD_FULLY_PRESENT) {
      if (read_payload(s, p, n, off + in, blk) < 0)
        return -1;
    } else if (st == VHDX_PAYLOAD_PARTIALLY_PRESENT) {
      const uint8_t *bits = vhdx_bitmap_get(s, blk);
      uint64_t nsec = s->block_size / s->lss;
      size_t done = 0;
      if (!bits)
        return -1;
      while (done < n) {
        uint64_t sec = (in + done) / s->lss;
        bool v = (bits[sec / 8] >> (sec & 7)) & 1;
        uint64_t end = (sec + bit_run(bits, sec, nsec, v)) * s->lss;
        size_t m = (size_t)hvx_min_u64(end - (in + done), n - done);
        if (v ? read_payload(s, p + done, m, off + in + done, blk) :
            hvx_read_backing(img, p + done, m, offset + done) < 0)
          return -1;
        done += m;
      }
    } else if (st == VHDX_PAYLOAD_NOT_PRESENT && s->has_parent) {
      if (hvx_read_backing(img, p, n, offset) < 0)
        return -1;
    } else {
      memset(p, 0, n);
    }
    p += n;
    offset += n;
    count -= n;
  }
  return 0;
}

/* Status of one block's piece: flags, and how far it holds within the
 * block from IN (for partially present blocks, a run of sectors). */
static int piece_status(struct vhdx *s, uint64_t blk, uint32_t in,
                        unsigned *flags, uint64_t *len)
{
  unsigned st;
  uint64_t off;
  /* Without a parent opened, unallocated parts read as zeros. */
  unsigned from_parent = s->img->backing ? 0 : HVX_BS_ZERO;

  *len = s->block_size - in;
  if (vhdx_block_state(s, blk, &st, &off) < 0)
    return -1;
  switch (st) {
  case VHDX_PAYLOAD_FULLY_PRESENT:
    *flags = HVX_BS_ALLOCATED;
    break;
  case VHDX_PAYLOAD_PARTIALLY_PRESENT: {
    const uint8_t *bits = vhdx_bitmap_get(s, blk);
    uint64_t sec = in / s->lss;
    bool v;
    if (!bits)
      return -1;
    v = (bits[sec / 8] >> (sec & 7)) & 1;
    *len = (sec + bit_run(bits, sec, s->block_size / s->lss, v)) * s->lss -
           in;
    *flags = v ? HVX_BS_ALLOCATED : from_parent;
    break;
  }
  case VHDX_PAYLOAD_NOT_PRESENT:
    *flags = s->has_parent ? from_parent : HVX_BS_ZERO;
    break;
  default:
    *flags = HVX_BS_ZERO;
  }
  return 0;
}

/* The fully present blocks of the range, from the BAT (in memory). */
static void vhdx_readahead(struct hvx_image *img, uint64_t offset,
                           uint64_t length)
{
  struct vhdx *s = img->priv;
  uint64_t end = offset + length;

  while (offset < end) {
    uint64_t blk = offset / s->block_size, in = offset % s->block_size;
    uint64_t n = hvx_min_u64(end - offset, s->block_size - in);
    uint64_t e = s->bat[vhdx_payload_index(s, blk)];

    if (VHDX_BAT_STATE(e) == VHDX_PAYLOAD_FULLY_PRESENT &&
        VHDX_BAT_OFFSET(e) >= VHDX_MIB)
      hvx_file_readahead(&img->file, VHDX_BAT_OFFSET(e) + in, n);
    offset += n;
  }
}

static int vhdx_block_status(struct hvx_image *img, uint64_t offset,
                             uint64_t length, uint64_t *pnum, unsigned *flags)
{
  struct vhdx *s = img->priv;
  uint64_t done = 0;

  /* Merge consecutive pieces with the same status, so a big hole or a
   * run of allocated blocks is one extent. */
  while (done < length) {
    uint64_t pos = offset + done, len;
    unsigned f;
    if (piece_status(s, pos / s->block_size,
                     (uint32_t)(pos % s->block_size), &f, &len) < 0)
      return -1;
    if (done == 0)
      *flags = f;
    else if (f != *flags)
      break;
    done += len;
  }
  *pnum = hvx_min_u64(done, length);
  return 0;
}

static uint32_t vhdx_write_granularity(struct hvx_image *img)
{
  return ((struct vhdx *)img->priv)->block_size;
}

static void info_u64(hvx_info_fn fn, void *opaque, const char *key,
                     uint64_t v)
{
  char buf[32];
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
  fn(opaque, key, buf);
}

static void info_guid(hvx_info_fn fn, void *opaque, const char *key,
                      const vhdx_guid *g)
{
  char buf[39];
  vhdx_guid_format(g, buf, false);
  fn(opaque, key, buf);
}

static void vhdx_info(struct hvx_image *img, hvx_info_fn fn, void *opaque)
{
  struct vhdx *s = img->priv;
  char buf[160];

  fn(opaque, "subformat", s->has_parent ? "differencing" :
     s->leave_allocated ? "fixed" : "dynamic");
  info_u64(fn, opaque, "block_size", s->block_size);
  info_u64(fn, opaque, "logical_sector_size", s->lss);
  info_u64(fn, opaque, "physical_sector_size", s->pss);
  fn(opaque, "creator_app", s->creator);
  if (!s->log_dirty)
    snprintf(buf, sizeof buf, "clean");
  else
    snprintf(buf, sizeof buf, "dirty: %u log entries %s", s->log_entries,
             s->overlay ? "replayed in memory (file untouched)" :
             "replayed into the file");
  if (s->log_ignored) /* e.g. the newest entry, torn by a crash */
    snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
             "; %u incomplete entries ignored", s->log_ignored);
  fn(opaque, "log_state", buf);
  info_u64(fn, opaque, "log_size", s->hdr.log_length);
  info_u64(fn, opaque, "log_offset", s->hdr.log_offset);
  info_u64(fn, opaque, "header_sequence", s->hdr.seq);
  info_guid(fn, opaque, "log_guid", &s->hdr.log);
  info_guid(fn, opaque, "file_write_guid", &s->hdr.file_write);
  info_guid(fn, opaque, "data_write_guid", &s->hdr.data_write);
  info_guid(fn, opaque, "virtual_disk_id", &s->page83);
  for (size_t i = 0; i < s->nploc; i++) {
    char key[80];
    snprintf(key, sizeof key, "parent_locator.%s", s->ploc[i].key);
    fn(opaque, key, s->ploc[i].value);
  }
  if (img->backing)
    fn(opaque, "backing_file", img->backing->filename);
}

const struct hvx_driver hvx_driver_vhdx = {
  .name = "vhdx",
  .probe = vhdx_probe,
  .open = vhdx_open,
  .create = vhdx_create,
  .block_status = vhdx_block_status,
  .readahead = vhdx_readahead,
  .pread = vhdx_pread,
  .pwrite = vhdx_pwrite,
  .zero = vhdx_zero,
  .flush = vhdx_flush,
  .check = vhdx_check,
  .info = vhdx_info,
  .close = vhdx_close,
  .write_granularity = vhdx_write_granularity,
};
