/* hvx - Hyper-V interface tables: call codes, HV_STATUS, synthetic MSRs
 * and the named bits of the hypervisor CPUID leaves.
 *
 * Call codes, classes and parameter sizes come from the TLFS hypercall
 * reference pages (virtualization/hyper-v-on-windows/tlfs/hypercalls/
 * in MicrosoftDocs/Virtualization-Documentation): "Call Code" gives code
 * and simple/rep, the Input/Output Parameters tables give the sizes
 * (padded to 8 bytes, as the TLFS requires).  Codes that only Linux's
 * include/hyperv/hvgdk_mini.h names are marked LINUX_ONLY with class and
 * sizes unknown.  HV_STATUS values are Linux's list (the TLFS markdown no
 * longer lists them).  The CPUID bit names are the TLFS names
 * (feature-discovery.md, datatypes/hv_partition_privilege_mask.md);
 * bits the TLFS calls reserved but Linux, Xen or the `cpuid` tool (Todd
 * Allen's, which decodes these leaves too) name are included with those
 * names; tests/interop-hypercall-cpuid.sh checks bit positions against
 * that tool.
 */
#include "config.h"

#include "hyperv-tables.h"

#define U HVX_HV_SIZE_UNKNOWN
#define S HVX_HV_SIMPLE
#define R HVX_HV_REP
#define Q HVX_HV_CLASS_UNKNOWN
#define VAR HVX_HV_CALL_VAR_HEADER
#define PAGE HVX_HV_CALL_TLFS_PAGE
#define LNX HVX_HV_CALL_LINUX_ONLY
#define XEN HVX_HV_CALL_XEN
#define XENF (HVX_HV_CALL_XEN | HVX_HV_CALL_XEN_FAST)

/* code, name, class, flags, in_fixed, in_elem, out_fixed, out_elem.
 * Notes on sizes the tables leave implicit:
 * - the Ex calls' HV_VP_SET: its Format and ValidBanksMask (16 bytes)
 *   are fixed header, the bank words are the variable header (Linux
 *   passes varhead_size = number of banks);
 * - HvCallSendSyntheticClusterIpi's ProcessorMask is a UINT64 (the page's
 *   table says 1 byte, its offset and the interface say 8);
 * - HvCallEnableVpVtl/StartVirtualProcessor: the x64 context (224 bytes);
 * - Xen's viridian serves 0x0002/3/8/B/13/14/15 and refuses the fast
 *   convention for the flushes and SendSyntheticClusterIpiEx
 *   (xen/arch/x86/hvm/viridian/viridian.c). */
