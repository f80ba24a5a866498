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
  hvx_enl_set hv_features;      /* the enlightenment map's features */
  uint32_t hv_spinlock_retries; /* with HVX_ENL_SPINLOCKS; 0: default */
  bool xen_platform;            /* the Xen platform PCI device */
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

/* ---- enlightenments (lib/vm-enl.c) ---------------------------------- */

/* Report, as items of R, what a guest offered the Hyper-V features SRC
 * loses and gains on TARGET (a name for messages: "Xen", "Hyper-V",
 * "KVM"), which offers TGT: one LOSS item per feature lost, whose reason
 * is the one in ER (a compatibility report for the target, may be NULL)
 * or else NOTE; one WARNING item listing the features gained, with
 * GAINED_ADVICE (may be NULL).  Returns 0 or -1 (ENOMEM). */
int hvx_enl_report_move(hvx_report *r, const char *target, hvx_enl_set src,
                        hvx_enl_set tgt, const struct hvx_enl_report *er,
                        const char *note, const char *gained_advice);

/* "a, b and c" for the names of the features in SET, into B. */
struct hvx_buf;
void hvx_enl_list_names(struct hvx_buf *b, hvx_enl_set set);

#endif /* HVX_VM_INTERNAL_H */
