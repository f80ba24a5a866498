/* hvx - a running Xen domain, from xenstore (through libxenstore, so it
 * reaches xenstored exactly as the xl tools do) and, where there is a
 * hypervisor, from libxenctrl.
 *
 * Layout read (as libxl writes it; docs/misc/xenstore-paths):
 *   /local/domain/D/{name,vm,memory/target,memory/static-max,cpu/N/...}
 *   /local/domain/D/device/vbd/ID/{backend,state,...}    frontends
 *   /local/domain/B/backend/vbd/D/ID/{params,type,mode,dev,device-type,
 *                                     state}             backends
 *   the same for vif, with mac, bridge, script, ...
 *   /libxl/D/type                                        pv, pvh or hvm
 * Everything read is untrusted text: numbers are parsed strictly and
 * paths are checked before they are followed.
 *
 * The store is reached through two calls, store_read and store_dir:
 * libxenstore's for a live xenstored, or a text listing's
 * (xenstore-listing.c, hvx_vm_from_xenstore_listing), so that the
 * translation of the tree into an hvx_vm is one code for both. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvx/xen.h"
#include "vm-internal.h"
#include "xenstore-listing.h"

#ifdef HAVE_XEN
#include <xenctrl.h>
#include <xenstore.h>
#endif

static const char *const xenbus_states[] = {
  "Unknown", "Initialising", "InitWait", "Initialised", "Connected",
  "Closing", "Closed", "Reconfiguring", "Reconfigured",
};
#define XENBUS_CONNECTED 4

struct xsreader {
#ifdef HAVE_XEN
  struct xs_handle *xs;
  xs_transaction_t t;
#endif
  const struct xs_listing *listing;   /* instead of a xenstored */
  unsigned domid;
  hvx_vm *vm;
  hvx_report *report;
};

/* The store's xs_read and xs_directory: NULL with errno on failure. */
static char *store_read(struct xsreader *x, const char *path, unsigned *len)
{
  if (x->listing)
    return hvx_xs_listing_read(x->listing, path, len);
#ifdef HAVE_XEN
  return xs_read(x->xs, x->t, path, len);
#else
  errno = ENOTSUP;
  return NULL;
#endif
}

static char **store_dir(struct xsreader *x, const char *path, unsigned *n)
{
  if (x->listing)
    return hvx_xs_listing_directory(x->listing, path, n);
#ifdef HAVE_XEN
  return xs_directory(x->xs, x->t, path, n);
#else
  errno = ENOTSUP;
  return NULL;
#endif
}

/* Read PATH; NULL if absent (ENOENT, no error set) or on error (set). */
static char *xsread(struct xsreader *x, const char *path)
{
  unsigned len;
  char *v;

  errno = 0;
  v = store_read(x, path, &len);
  if (!v) {
    if (errno != ENOENT)
      hvx_set_error(errno ? errno : EIO, "xenstore: reading %s: %s", path,
                    strerror(errno ? errno : EIO));
    return NULL;
  }
  if (strlen(v) != len) {
    free(v);
    hvx_set_error(EBADMSG, "xenstore: %s holds a NUL byte", path);
    errno = EBADMSG;
    return NULL;
  }
  return v;
}

/* A whole unsigned decimal at PATH into *OUT: 1, 0 if absent, -1. */
static int xsread_uint(struct xsreader *x, const char *path,
                       unsigned long long max, unsigned long long *out)
{
  char *v = xsread(x, path), *end;
  unsigned long long n;

  if (!v)
    return errno == ENOENT ? 0 : -1;
  errno = 0;
  n = strtoull(v, &end, 10);
  if (!*v || *end || errno || *v == '-' || n > max) {
    hvx_set_error(EBADMSG, "xenstore: %s is '%.32s', not a number up to "
                  "%llu", path, v, max);
    free(v);
    return -1;
  }
  free(v);
  *out = n;
  return 1;
}

static char **xsdir(struct xsreader *x, const char *path, unsigned *n)
{
  char **d;

  errno = 0;
  d = store_dir(x, path, n);
  if (!d) {
    *n = 0;
    if (errno != ENOENT)
      hvx_set_error(errno ? errno : EIO, "xenstore: listing %s: %s", path,
                    strerror(errno ? errno : EIO));
  }
  return d;
}