const struct hvx_hv_call hvx_hv_call_table[] = {
  { 0x0001, "HvCallSwitchVirtualAddressSpace", S, 0, U, 0, U, 0 },
  { 0x0002, "HvCallFlushVirtualAddressSpace", S, PAGE | XEN, 24, 0, 0, 0 },
  { 0x0003, "HvCallFlushVirtualAddressList", R, PAGE | XEN, 24, 8, 0, 0 },
  { 0x0008, "HvCallNotifyLongSpinWait", S, PAGE | XENF, 8, 0, 0, 0 },
  { 0x000B, "HvCallSendSyntheticClusterIpi", S, PAGE | XENF, 16, 0, 0, 0 },
  { 0x000C, "HvCallModifyVtlProtectionMask", R, PAGE, 16, 8, 0, 0 },
  { 0x000D, "HvCallEnablePartitionVtl", S, PAGE, 16, 0, 0, 0 },
  { 0x000F, "HvCallEnableVpVtl", S, PAGE, 240, 0, 0, 0 },
  { 0x0011, "HvCallVtlCall", S, PAGE, 0, 0, 0, 0 },
  { 0x0012, "HvCallVtlReturn", S, PAGE, 0, 0, 0, 0 },
  { 0x0013, "HvCallFlushVirtualAddressSpaceEx", S, PAGE | VAR | XEN,
    32, 0, 0, 0 },
  { 0x0014, "HvCallFlushVirtualAddressListEx", R, PAGE | VAR | XEN,
    32, 8, 0, 0 },
  { 0x0015, "HvCallSendSyntheticClusterIpiEx", S, PAGE | VAR | XEN,
    24, 0, 0, 0 },
  { 0x0040, "HvCallCreatePartition", S, PAGE, U, 0, 8, 0 },
  { 0x0041, "HvCallInitializePartition", S, PAGE, 8, 0, 0, 0 },
  { 0x0042, "HvCallFinalizePartition", S, PAGE, 8, 0, 0, 0 },
  { 0x0043, "HvCallDeletePartition", S, PAGE, 8, 0, 0, 0 },
  { 0x0044, "HvCallGetPartitionProperty", S, PAGE, 16, 0, 8, 0 },
  { 0x0045, "HvCallSetPartitionProperty", S, PAGE, 24, 0, 0, 0 },
  { 0x0046, "HvCallGetPartitionId", Q, LNX, U, 0, U, 0 },
  { 0x0047, "HvCallGetNextChildPartition", S, PAGE, 16, 0, 8, 0 },
  { 0x0048, "HvCallDepositMemory", R, PAGE, 8, 8, 0, 0 },
  { 0x0049, "HvCallWithdrawMemory", R, PAGE, 16, 0, 0, 8 },
  { 0x004A, "HvCallGetMemoryBalance", S, PAGE, 16, 0, 16, 0 },
  { 0x004B, "HvCallMapGpaPages", R, PAGE, 24, 8, 0, 0 },
  { 0x004C, "HvCallUnmapGpaPages", R, PAGE, 24, 0, 0, 0 },
  { 0x004D, "HvCallInstallIntercept", S, PAGE, 24, 0, 0, 0 },
  { 0x004E, "HvCallCreateVp", S, PAGE, 40, 0, 0, 0 },
  { 0x004F, "HvCallDeleteVp", S, PAGE, 16, 0, 0, 0 },
  { 0x0050, "HvCallGetVpRegisters", R, PAGE, 16, 4, 0, 16 },
  { 0x0051, "HvCallSetVpRegisters", R, PAGE, 16, 32, 0, 0 },
  { 0x0052, "HvCallTranslateVirtualAddress", S, PAGE, 32, 0, 16, 0 },
  { 0x0056, "HvCallClearVirtualInterrupt", Q, LNX, U, 0, U, 0 },
  { 0x0058, "HvCallDeletePort", S, PAGE, 16, 0, 0, 0 },
  { 0x005B, "HvCallDisconnectPort", S, PAGE, 16, 0, 0, 0 },
  { 0x005C, "HvCallPostMessage", S, PAGE, 256, 0, 0, 0 },
  { 0x005D, "HvCallSignalEvent", S, PAGE, 8, 0, 0, 0 },
  { 0x0069, "HvCallPostDebugData", Q, LNX, U, 0, U, 0 },
  { 0x006A, "HvCallRetrieveDebugData", Q, LNX, U, 0, U, 0 },
  { 0x006B, "HvCallResetDebugSession", Q, LNX, U, 0, U, 0 },
  { 0x006C, "HvCallMapStatsPage", Q, LNX, U, 0, U, 0 },
  { 0x006D, "HvCallUnmapStatsPage", S, PAGE, 24, 0, 0, 0 },
  { 0x006E, "HvCallMapSparseGpaPages", R, PAGE, 16, U, 0, 0 },
  { 0x0076, "HvCallAddLogicalProcessor", Q, LNX, U, 0, U, 0 },
  { 0x007B, "HvCallGetSystemProperty", Q, LNX, U, 0, U, 0 },
  { 0x007C, "HvCallMapDeviceInterrupt", Q, LNX, U, 0, U, 0 },
  { 0x007D, "HvCallUnmapDeviceInterrupt", Q, LNX, U, 0, U, 0 },
  { 0x007E, "HvCallRetargetDeviceInterrupt", S, PAGE, 56, 0, 0, 0 },
  { 0x008B, "HvCallNotifyPortRingEmpty", Q, LNX, U, 0, U, 0 },
  { 0x0090, "HvCallModifySparseGpaPages", R, PAGE, 16, 8, 0, 0 },
  { 0x0091, "HvCallRegisterInterceptResult", S, PAGE | VAR, 16, 0, 0, 0 },
  { 0x0092, "HvCallUnregisterInterceptResult", S, PAGE | VAR, 16, 0, 0, 0 },
  { 0x0094, "HvCallAssertVirtualInterrupt", S, PAGE, 32, 0, 0, 0 },
  { 0x0095, "HvCallCreatePort", S, PAGE, 56, 0, 0, 0 },
  { 0x0096, "HvCallConnectPort", S, PAGE, 72, 0, 0, 0 },
  { 0x0099, "HvCallStartVirtualProcessor", S, PAGE, 240, 0, 0, 0 },
  { 0x009A, "HvCallGetVpIndexFromApicId", R, PAGE, 16, 8, 0, 8 },
  { 0x00AC, "HvCallTranslateVirtualAddressEx", S, PAGE, 32, 0, 24, 0 },
  { 0x00AD, "HvCallCheckForIoIntercept", S, PAGE, 24, 0, 8, 0 },
  { 0x00AF, "HvCallFlushGuestPhysicalAddressSpace", S, PAGE, 16, 0, 0, 0 },
  { 0x00B0, "HvCallFlushGuestPhysicalAddressList", R, PAGE, 16, 8, 0, 0 },
  { 0x00C0, "HvCallSignalEventDirect", S, PAGE, 16, 0, 8, 0 },
  { 0x00C1, "HvCallPostMessageDirect", S, PAGE, 256, 0, 0, 0 },
  { 0x00C2, "HvCallDispatchVp", Q, LNX, U, 0, U, 0 },
  { 0x00C9, "HvCallGetGpaPagesAccessStates", Q, LNX, U, 0, U, 0 },
  { 0x00D7, "HvCallAcquireSparseSpaPageHostAccess", Q, LNX, U, 0, U, 0 },
  { 0x00D8, "HvCallReleaseSparseSpaPageHostAccess", Q, LNX, U, 0, U, 0 },
  { 0x00DB, "HvCallModifySparseGpaPageHostVisibility", Q, LNX,
    U, 0, U, 0 },
  { 0x00E1, "HvCallMapVpStatePage", S, PAGE, 24, 0, 8, 0 },
  { 0x00E2, "HvCallUnmapVpStatePage", S, PAGE, 16, 0, 0, 0 },
  { 0x00E3, "HvCallGetVpState", Q, LNX, U, 0, U, 0 },
  { 0x00E4, "HvCallSetVpState", Q, LNX, U, 0, U, 0 },
  { 0x00E5, "HvCallGetVpSetFromMda", S, PAGE, 24, 0, 4104, 0 },
  { 0x00F4, "HvCallGetVpCpuidValues", R, PAGE, 0, 32, 0, 16 },
  { 0x0106, "HvCallMmioRead", Q, LNX, U, 0, U, 0 },
  { 0x0107, "HvCallMmioWrite", Q, LNX, U, 0, U, 0 },
  { 0x010A, "HvCallSetPartitionPropertyEx", S, PAGE | VAR, 24, 0, 0, 0 },
  { 0x0110, "HvCallInstallInterceptEx", R, PAGE | VAR, 48, 0, 0, 0 },
  { 0x011F, "HvCallSetVirtualInterruptTarget", S, PAGE, 24, 0, 0, 0 },
  { 0x0131, "HvCallMapStatsPage2", S, PAGE, 32, 0, 0, 0 },
  { 0x8001, "HvExtCallQueryCapabilities", S, PAGE, 0, 0, 8, 0 },
  { 0x8002, "HvExtCallGetBootZeroedMemory", S, PAGE, 0, 0, 4088, 0 },
  { 0x8003, "HvExtCallMemoryHeatHint", S, 0, U, 0, U, 0 },
  { 0x8004, "HvExtCallEpfSetup", S, 0, U, 0, U, 0 },
  { 0x8006, "HvExtCallMemoryHeatHintAsync", S, 0, U, 0, U, 0 },
};
const size_t hvx_hv_call_count =
  sizeof hvx_hv_call_table / sizeof hvx_hv_call_table[0];

