/* hvx - library version. */
#ifndef HVX_VERSION_H
#define HVX_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

#define HVX_VERSION_MAJOR 0
#define HVX_VERSION_MINOR 1
#define HVX_VERSION_MICRO 0

/* hvx_version: the version of the library actually loaded, "MAJOR.MINOR.MICRO". */
const char *hvx_version(void);

#ifdef __cplusplus
}
#endif

#endif /* HVX_VERSION_H */