static int state_extra(struct xsreader *x, int object, size_t i,
                       const char *key, unsigned long long st,
                       const char *subject, const char *side)
{
  char v[48];

  snprintf(v, sizeof v, "%llu (%s)", st, st < 9 ? xenbus_states[st] : "?");
  if (hvx_vm_set_extra(x->vm, object, i, key, v) < 0)
    return -1;
  if (st != XENBUS_CONNECTED)
    return hvx_report_addf(x->report, HVX_SEVERITY_WARNING, subject,
                           "look at the device in the guest and the backend",
                           "%s state is %s, not Connected", side, v);
  return 0;
}

/* Keep the backend path and both ends' xenbus states as extras; report
 * a device that is not Connected. */
static int device_states(struct xsreader *x, int object, size_t i,
                         const char *fe, const char *be, const char *subject)
{
  char p[320];
  unsigned long long st;
  int rc;

  if (hvx_vm_set_extra(x->vm, object, i, "xs.backend", be) < 0)
    return -1;
  snprintf(p, sizeof p, "%s/state", fe);
  if ((rc = xsread_uint(x, p, 8, &st)) < 0 ||
      (rc && state_extra(x, object, i, "xs.state", st, subject,
                         "frontend") < 0))
    return -1;
  snprintf(p, sizeof p, "%s/state", be);
  if ((rc = xsread_uint(x, p, 8, &st)) < 0 ||
      (rc && state_extra(x, object, i, "xs.backend-state", st, subject,
                         "backend") < 0))
    return -1;
  return 0;
}

/* The backend directory a frontend names, checked to be
 * /local/domain/B/backend/KIND/D/ID for this domain and device. */
static char *backend_path(struct xsreader *x, const char *fe,
                          const char *kind, const char *id)
{
  char p[256], *be = NULL, tail[128];
  unsigned long long b;
  int n = 0;

  snprintf(p, sizeof p, "%s/backend", fe);
  if (!(be = xsread(x, p))) {
    if (errno == ENOENT)
      hvx_set_error(EBADMSG, "xenstore: %s is missing", p);
    return NULL;
  }
  snprintf(tail, sizeof tail, "/backend/%s/%u/%s", kind, x->domid, id);
  if (sscanf(be, "/local/domain/%llu%n", &b, &n) != 1 || b > 0x7fef ||
      strcmp(be + n, tail) != 0) {
    hvx_set_error(EBADMSG, "xenstore: %s is '%.200s', not "
                  "/local/domain/N%s", p, be, tail);
    free(be);
    return NULL;
  }
  return be;
}

/* A device ID: the decimal name of a frontend directory. */
static int device_id(const char *dir, const char *id, unsigned long long max,
                     unsigned long long *out)
{
  char *end;

  errno = 0;
  *out = strtoull(id, &end, 10);
  if (!*id || *end || errno || *id == '-' || *id == '+' || *out > max)
    return hvx_set_error(EBADMSG, "xenstore: %s/%.64s: not a device number",
                         dir, id);
  return 0;
}

static const char *const known_formats[] = {
  "raw", "qcow", "qcow2", "vhd", "qed",
};

