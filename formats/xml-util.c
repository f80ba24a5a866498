/* hvx - XML helpers: a libxml2 parse that cannot be made to fetch,
 * expand entities or read a DTD, and small writer helpers. */
#include "config.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "internal.h"
#include "xml-util.h"

/* What the SAX hook records when it meets a DOCTYPE. */
struct parse_guard {
  bool doctype;
  int line;
};

/* The DOCTYPE is where entities (the billion laughs, external entities
 * reading local files) are declared.  None of the formats hvx reads
 * has one, so the parse stops at the first sign of it, before any
 * declaration is looked at. */
static void refuse_doctype(void *ctx, const xmlChar *name,
                           const xmlChar *external_id,
                           const xmlChar *system_id)
{
  xmlParserCtxtPtr ctxt = ctx;
  struct parse_guard *g = ctxt->_private;

  g->doctype = true;
  g->line = ctxt->input ? ctxt->input->line : 0;
  xmlStopParser(ctxt);
}

xmlDocPtr hvx_xml_parse(const char *data, size_t len, const char *what,
                        const char *filename)
{
  const char *name = filename ? filename : "(memory)";
  struct parse_guard guard = { false, 0 };
  xmlParserCtxtPtr ctxt;
  xmlDocPtr doc;

  if (len > HVX_XML_MAX_FILE) {
    hvx_set_error(EFBIG, "%s: %s: %zu bytes is more than the %u bytes an "
                  "XML description may have", what, name, len,
                  HVX_XML_MAX_FILE);
    return NULL;
  }
  if (len == 0) {
    hvx_set_error(EBADMSG, "%s: %s: empty document", what, name);
    return NULL;
  }
  xmlInitParser();
  if (!(ctxt = xmlNewParserCtxt())) {
    hvx_set_error(ENOMEM, "%s: cannot allocate an XML parser", what);
    return NULL;
  }
  ctxt->_private = &guard;
  ctxt->sax->internalSubset = refuse_doctype;
  /* NONET: no fetching; no NOENT/DTDLOAD/DTDATTR/XINCLUDE: entities are
   * neither substituted nor loaded; NOERROR/NOWARNING: libxml2 prints
   * nothing, the error is read back below. */
  doc = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, NULL,
                          XML_PARSE_NONET | XML_PARSE_NOERROR |
                          XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
  if (guard.doctype) {
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    hvx_set_error(EBADMSG, "%s: %s:%d: the document has a DOCTYPE, which "
                  "is refused (entity declarations could expand without "
                  "bound or read other files)", what, name, guard.line);
    return NULL;
  }
  if (!doc || !ctxt->wellFormed) {
    const xmlError *e = xmlCtxtGetLastError(ctxt);
    char msg[256] = "not well-formed";
    int line = 0, col = 0;
    if (e && e->message) {
      snprintf(msg, sizeof msg, "%s", e->message);
      msg[strcspn(msg, "\n")] = '\0';
      line = e->line;
      col = e->int2;
    }
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    hvx_set_error(EBADMSG, "%s: %s:%d:%d: malformed XML: %s", what, name,
                  line, col, msg);
    return NULL;
  }
  xmlFreeParserCtxt(ctxt);
  if (!xmlDocGetRootElement(doc)) {
    xmlFreeDoc(doc);
    hvx_set_error(EBADMSG, "%s: %s: no root element", what, name);
    return NULL;
  }
  return doc;
}

int hvx_xml_read_file(const char *path, size_t max, const char *what,
                      char **data, size_t *len)
{
  struct stat st;
  char *buf;
  size_t got = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return hvx_set_error(errno, "%s: cannot open %s: %s", what, path,
                         strerror(errno));
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return hvx_set_error(EINVAL, "%s: %s is not a regular file", what,
                         path);
  }
  if ((uint64_t)st.st_size > max) {
    close(fd);
    return hvx_set_error(EFBIG, "%s: %s has %lld bytes, more than the %zu "
                         "an XML description may have", what, path,
                         (long long)st.st_size, max);
  }
  if (!(buf = hvx_malloc((size_t)st.st_size + 1, "an XML file"))) {
    close(fd);
    return -1;
  }
  while (got < (size_t)st.st_size) {
    ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      free(buf);
      close(fd);
      return hvx_set_error(err, "%s: reading %s: %s", what, path,
                           n < 0 ? strerror(err) : "file shrank");
    }
    got += (size_t)n;
  }
  close(fd);
  buf[got] = '\0';
  *data = buf;
  *len = got;
  return 0;
}

