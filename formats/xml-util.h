/* hvx - XML helpers shared by the XML guest-description formats
 * (Hyper-V XML, OVF, libvirt): a hardened libxml2 parse, file reading
 * with a size limit, element lookup, and text escaping for writers.
 * Internal. */
#ifndef HVX_XML_UTIL_H
#define HVX_XML_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "internal.h"
#include "strbuf.h"

/* Largest XML description read (real ones are a few hundred KiB). */
#define HVX_XML_MAX_FILE (16u << 20)

/* hvx_xml_parse: parse DATA (LEN bytes, UTF-8 or UTF-16 with a BOM)
 * without network access, without loading or expanding any entity, and
 * refusing any DOCTYPE.  WHAT ("hyperv-xml", "ovf") and FILENAME (may
 * be NULL) start error messages.  Returns the document (free with
 * xmlFreeDoc) or NULL with EBADMSG naming the line and column. */
xmlDocPtr hvx_xml_parse(const char *data, size_t len, const char *what,
                        const char *filename);

/* Read the whole file PATH (at most MAX bytes) into *DATA (NUL-
 * terminated, caller frees) and *LEN.  EFBIG past MAX. */
int hvx_xml_read_file(const char *path, size_t max, const char *what,
                      char **data, size_t *len);

/* hvx_xml_vm_from_file: the public "read this file" call of an XML
 * guest reader: refuses a NULL PATH, reads the file (at most
 * HVX_XML_MAX_FILE bytes) and hands it to PARSE (hvx_vm_from_ovf, ...)
 * with PATH as its name.  WHAT ("ovf") starts error messages. */
hvx_vm *hvx_xml_vm_from_file(const char *path, const char *what,
                             hvx_vm *(*parse)(const char *data, size_t len,
                                              const char *filename,
                                              hvx_report *report),
                             hvx_report *report);

/* hvx_xml_validate_vm: hvx_vm_validate VM, read from FILE; a guest the
 * model refuses is a bad description, so its error becomes EBADMSG
 * "WHAT: FILE: reason".  Returns 0 or -1. */
int hvx_xml_validate_vm(const char *what, const char *file, hvx_vm *vm);

/* True if node N is an element named NAME (and, if NS is not NULL, in
 * namespace NS). */
bool hvx_xml_is(const xmlNode *n, const char *name, const char *ns);

/* The first child element of PARENT named NAME (in NS if not NULL), or
 * NULL. */
xmlNodePtr hvx_xml_child(const xmlNode *parent, const char *name,
                         const char *ns);

/* The text content of N (all its text children concatenated), trimmed
 * of surrounding white space, in a string the caller frees; "" for an
 * element without text.  NULL on ENOMEM. */
char *hvx_xml_text(const xmlNode *n);

/* "/a/b/c" for element N, into BUF of LEN bytes; returns BUF. */
const char *hvx_xml_path(const xmlNode *n, char *buf, size_t len);

/* hvx_xml_error: fail at node N (may be NULL) of the document read
 * from FILE, for the readers of format WHAT ("hyperv-xml", "ovf"):
 * sets ERR with "WHAT: FILE:LINE: /path/of/n: MESSAGE" (MESSAGE from
 * FMT, cut at 511 bytes) and returns -1.  One function so every XML
 * reader names the place of a bad value the same way. */
int hvx_xml_error(const char *what, const char *file, const xmlNode *n,
                  int err, const char *fmt, ...) HVX_PRINTF(5, 6);

/* Parse TEXT as a whole decimal unsigned number no larger than MAX.
 * Returns 0, or -1 without setting an error. */
int hvx_xml_parse_uint(const char *text, uint64_t max, uint64_t *out);

/* Append S to B with &, <, >, " and ' escaped (for text and attribute
 * values). */
void hvx_buf_xml(struct hvx_buf *b, const char *s);

/* Append "<NAME>escaped TEXT</NAME>" to B, after INDENT spaces and with
 * a newline. */
void hvx_buf_xml_element(struct hvx_buf *b, int indent, const char *name,
                         const char *text);

#endif /* HVX_XML_UTIL_H */