static int read_vbd(struct xsreader *x, const char *dir, const char *id)
{
  char fe[256], p[320], subject[64], name[16];
  char *be = NULL, *params = NULL, *type = NULL, *mode = NULL, *dev = NULL,
       *devtype = NULL;
  unsigned long long num;
  unsigned disk, part;
  int bus, i, rc = -1;
  uint32_t n2;

  if (device_id(dir, id, 0x7fffffff, &num) < 0)
    return -1;
  if (hvx_vbd_decode((uint32_t)num, &bus, &disk, &part) < 0) {
    hvx_prefix_error("xenstore: %s/%s", dir, id);
    return -1;
  }
  hvx_vbd_name((uint32_t)num, name, sizeof name);
  snprintf(subject, sizeof subject, "disk %s", name);
  snprintf(fe, sizeof fe, "%s/%s", dir, id);
  if (!(be = backend_path(x, fe, "vbd", id)))
    return -1;
#define READ(var, key)                                     \
  snprintf(p, sizeof p, "%s/" key, be);                    \
  if (!(var = xsread(x, p)) && errno != ENOENT)            \
    goto out;
  READ(params, "params");
  READ(type, "type");
  READ(mode, "mode");
  READ(dev, "dev");
  READ(devtype, "device-type");
#undef READ
  if ((i = hvx_vm_add_disk(x->vm)) < 0)
    goto out;
  if (bus == HVX_BUS_IDE)
    rc = hvx_vm_disk_set_address(x->vm, (size_t)i, bus, disk / 2, disk % 2,
                                 part);
  else
    rc = hvx_vm_disk_set_address(x->vm, (size_t)i, bus, 0, disk, part);
  rc = rc < 0 ? -1 : hvx_vm_disk_set_name(x->vm, (size_t)i, name);
  if (rc < 0)
    goto out;
  rc = -1;
  if (dev && (hvx_vbd_parse(dev, &n2) < 0 || n2 != num)) {
    hvx_clear_error();
    if (hvx_report_addf(x->report, HVX_SEVERITY_WARNING, subject, NULL,
                        "the backend calls it '%.64s', which is not device "
                        "%llu", dev, num) < 0)
      goto out;
  }
  if (devtype && strcmp(devtype, "cdrom") == 0)
    hvx_vm_disk_set_cdrom(x->vm, (size_t)i, 1);
  /* mode is "w" (read-write) or "r"; anything else is read-only. */
  hvx_vm_disk_set_readonly(x->vm, (size_t)i, !(mode && strchr(mode, 'w')));
  if (params && *params) {
    /* qdisk backends hold "FORMAT:PATH"; phy ones the path itself. */
    const char *path = params, *fmt = NULL;
    char *colon = strchr(params, ':');
    if (colon && (!type || strcmp(type, "phy") != 0)) {
      for (size_t k = 0; k < sizeof known_formats / sizeof *known_formats;
           k++)
        if ((size_t)(colon - params) == strlen(known_formats[k]) &&
            strncmp(params, known_formats[k], (size_t)(colon - params)) == 0)
          fmt = known_formats[k];
      if (fmt || strncmp(params, "aio:", 4) == 0)
        path = colon + 1;
    }
    if (type && strcmp(type, "phy") == 0)
      fmt = "raw";
    if ((*path && hvx_vm_disk_set_path(x->vm, (size_t)i, path) < 0) ||
        (fmt && hvx_vm_disk_set_format(x->vm, (size_t)i, fmt) < 0)) {
      hvx_prefix_error("xenstore: %s/params", be);
      goto out;
    }
  } else if (!hvx_vm_disk_cdrom(x->vm, (size_t)i)) {
    hvx_set_error(EBADMSG, "xenstore: %s/params: a disk without an image",
                  be);
    goto out;
  }
  if (type && (strcmp(type, "phy") == 0 || strcmp(type, "qdisk") == 0 ||
               strcmp(type, "tap") == 0 || strcmp(type, "standalone") == 0) &&
      hvx_vm_set_extra(x->vm, HVX_OBJECT_DISK, (size_t)i, "xl.backendtype",
                       type) < 0)
    goto out;
  rc = device_states(x, HVX_OBJECT_DISK, (size_t)i, fe, be, subject);
out:
  free(be);
  free(params);
  free(type);
  free(mode);
  free(dev);
  free(devtype);
  return rc;
}

static int read_vif(struct xsreader *x, const char *dir, const char *id)
{
  static const char *const keep[] = { "script", "vifname", "ip", "rate",
                                      "type", "mtu" };
  char fe[256], p[320], subject[64], key[32];
  char *be = NULL, *mac = NULL, *bridge = NULL, *v;
  unsigned long long num;
  int i, rc = -1;

  if (device_id(dir, id, 0xffff, &num) < 0)
    return -1;
  snprintf(subject, sizeof subject, "nic %llu", num);
  snprintf(fe, sizeof fe, "%s/%s", dir, id);
  if (!(be = backend_path(x, fe, "vif", id)))
    return -1;
  if ((i = hvx_vm_add_nic(x->vm)) < 0)
    goto out;
  snprintf(p, sizeof p, "%s/mac", fe);
  if (!(mac = xsread(x, p)) && errno != ENOENT)
    goto out;
  if (!mac) {
    snprintf(p, sizeof p, "%s/mac", be);
    if (!(mac = xsread(x, p)) && errno != ENOENT)
      goto out;
  }
  if (mac && hvx_vm_nic_set_mac(x->vm, (size_t)i, mac) < 0) {
    hvx_prefix_error("xenstore: %s", p);
    goto out;
  }
  snprintf(p, sizeof p, "%s/bridge", be);
  if (!(bridge = xsread(x, p)) && errno != ENOENT)
    goto out;
  if (bridge && hvx_vm_nic_set_network(x->vm, (size_t)i, bridge) < 0) {
    hvx_prefix_error("xenstore: %s", p);
    goto out;
  }
  for (size_t k = 0; k < sizeof keep / sizeof *keep; k++) {
    snprintf(p, sizeof p, "%s/%s", be, keep[k]);
    if (!(v = xsread(x, p))) {
      if (errno != ENOENT)
        goto out;
      continue;
    }
    snprintf(key, sizeof key, "xl.%s", keep[k]);
    rc = hvx_vm_set_extra(x->vm, HVX_OBJECT_NIC, (size_t)i, key, v);
    free(v);
    if (rc < 0) {
      hvx_prefix_error("xenstore: %s", p);
      goto out;
    }
    rc = -1;
  }
  rc = device_states(x, HVX_OBJECT_NIC, (size_t)i, fe, be, subject);
out:
  free(be);
  free(mac);
  free(bridge);
  return rc;
}

