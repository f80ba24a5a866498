/* hvx - VMBus device classes and their GUIDs.
 *
 * The class GUIDs are the interface types the Hyper-V host offers
 * VMBus channels under; each was checked against the table in Linux's
 * include/linux/hyperv.h (the guest-side drivers match on exactly
 * these).  The Linux module names are those of drivers/hv, drivers/scsi
 * (storvsc), drivers/net/hyperv, drivers/input/serio, drivers/hid,
 * drivers/video/fbdev and drivers/pci/controller. */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "hyperv-internal.h"

static const struct {
  const char *name, *guid, *description, *driver;
} classes[HVX_VMBUS_N_CLASSES] = {
  [HVX_VMBUS_SCSI] = { "scsi", "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f",
                       "synthetic SCSI controller", "hv_storvsc" },
  [HVX_VMBUS_IDE] = { "ide", "32412632-86cb-44a2-9b5c-50d1417354f5",
                      "IDE disk accelerator", "hv_storvsc" },
  [HVX_VMBUS_NETWORK] = { "network", "f8615163-df3e-46c5-913f-f2d2f965ed0e",
                          "synthetic network adapter", "hv_netvsc" },
  [HVX_VMBUS_HEARTBEAT] = { "heartbeat",
                            "57164f39-9115-4e78-ab55-382f3bd5422d",
                            "heartbeat integration service", "hv_utils" },
  [HVX_VMBUS_SHUTDOWN] = { "shutdown",
                           "0e0b6031-5213-4934-818b-38d90ced39db",
                           "shutdown integration service", "hv_utils" },
  [HVX_VMBUS_TIMESYNC] = { "timesync",
                           "9527e630-d0ae-497b-adce-e80ab0175caf",
                           "time synchronization integration service",
                           "hv_utils" },
  [HVX_VMBUS_KVP] = { "kvp", "a9a0f4e7-5a45-4d96-b827-8a841e8c03e6",
                      "key-value pair (data exchange) integration service",
                      "hv_utils" },
  [HVX_VMBUS_VSS] = { "vss", "35fa2e29-ea23-4236-96ae-3a6ebacba440",
                      "volume shadow copy (backup) integration service",
                      "hv_utils" },
  [HVX_VMBUS_FCOPY] = { "fcopy", "34d14be3-dee4-41c8-9ae7-6b174977c192",
                        "guest services (file copy) integration service",
                        "hv_utils" },
  [HVX_VMBUS_KEYBOARD] = { "keyboard",
                           "f912ad6d-2b17-48ea-bd65-f927a61c7684",
                           "synthetic keyboard", "hyperv_keyboard" },
  [HVX_VMBUS_MOUSE] = { "mouse", "cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a",
                        "synthetic mouse (input)", "hid_hyperv" },
  [HVX_VMBUS_VIDEO] = { "video", "da0a7802-e377-4aac-8e77-0558eb1073f8",
                        "synthetic video", "hyperv_fb" },
  [HVX_VMBUS_DYNAMIC_MEMORY] = { "dynamic-memory",
                                 "525074dc-8985-46e2-8057-a307dc18a502",
                                 "dynamic memory (balloon, hot-add)",
                                 "hv_balloon" },
  [HVX_VMBUS_RDV] = { "rdv", "276aacf4-ac15-426c-98dd-7521ad3f01fe",
                      "Remote Desktop Virtualization", "" },
  [HVX_VMBUS_FIBRE_CHANNEL] = { "fibre-channel",
                                "2f9bcc4a-0069-4af3-b76b-6fd0be528cda",
                                "synthetic Fibre Channel", "hv_storvsc" },
  [HVX_VMBUS_PCIE] = { "pcie", "44c4f61d-4444-4400-9d52-802e27ede19f",
                       "PCI Express pass-through", "pci_hyperv" },
  [HVX_VMBUS_NETWORK_DIRECT] = { "network-direct",
                                 "8c2eaf3d-32a7-4b09-ab99-bd1f1c86b501",
                                 "NetworkDirect (guest RDMA)", "" },
  [HVX_VMBUS_AVMA1] = { "avma1", "f8e65716-3cb3-4a06-9a60-1889c5cccab5",
                        "automatic virtual machine activation", "" },
  [HVX_VMBUS_AVMA2] = { "avma2", "3375baf4-9e15-4b30-b765-67acb10d607b",
                        "automatic virtual machine activation", "" },
  [HVX_VMBUS_IMC] = { "imc", "c376c1c3-d276-48d2-90a9-c04748072c60",
                      "initial machine configuration (Windows only)", "" },
};

static bool known(int cls)
{
  return cls >= 0 && cls < HVX_VMBUS_N_CLASSES;
}

HVX_API const char *hvx_vmbus_class_guid(int cls)
{
  return known(cls) ? classes[cls].guid : NULL;
}

HVX_API const char *hvx_vmbus_class_name(int cls)
{
  return known(cls) ? classes[cls].name : NULL;
}

HVX_API const char *hvx_vmbus_class_description(int cls)
{
  return known(cls) ? classes[cls].description : NULL;
}

HVX_API const char *hvx_vmbus_class_linux_driver(int cls)
{
  return known(cls) ? classes[cls].driver : NULL;
}

HVX_API int hvx_vmbus_class_from_guid(const char *guid)
{
  char canon[37];
  size_t len = guid ? strlen(guid) : 0;
  const char *p = guid;

  if (len == 38 && guid[0] == '{' && guid[37] == '}') {
    p = guid + 1;
    len = 36;
  }
  if (len != 36)
    return hvx_set_error(EINVAL, "vmbus: '%.64s' is not a GUID", 
                         guid ? guid : "(null)");
  for (size_t i = 0; i < 36; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    unsigned char c = (unsigned char)p[i];
    if (dash ? c != '-' : !isxdigit(c))
      return hvx_set_error(EINVAL, "vmbus: '%.64s' is not a GUID", guid);
    canon[i] = (char)tolower(c);
  }
  canon[36] = '\0';
  for (int i = 0; i < HVX_VMBUS_N_CLASSES; i++)
    if (strcmp(classes[i].guid, canon) == 0)
      return i;
  return hvx_set_error(ENOENT, "vmbus: %s is not a known VMBus device "
                       "class", canon);
}