const struct hvx_hv_status hvx_hv_status_table[] = {
  { 0x0000, "HV_STATUS_SUCCESS" },
  { 0x0002, "HV_STATUS_INVALID_HYPERCALL_CODE" },
  { 0x0003, "HV_STATUS_INVALID_HYPERCALL_INPUT" },
  { 0x0004, "HV_STATUS_INVALID_ALIGNMENT" },
  { 0x0005, "HV_STATUS_INVALID_PARAMETER" },
  { 0x0006, "HV_STATUS_ACCESS_DENIED" },
  { 0x0007, "HV_STATUS_INVALID_PARTITION_STATE" },
  { 0x0008, "HV_STATUS_OPERATION_DENIED" },
  { 0x0009, "HV_STATUS_UNKNOWN_PROPERTY" },
  { 0x000A, "HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE" },
  { 0x000B, "HV_STATUS_INSUFFICIENT_MEMORY" },
  { 0x000D, "HV_STATUS_INVALID_PARTITION_ID" },
  { 0x000E, "HV_STATUS_INVALID_VP_INDEX" },
  { 0x0010, "HV_STATUS_NOT_FOUND" },
  { 0x0011, "HV_STATUS_INVALID_PORT_ID" },
  { 0x0012, "HV_STATUS_INVALID_CONNECTION_ID" },
  { 0x0013, "HV_STATUS_INSUFFICIENT_BUFFERS" },
  { 0x0014, "HV_STATUS_NOT_ACKNOWLEDGED" },
  { 0x0015, "HV_STATUS_INVALID_VP_STATE" },
  { 0x001D, "HV_STATUS_NO_RESOURCES" },
  { 0x0020, "HV_STATUS_PROCESSOR_FEATURE_NOT_SUPPORTED" },
  { 0x0041, "HV_STATUS_INVALID_LP_INDEX" },
  { 0x0050, "HV_STATUS_INVALID_REGISTER_VALUE" },
  { 0x0071, "HV_STATUS_OPERATION_FAILED" },
  { 0x0078, "HV_STATUS_TIME_OUT" },
  { 0x0079, "HV_STATUS_CALL_PENDING" },
  { 0x0086, "HV_STATUS_VTL_ALREADY_ENABLED" },
};
const size_t hvx_hv_status_count =
  sizeof hvx_hv_status_table / sizeof hvx_hv_status_table[0];