static int by_number(const void *a, const void *b)
{
  unsigned long long x = strtoull(*(char *const *)a, NULL, 10);
  unsigned long long y = strtoull(*(char *const *)b, NULL, 10);
  return x < y ? -1 : x > y;
}

static int read_devices(struct xsreader *x, const char *kind,
                        int (*fn)(struct xsreader *, const char *,
                                  const char *))
{
  char dir[128];
  unsigned n;
  char **ids;
  unsigned long long id;
  int rc = 0;

  snprintf(dir, sizeof dir, "/local/domain/%u/device/%s", x->domid, kind);
  ids = xsdir(x, dir, &n);
  if (!ids)
    return errno == ENOENT ? 0 : -1;
  if (n > HVX_VM_MAX_DEVICES)
    rc = hvx_set_error(EFBIG, "xenstore: %s has %u devices (at most %u)",
                       dir, n, HVX_VM_MAX_DEVICES);
  /* Devices in device-number order, whatever order xenstored lists. */
  for (unsigned k = 0; rc == 0 && k < n; k++)
    rc = device_id(dir, ids[k], 0x7fffffff, &id);
  if (rc == 0)
    qsort(ids, n, sizeof *ids, by_number);
  for (unsigned k = 0; rc == 0 && k < n; k++)
    rc = fn(x, dir, ids[k]);
  free(ids);
  return rc;
}