hvx_vm *hvx_xml_vm_from_file(const char *path, const char *what,
                             hvx_vm *(*parse)(const char *data, size_t len,
                                              const char *filename,
                                              hvx_report *report),
                             hvx_report *report)
{
  char *data;
  size_t len;
  hvx_vm *vm;

  if (!path) {
    hvx_set_error(EINVAL, "%s: NULL path", what);
    return NULL;
  }
  if (hvx_xml_read_file(path, HVX_XML_MAX_FILE, what, &data, &len) < 0)
    return NULL;
  vm = parse(data, len, path, report);
  free(data);
  return vm;
}

int hvx_xml_validate_vm(const char *what, const char *file, hvx_vm *vm)
{
  char msg[512];

  if (hvx_vm_validate(vm) == 0)
    return 0;
  snprintf(msg, sizeof msg, "%s", hvx_error());
  return hvx_set_error(EBADMSG, "%s: %s: %s", what, file, msg);
}

bool hvx_xml_is(const xmlNode *n, const char *name, const char *ns)
{
  if (!n || n->type != XML_ELEMENT_NODE ||
      strcmp((const char *)n->name, name) != 0)
    return false;
  if (!ns)
    return true;
  return n->ns && n->ns->href && strcmp((const char *)n->ns->href, ns) == 0;
}

xmlNodePtr hvx_xml_child(const xmlNode *parent, const char *name,
                         const char *ns)
{
  for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
    if (hvx_xml_is(c, name, ns))
      return c;
  return NULL;
}

char *hvx_xml_text(const xmlNode *n)
{
  struct hvx_buf b = HVX_BUF_INIT;
  const char *s;
  size_t start, end;
  char *all, *out;

  hvx_buf_add(&b, "");
  for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
    if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
        c->content)
      hvx_buf_add(&b, (const char *)c->content);
  if (!(all = hvx_buf_finish(&b))) {
    hvx_set_error(ENOMEM, "xml: cannot copy element text");
    return NULL;
  }
  s = all;
  end = strlen(s);
  for (start = 0; start < end && isspace((unsigned char)s[start]); start++)
    ;
  while (end > start && isspace((unsigned char)s[end - 1]))
    end--;
  if (!(out = hvx_malloc(end - start + 1, "element text"))) {
    free(all);
    return NULL;
  }
  memcpy(out, s + start, end - start);
  out[end - start] = '\0';
  free(all);
  return out;
}

const char *hvx_xml_path(const xmlNode *n, char *buf, size_t len)
{
  const xmlNode *chain[32];
  size_t depth = 0, off = 0;

  for (; n && n->type == XML_ELEMENT_NODE && depth < 32; n = n->parent)
    chain[depth++] = n;
  buf[0] = '\0';
  while (depth-- > 0 && off < len) {
    int w = snprintf(buf + off, len - off, "/%s",
                     (const char *)chain[depth]->name);
    if (w < 0)
      break;
    off += (size_t)w;
  }
  return buf;
}

int hvx_xml_error(const char *what, const char *file, const xmlNode *n,
                  int err, const char *fmt, ...)
{
  char msg[512], path[256];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return hvx_set_error(err, "%s: %s:%ld: %s: %s", what, file,
                       n ? xmlGetLineNo(n) : 0L,
                       n ? hvx_xml_path(n, path, sizeof path) : "", msg);
}

int hvx_xml_parse_uint(const char *text, uint64_t max, uint64_t *out)
{
  uint64_t v = 0;

  if (!text || !*text)
    return -1;
  for (const char *p = text; *p; p++) {
    if (*p < '0' || *p > '9')
      return -1;
    if (v > (max - (uint64_t)(*p - '0')) / 10)
      return -1;
    v = v * 10 + (uint64_t)(*p - '0');
  }
  *out = v;
  return 0;
}

void hvx_buf_xml(struct hvx_buf *b, const char *s)
{
  const char *run = s;

  for (; *s; s++) {
    const char *rep;
    switch (*s) {
    case '&': rep = "&amp;"; break;
    case '<': rep = "&lt;"; break;
    case '>': rep = "&gt;"; break;
    case '"': rep = "&quot;"; break;
    case '\'': rep = "&apos;"; break;
    default: continue;
    }
    hvx_buf_addn(b, run, (size_t)(s - run));
    hvx_buf_add(b, rep);
    run = s + 1;
  }
  hvx_buf_add(b, run);
}

void hvx_buf_xml_element(struct hvx_buf *b, int indent, const char *name,
                         const char *text)
{
  hvx_buf_printf(b, "%*s<%s>", indent, "", name);
  hvx_buf_xml(b, text);
  hvx_buf_printf(b, "</%s>\n", name);
}
