/* hvx - OVF constants shared by the OVF reader and writer.  Internal. */
#ifndef HVX_OVF_INTERNAL_H
#define HVX_OVF_INTERNAL_H

#define OVF_NS1 "http://schemas.dmtf.org/ovf/envelope/1"
#define OVF_NS2 "http://schemas.dmtf.org/ovf/envelope/2"
#define RASD_NS "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/" \
  "CIM_ResourceAllocationSettingData"
#define VSSD_NS "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/" \
  "CIM_VirtualSystemSettingData"

/* CIM ResourceType values (DSP1041 / CIM_ResourceAllocationSettingData). */
enum {
  RT_PROCESSOR = 3,
  RT_MEMORY = 4,
  RT_IDE = 5,
  RT_SCSI = 6,
  RT_ETHERNET = 10,
  RT_FLOPPY = 14,
  RT_CD = 15,
  RT_DVD = 16,
  RT_DISK = 17,
  RT_OTHER_STORAGE = 20,
  RT_SERIAL = 21,
};

/* Disk format URIs: the ones tools write for VMDK, VHD and qcow2; hvx's
 * own URNs for the formats that have none in common use. */
static const struct {
  const char *format, *uri;
} ovf_formats[] = {
  { "vmdk", "http://www.vmware.com/interfaces/specifications/vmdk.html" },
  { "vhd", "http://technet.microsoft.com/en-us/virtualserver/bb676673.aspx" },
  { "qcow2", "http://www.gnome.org/~markmc/qcow-image-format.html" },
  { "raw", "urn:hvx:image-format:raw" },
  { "vhdx", "urn:hvx:image-format:vhdx" },
  { "qcow", "urn:hvx:image-format:qcow" },
  { "qed", "urn:hvx:image-format:qed" },
};

#endif /* HVX_OVF_INTERNAL_H */