static int read_domain(struct xsreader *x)
{
  char p[128], *v;
  unsigned long long kib, n;
  unsigned count, online = 0;
  char **cpus;
  int rc;

  snprintf(p, sizeof p, "/local/domain/%u", x->domid);
  if ((cpus = xsdir(x, p, &count)) == NULL) {
    if (errno == ENOENT)
      return hvx_set_error(ENOENT, "xenstore: no domain %u (no %s)",
                           x->domid, p);
    return -1;
  }
  free(cpus);
  snprintf(p, sizeof p, "/local/domain/%u/name", x->domid);
  if ((v = xsread(x, p))) {
    rc = hvx_vm_set_name(x->vm, *v ? v : NULL);
    free(v);
    if (rc < 0) {
      hvx_prefix_error("xenstore: %s", p);
      return -1;
    }
  } else if (errno != ENOENT) {
    return -1;
  }
  /* vm = "/vm/UUID" */
  snprintf(p, sizeof p, "/local/domain/%u/vm", x->domid);
  if ((v = xsread(x, p))) {
    rc = strncmp(v, "/vm/", 4) == 0 ? hvx_vm_set_uuid(x->vm, v + 4) : -1;
    if (rc < 0)
      hvx_set_error(EBADMSG, "xenstore: %s is '%.64s', not /vm/UUID", p, v);
    free(v);
    if (rc < 0)
      return -1;
  } else if (errno != ENOENT) {
    return -1;
  }
  snprintf(p, sizeof p, "/libxl/%u/type", x->domid);
  if ((v = xsread(x, p))) {
    int t = strcmp(v, "unspecified") ? hvx_guest_type_from_name(v) : -1;
    if (t < 0)
      hvx_set_error(EBADMSG, "xenstore: %s is '%.32s', not pv, pvh or hvm", p,
                    v);
    free(v);
    if (t < 0 || hvx_vm_set_guest_type(x->vm, t) < 0)
      return -1;
  } else if (errno != ENOENT) {
    return -1;
  }
  /* Memory in KiB: the balloon target, and the static maximum. */
  snprintf(p, sizeof p, "/local/domain/%u/memory/target", x->domid);
  if ((rc = xsread_uint(x, p, HVX_VM_MAX_MEMORY >> 10, &kib)) < 0)
    return -1;
  if (rc) {
    if (kib % 1024 && hvx_report_addf(x->report, HVX_SEVERITY_INFO, "guest",
                                      NULL, "memory target %llu KiB rounded "
                                      "down to whole MiB", kib) < 0)
      return -1;
    hvx_vm_set_memory(x->vm, (kib >> 10) << 20);
  }
  snprintf(p, sizeof p, "/local/domain/%u/memory/static-max", x->domid);
  if ((rc = xsread_uint(x, p, HVX_VM_MAX_MEMORY >> 10, &kib)) < 0)
    return -1;
  if (rc)
    hvx_vm_set_max_memory(x->vm, (kib >> 10) << 20);
  /* cpu/N/availability = online | offline */
  snprintf(p, sizeof p, "/local/domain/%u/cpu", x->domid);
  cpus = xsdir(x, p, &count);
  if (!cpus && errno != ENOENT)
    return -1;
  if (count > HVX_VM_MAX_VCPUS) {
    free(cpus);
    return hvx_set_error(EFBIG, "xenstore: %s lists %u vCPUs (at most %u)",
                         p, count, HVX_VM_MAX_VCPUS);
  }
  for (unsigned k = 0; k < count; k++) {
    char q[192];
    if (device_id(p, cpus[k], HVX_VM_MAX_VCPUS, &n) < 0) {
      free(cpus);
      return -1;
    }
    snprintf(q, sizeof q, "%s/%s/availability", p, cpus[k]);
    if (!(v = xsread(x, q)) && errno != ENOENT) {
      free(cpus);
      return -1;
    }
    online += v && strcmp(v, "online") == 0;
    free(v);
  }
  free(cpus);
  if (count) {
    hvx_vm_set_vcpus(x->vm, online ? online : count);
    hvx_vm_set_max_vcpus(x->vm, count);
  }
  if (read_devices(x, "vbd", read_vbd) < 0 ||
      read_devices(x, "vif", read_vif) < 0)
    return -1;
  return hvx_report_addf(x->report, HVX_SEVERITY_INFO, "guest",
                         "firmware, boot and enlightenments are not in "
                         "xenstore: take them from the domain's xl.cfg",
                         "read from xenstore: the running domain's devices, "
                         "memory and vCPUs only");
}

/* A domain id xenstore can hold. */
static int check_domid(unsigned domid)
{
  if (domid > 0x7fef)
    return hvx_set_error(EINVAL, "xenstore: %u is not a domain id (0 to "
                         "32751)", domid);
  return 0;
}

/* Read domain X->domid into a new X->vm, validated: 0 or -1 (X->vm
 * freed). */
static int read_validated(struct xsreader *x)
{
  int rc = -1;

  if ((x->vm = hvx_vm_new()) && (rc = read_domain(x)) == 0 &&
      (rc = hvx_vm_validate(x->vm)) < 0)
    hvx_prefix_error("xenstore: domain %u", x->domid);
  if (rc < 0) {
    hvx_vm_free(x->vm);
    x->vm = NULL;
  }
  return rc;
}

HVX_API hvx_vm *hvx_vm_from_xenstore_listing(const char *text, size_t len,
                                             unsigned domid,
                                             hvx_report *report)
{
  struct xs_listing l;
  struct xsreader x = { .listing = &l, .domid = domid, .report = report };

  if (check_domid(domid) < 0 || hvx_xs_listing_parse(&l, text, len) < 0)
    return NULL;
  read_validated(&x);
  hvx_xs_listing_free(&l);
  return x.vm;
}

#ifdef HAVE_XEN

HVX_API hvx_vm *hvx_vm_from_xenstore(unsigned domid, hvx_report *report)
{
  struct xsreader x = { .domid = domid, .report = report };
  const char *sock = getenv("XENSTORED_PATH");

  if (check_domid(domid) < 0)
    return NULL;
  if (!(x.xs = xs_open(0))) {
    int e = errno ? errno : EIO;
    hvx_set_error(e, "xenstore: cannot reach xenstored (socket %s%s, nor "
                  "the xenbus device): %s", sock ? sock :
                  getenv("XENSTORED_RUNDIR") ? getenv("XENSTORED_RUNDIR") :
                  "/var/run/xenstored", sock ? "" : "/socket", strerror(e));
    return NULL;
  }
  /* One transaction: a consistent picture of a domain that may change. */
  x.t = xs_transaction_start(x.xs);
  if (x.t == XBT_NULL) {
    hvx_set_error(errno ? errno : EIO, "xenstore: cannot start a "
                  "transaction: %s", strerror(errno ? errno : EIO));
    xs_close(x.xs);
    return NULL;
  }
  read_validated(&x);
  xs_transaction_end(x.xs, x.t, true);
  xs_close(x.xs);
  return x.vm;
}