const struct hvx_hv_msr hvx_hv_msr_table[] = {
  { 0x40000000, "HV_X64_MSR_GUEST_OS_ID", "hypercall" },
  { 0x40000001, "HV_X64_MSR_HYPERCALL", "hypercall" },
  { 0x40000002, "HV_X64_MSR_VP_INDEX", "vp-index" },
  { 0x40000003, "HV_X64_MSR_RESET", "reset" },
  { 0x40000010, "HV_X64_MSR_VP_RUNTIME", "vp-runtime" },
  { 0x40000020, "HV_X64_MSR_TIME_REF_COUNT", "time-ref-count" },
  { 0x40000021, "HV_X64_MSR_REFERENCE_TSC", "reference-tsc" },
  { 0x40000022, "HV_X64_MSR_TSC_FREQUENCY", "frequency" },
  { 0x40000023, "HV_X64_MSR_APIC_FREQUENCY", "frequency" },
  { 0x40000070, "HV_X64_MSR_EOI", "apic" },
  { 0x40000071, "HV_X64_MSR_ICR", "apic" },
  { 0x40000072, "HV_X64_MSR_TPR", "apic" },
  { 0x40000073, "HV_X64_MSR_VP_ASSIST_PAGE", "apic" },
  { 0x40000080, "HV_X64_MSR_SCONTROL", "synic" },
  { 0x40000081, "HV_X64_MSR_SVERSION", "synic" },
  { 0x40000082, "HV_X64_MSR_SIEFP", "synic" },
  { 0x40000083, "HV_X64_MSR_SIMP", "synic" },
  { 0x40000084, "HV_X64_MSR_EOM", "synic" },
  { 0x40000085, "HV_X64_MSR_SIRBP", "synic" },
  { 0x40000090, "HV_X64_MSR_SINT0", "synic" },
  { 0x40000091, "HV_X64_MSR_SINT1", "synic" },
  { 0x40000092, "HV_X64_MSR_SINT2", "synic" },
  { 0x40000093, "HV_X64_MSR_SINT3", "synic" },
  { 0x40000094, "HV_X64_MSR_SINT4", "synic" },
  { 0x40000095, "HV_X64_MSR_SINT5", "synic" },
  { 0x40000096, "HV_X64_MSR_SINT6", "synic" },
  { 0x40000097, "HV_X64_MSR_SINT7", "synic" },
  { 0x40000098, "HV_X64_MSR_SINT8", "synic" },
  { 0x40000099, "HV_X64_MSR_SINT9", "synic" },
  { 0x4000009A, "HV_X64_MSR_SINT10", "synic" },
  { 0x4000009B, "HV_X64_MSR_SINT11", "synic" },
  { 0x4000009C, "HV_X64_MSR_SINT12", "synic" },
  { 0x4000009D, "HV_X64_MSR_SINT13", "synic" },
  { 0x4000009E, "HV_X64_MSR_SINT14", "synic" },
  { 0x4000009F, "HV_X64_MSR_SINT15", "synic" },
  { 0x400000B0, "HV_X64_MSR_STIMER0_CONFIG", "stimer" },
  { 0x400000B1, "HV_X64_MSR_STIMER0_COUNT", "stimer" },
  { 0x400000B2, "HV_X64_MSR_STIMER1_CONFIG", "stimer" },
  { 0x400000B3, "HV_X64_MSR_STIMER1_COUNT", "stimer" },
  { 0x400000B4, "HV_X64_MSR_STIMER2_CONFIG", "stimer" },
  { 0x400000B5, "HV_X64_MSR_STIMER2_COUNT", "stimer" },
  { 0x400000B6, "HV_X64_MSR_STIMER3_CONFIG", "stimer" },
  { 0x400000B7, "HV_X64_MSR_STIMER3_COUNT", "stimer" },
  { 0x400000F0, "HV_X64_MSR_GUEST_IDLE", "idle" },
  { 0x40000100, "HV_X64_MSR_CRASH_P0", "crash" },
  { 0x40000101, "HV_X64_MSR_CRASH_P1", "crash" },
  { 0x40000102, "HV_X64_MSR_CRASH_P2", "crash" },
  { 0x40000103, "HV_X64_MSR_CRASH_P3", "crash" },
  { 0x40000104, "HV_X64_MSR_CRASH_P4", "crash" },
  { 0x40000105, "HV_X64_MSR_CRASH_CTL", "crash" },
  { 0x40000106, "HV_X64_MSR_REENLIGHTENMENT_CONTROL", "reenlightenment" },
  { 0x40000107, "HV_X64_MSR_TSC_EMULATION_CONTROL", "reenlightenment" },
  { 0x40000108, "HV_X64_MSR_TSC_EMULATION_STATUS", "reenlightenment" },
  { 0x40000118, "HV_X64_MSR_TSC_INVARIANT_CONTROL", "tsc-invariant" },
  { 0x40001080, "HV_X64_MSR_NESTED_SCONTROL", "nested-synic" },
  { 0x40001081, "HV_X64_MSR_NESTED_SVERSION", "nested-synic" },
  { 0x40001082, "HV_X64_MSR_NESTED_SIEFP", "nested-synic" },
  { 0x40001083, "HV_X64_MSR_NESTED_SIMP", "nested-synic" },
  { 0x40001084, "HV_X64_MSR_NESTED_EOM", "nested-synic" },
  { 0x40001090, "HV_X64_MSR_NESTED_SINT0", "nested-synic" },
};
const size_t hvx_hv_msr_count =
  sizeof hvx_hv_msr_table / sizeof hvx_hv_msr_table[0];

