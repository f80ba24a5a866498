/* hvx - the guest model's representation, shared by lib/vm*.c and the
 * guest-description formats (formats/xl*.c, formats/xenstore.c, ...).
 * Internal: everything outside goes through include/hvx/vm.h. */
#ifndef HVX_VM_INTERNAL_H
#define HVX_VM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "hvx/report.h"
#include "hvx/vm.h"
#include "internal.h"

struct hvx_extra {
  char *key, *value;
};

struct hvx_extras {
  struct hvx_extra *v;
  size_t n;
};

struct hvx_vm_disk {
  char *path;           /* NULL: empty drive */
  const char *format;   /* static name, NULL: unspecified */
  char *name;           /* the source's device name, or NULL */
  int bus;
  unsigned controller, slot, partition;
  bool readonly, cdrom;
  struct hvx_extras extras;
};

struct hvx_vm_nic {
  char *mac;            /* canonical "xx:xx:xx:xx:xx:xx", or NULL */
  char *network, *model;
  struct hvx_extras extras;
};

struct hvx_vm_serial {
  char *target;
  struct hvx_extras extras;
};

#define HVX_VM_N_EVENTS 5

struct hvx_vm {
  char *name;
  char *uuid;           /* canonical lower-case, or NULL */
  int guest_type, firmware;
  bool secure_boot;
  unsigned vcpus, max_vcpus;
  uint64_t memory, max_memory;
  char *kernel, *ramdisk, *cmdline, *bootloader, *bootloader_args;
  char *boot_order;
  int actions[HVX_VM_N_EVENTS];
  uint64_t enlightenments;
  struct hvx_extras extras;

  struct hvx_vm_disk *disks;
  size_t n_disks;
  struct hvx_vm_nic *nics;
  size_t n_nics;
  struct hvx_vm_serial *serials;
  size_t n_serials;
};

/* Append a report item with a printf-formatted message.  R may be NULL
 * (nothing is recorded).  Returns 0 or -1 (ENOMEM). */
int hvx_report_addf(hvx_report *r, int severity, const char *subject,
                    const char *advice, const char *fmt, ...)
  HVX_PRINTF(5, 6);

/* Check S as a model string: valid UTF-8, no control characters, at
 * most MAX bytes.  FIELD names it in the error (EINVAL). */
int hvx_vm_check_string(const char *s, size_t max, const char *field);

/* The extras list of an object, or NULL with EINVAL. */
struct hvx_extras *hvx_vm_extras(hvx_vm *vm, int object, size_t index);

#endif /* HVX_VM_INTERNAL_H */