/* ---- the hypervisor ------------------------------------------------- */

/* libxenctrl logs to stderr unless given a logger; the library must not
 * print, so its messages go nowhere (the error says what failed). */
static void quiet_vmessage(struct xentoollog_logger *l, xentoollog_level lv,
                           int errnoval, const char *context,
                           const char *format, va_list al)
{
}

static void quiet_destroy(struct xentoollog_logger *l)
{
}

HVX_API int hvx_xen_domain_info(unsigned domid,
                                struct hvx_xen_domain_info *info)
{
  xentoollog_logger quiet = { quiet_vmessage, NULL, quiet_destroy };
  xc_interface *xch;
  xc_dominfo_t di;
  int n;

  if (!info)
    return hvx_set_error(EINVAL, "xenctrl: NULL info");
  if (domid > 0x7fef)
    return hvx_set_error(EINVAL, "xenctrl: %u is not a domain id", domid);
  if (access("/dev/xen/privcmd", F_OK) != 0 &&
      access("/proc/xen/privcmd", F_OK) != 0)
    return hvx_set_error(ENOTSUP, "xenctrl: not running on a Xen host (no "
                         "/dev/xen/privcmd or /proc/xen/privcmd)");
  xch = xc_interface_open(&quiet, &quiet, 0);
  if (!xch)
    return hvx_set_error(errno == EACCES || errno == EPERM ? EACCES :
                         ENOTSUP, "xenctrl: cannot open the hypervisor "
                         "interface: %s", strerror(errno));
  n = xc_domain_getinfo(xch, domid, 1, &di);
  xc_interface_close(xch);
  if (n < 1 || di.domid != domid)
    return hvx_set_error(ENOENT, "xenctrl: no domain %u", domid);
  memset(info, 0, sizeof *info);
  info->domid = di.domid;
  info->guest_type = di.hvm ? HVX_GUEST_HVM : HVX_GUEST_PV;
  info->max_vcpu_id = di.max_vcpu_id;
  info->online_vcpus = di.nr_online_vcpus;
  info->memory_bytes = (uint64_t)di.nr_pages * 4096;
  info->max_memory_bytes = (uint64_t)di.max_memkb * 1024;
  info->running = di.running;
  info->paused = di.paused;
  info->shutdown = di.shutdown;
  info->dying = di.dying;
  return 0;
}

#else /* !HAVE_XEN */

HVX_API hvx_vm *hvx_vm_from_xenstore(unsigned domid, hvx_report *report)
{
  (void)domid;
  (void)report;
  hvx_set_error(ENOTSUP, "xenstore: hvx was built without libxenstore");
  return NULL;
}

HVX_API int hvx_xen_domain_info(unsigned domid,
                                struct hvx_xen_domain_info *info)
{
  return hvx_set_error(ENOTSUP, "xenctrl: hvx was built without "
                       "libxenctrl");
}

#endif /* HAVE_XEN */

HVX_API int hvx_vm_add_domain_info(hvx_vm *vm, unsigned domid)
{
  struct hvx_xen_domain_info info;

  if (!vm)
    return hvx_set_error(EINVAL, "xenctrl: NULL guest");
  if (hvx_xen_domain_info(domid, &info) < 0)
    return -1;
  if (!vm->guest_type)
    vm->guest_type = info.guest_type;
  if (!vm->vcpus)
    vm->vcpus = info.online_vcpus;
  if (!vm->max_vcpus)
    vm->max_vcpus = info.max_vcpu_id + 1;
  if (!vm->memory && info.memory_bytes <= HVX_VM_MAX_MEMORY)
    vm->memory = info.memory_bytes >> 20 << 20;
  if (!vm->max_memory && info.max_memory_bytes <= HVX_VM_MAX_MEMORY)
    vm->max_memory = info.max_memory_bytes >> 20 << 20;
  return 0;
}