#define A 0
#define B 1
#define C 2
#define D 3
#define L(n) (0x40000000u + (n))

const struct hvx_hv_cpuid_bit hvx_hv_cpuid_bit_table[] = {
  { L(0), A, 0, 32, "MaximumLeaf" },
  { L(0), B, 0, 32, "VendorIdEbx" },
  { L(0), C, 0, 32, "VendorIdEcx" },
  { L(0), D, 0, 32, "VendorIdEdx" },
  { L(1), A, 0, 32, "InterfaceSignature" },
  { L(2), A, 0, 32, "BuildNumber" },
  { L(2), B, 0, 16, "MinorVersion" },
  { L(2), B, 16, 16, "MajorVersion" },
  { L(2), C, 0, 32, "ServicePack" },
  { L(2), D, 0, 24, "ServiceNumber" },
  { L(2), D, 24, 8, "ServiceBranch" },
  /* 0x40000003 EAX/EBX: HV_PARTITION_PRIVILEGE_MASK */
  { L(3), A, 0, 1, "AccessVpRunTimeReg" },
  { L(3), A, 1, 1, "AccessPartitionReferenceCounter" },
  { L(3), A, 2, 1, "AccessSynicRegs" },
  { L(3), A, 3, 1, "AccessSyntheticTimerRegs" },
  { L(3), A, 4, 1, "AccessIntrCtrlRegs" },
  { L(3), A, 5, 1, "AccessHypercallMsrs" },
  { L(3), A, 6, 1, "AccessVpIndex" },
  { L(3), A, 7, 1, "AccessResetReg" },
  { L(3), A, 8, 1, "AccessStatsReg" },
  { L(3), A, 9, 1, "AccessPartitionReferenceTsc" },
  { L(3), A, 10, 1, "AccessGuestIdleReg" },
  { L(3), A, 11, 1, "AccessFrequencyRegs" },
  { L(3), A, 12, 1, "AccessDebugRegs" },                 /* Xen's name */
  { L(3), A, 13, 1, "AccessReenlightenmentControls" },
  { L(3), A, 15, 1, "AccessTscInvariantControls" },      /* Linux */
  { L(3), B, 0, 1, "CreatePartitions" },
  { L(3), B, 1, 1, "AccessPartitionId" },
  { L(3), B, 2, 1, "AccessMemoryPool" },
  { L(3), B, 3, 1, "AdjustMessageBuffers" },             /* Linux, Xen */
  { L(3), B, 4, 1, "PostMessages" },
  { L(3), B, 5, 1, "SignalEvents" },
  { L(3), B, 6, 1, "CreatePort" },
  { L(3), B, 7, 1, "ConnectPort" },
  { L(3), B, 8, 1, "AccessStats" },
  { L(3), B, 11, 1, "Debugging" },
  { L(3), B, 12, 1, "CpuManagement" },
  { L(3), B, 13, 1, "ConfigureProfiler" },               /* cpuid tool */
  { L(3), B, 16, 1, "AccessVSM" },
  { L(3), B, 17, 1, "AccessVpRegisters" },
  { L(3), B, 20, 1, "EnableExtendedHypercalls" },
  { L(3), B, 21, 1, "StartVirtualProcessor" },
  { L(3), B, 22, 1, "Isolation" },                       /* Linux */
  { L(3), C, 0, 4, "MaxSupportedCState" },              /* TLFS 2.0 */
  { L(3), C, 5, 1, "InvariantMperfAvailable" },
  { L(3), C, 6, 1, "SupervisorShadowStackAvailable" },
  { L(3), C, 7, 1, "ArchitecturalPmuAvailable" },
  { L(3), C, 8, 1, "ExceptionTrapInterceptAvailable" },
  { L(3), C, 9, 1, "VpDispatchInterruptInjectionAvailable" }, /* Linux */
  { L(3), C, 10, 1, "VpGhcbRootMappingAvailable" },      /* Linux */
  { L(3), D, 0, 1, "MwaitAvailable" },                   /* deprecated */
  { L(3), D, 1, 1, "GuestDebuggingAvailable" },
  { L(3), D, 2, 1, "PerformanceMonitorsAvailable" },
  { L(3), D, 3, 1, "CpuDynamicPartitioningAvailable" },
  { L(3), D, 4, 1, "XmmRegistersForFastHypercallAvailable" },
  { L(3), D, 5, 1, "GuestIdleAvailable" },
  { L(3), D, 6, 1, "HypervisorSleepStateSupportAvailable" },
  { L(3), D, 7, 1, "NumaDistanceQueryAvailable" },
  { L(3), D, 8, 1, "FrequencyRegsAvailable" },
  { L(3), D, 9, 1, "SyntheticMachineCheckAvailable" },
  { L(3), D, 10, 1, "GuestCrashRegsAvailable" },
  { L(3), D, 11, 1, "DebugRegsAvailable" },
  { L(3), D, 12, 1, "Npiep1Available" },
  { L(3), D, 13, 1, "DisableHypervisorAvailable" },
  { L(3), D, 14, 1, "ExtendedGvaRangesForFlushVirtualAddressListAvailable" },
  { L(3), D, 15, 1, "FastHypercallOutputAvailable" },
  { L(3), D, 17, 1, "SintPollingModeAvailable" },
  { L(3), D, 18, 1, "HypercallMsrLockAvailable" },
  { L(3), D, 19, 1, "DirectSyntheticTimers" },
  /* EDX 20-26: named by the cpuid tool (Todd Allen), not the TLFS */
  { L(3), D, 20, 1, "VsmPatRegisterAvailable" },
  { L(3), D, 21, 1, "VsmBndcfgsRegisterAvailable" },
  { L(3), D, 23, 1, "SyntheticTimeUnhaltedTimerAvailable" },
  { L(3), D, 26, 1, "LbrAvailable" },
  /* 0x40000004: implementation recommendations */
  { L(4), A, 0, 1, "UseHypercallForAddressSpaceSwitch" },
  { L(4), A, 1, 1, "UseHypercallForLocalFlush" },
  { L(4), A, 2, 1, "UseHypercallForRemoteFlush" },
  { L(4), A, 3, 1, "UseApicMsrs" },
  { L(4), A, 4, 1, "UseHvRegisterForReset" },
  { L(4), A, 5, 1, "UseRelaxedTiming" },
  { L(4), A, 6, 1, "UseDmaRemapping" },
  { L(4), A, 7, 1, "UseInterruptRemapping" },
  { L(4), A, 8, 1, "UseX2ApicMsrs" },
  { L(4), A, 9, 1, "DeprecateAutoEoi" },
  { L(4), A, 10, 1, "UseSyntheticClusterIpi" },
  { L(4), A, 11, 1, "UseExProcessorMasks" },
  { L(4), A, 12, 1, "Nested" },
  { L(4), A, 13, 1, "UseIntForMbecSystemCalls" },
  { L(4), A, 14, 1, "UseVmcsEnlightenments" },
  { L(4), A, 15, 1, "UseSyncedTimeline" },
  { L(4), A, 17, 1, "UseDirectLocalFlushEntire" },
  { L(4), A, 18, 1, "NoNonArchitecturalCoreSharing" },
  { L(4), A, 21, 1, "UseHypercallForMmioAccess" },       /* Linux */
  { L(4), B, 0, 32, "SpinlockRetries" },
  { L(4), C, 0, 7, "ImplementedPhysicalAddressBits" },
  /* 0x40000005: implementation limits */
  { L(5), A, 0, 32, "MaxVirtualProcessors" },
  { L(5), B, 0, 32, "MaxLogicalProcessors" },
  { L(5), C, 0, 32, "MaxInterruptVectorsForRemapping" },
  /* 0x40000006: hardware features in use */
  { L(6), A, 0, 1, "ApicOverlayAssistInUse" },
  { L(6), A, 1, 1, "MsrBitmapsInUse" },
  { L(6), A, 2, 1, "ArchitecturalPerformanceCountersInUse" },
  { L(6), A, 3, 1, "SecondLevelAddressTranslationInUse" },
  { L(6), A, 4, 1, "DmaRemappingInUse" },
  { L(6), A, 5, 1, "InterruptRemappingInUse" },
  { L(6), A, 6, 1, "MemoryPatrolScrubberPresent" },
  { L(6), A, 7, 1, "DmaProtectionInUse" },
  { L(6), A, 8, 1, "HpetRequested" },
  { L(6), A, 9, 1, "SyntheticTimersVolatile" },
  { L(6), A, 10, 4, "HypervisorLevel" },
  { L(6), A, 14, 1, "PhysicalDestinationModeRequired" },
  { L(6), A, 15, 1, "UseVmfuncForAliasMapSwitch" },
  { L(6), A, 16, 1, "HardwareMemoryZeroingSupported" },
  { L(6), A, 17, 1, "UnrestrictedGuestSupported" },
  { L(6), A, 18, 1, "ResourceAllocationSupported" },
  { L(6), A, 19, 1, "ResourceMonitoringSupported" },
  { L(6), A, 20, 1, "GuestVirtualPmuSupported" },
  { L(6), A, 21, 1, "GuestVirtualLbrSupported" },
  { L(6), A, 22, 1, "GuestVirtualIptSupported" },
  { L(6), A, 23, 1, "ApicEmulationSupported" },
  { L(6), A, 24, 1, "AcpiWdatInUse" },
  /* 0x40000007: CPU management (Linux names; not in the TLFS markdown) */
  { L(7), A, 0, 1, "StartLogicalProcessor" },
  { L(7), A, 1, 1, "CreateRootVirtualProcessor" },
  { L(7), A, 2, 1, "PerformanceCounterSync" },
  { L(7), A, 31, 1, "ReservedIdentityBit" },
  { L(7), B, 0, 1, "ProcessorPowerManagement" },         /* cpuid tool */
  { L(7), B, 1, 1, "MwaitIdleStates" },
  { L(7), B, 2, 1, "LogicalProcessorIdling" },
  { L(7), C, 0, 1, "RemapGuestUncached" },
  /* 0x40000008: shared virtual memory (cpuid tool; not in the TLFS
   * markdown) */
  { L(8), A, 0, 1, "SvmSupported" },
  { L(8), A, 11, 21, "MaxPasidSpacePasidCount" },
  /* 0x40000009: nested hypervisor features */
  { L(9), A, 2, 1, "AccessSynicRegs" },
  { L(9), A, 4, 1, "AccessIntrCtrlRegs" },
  { L(9), A, 5, 1, "AccessHypercallMsrs" },
  { L(9), A, 6, 1, "AccessVpIndex" },
  { L(9), A, 12, 1, "AccessReenlightenmentControls" },
  { L(9), D, 4, 1, "XmmRegistersForFastHypercallAvailable" },
  { L(9), D, 15, 1, "FastHypercallOutputAvailable" },
  { L(9), D, 17, 1, "SintPollingModeAvailable" },
  /* 0x4000000A: nested virtualization features */
  { L(10), A, 0, 8, "EnlightenedVmcsVersionLow" },
  { L(10), A, 8, 8, "EnlightenedVmcsVersionHigh" },
  { L(10), A, 17, 1, "DirectVirtualFlush" },
  { L(10), A, 18, 1, "FlushGuestPhysicalHypercalls" },
  { L(10), A, 19, 1, "EnlightenedMsrBitmap" },
  { L(10), A, 20, 1, "CombineVirtualizationExceptions" },
  { L(10), A, 21, 1, "DebugCtlSupported" },
  { L(10), A, 22, 1, "EnlightenedTlb" },
  { L(10), B, 0, 1, "PerfGlobalCtrlFields" },
};
const size_t hvx_hv_cpuid_bit_count =
  sizeof hvx_hv_cpuid_bit_table / sizeof hvx_hv_cpuid_bit_table[0];
