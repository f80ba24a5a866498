/* hvx - "key=value,key=value" format options. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

int hvx_opts_parse(struct hvx_opts *o, const char *s)
{
  o->v = NULL;
  o->n = 0;
  if (!s || !*s)
    return 0;

  char *copy = hvx_strdup(s);
  if (!copy)
    return -1;
  for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(tok, '=');
    if (!eq || eq == tok) {
      hvx_set_error(EINVAL, "option '%s' is not of the form key=value", tok);
      goto fail;
    }
    *eq = '\0';
    for (size_t i = 0; i < o->n; i++)
      if (strcmp(o->v[i].key, tok) == 0) {
        hvx_set_error(EINVAL, "option '%s' given twice", tok);
        goto fail;
      }
    struct hvx_opt *nv = realloc(o->v, (o->n + 1) * sizeof *nv);
    if (!nv) {
      hvx_set_error(ENOMEM, "cannot allocate options");
      goto fail;
    }
    o->v = nv;
    o->v[o->n].key = hvx_strdup(tok);
    o->v[o->n].value = hvx_strdup(eq + 1);
    o->v[o->n].taken = false;
    o->n++;
    if (!o->v[o->n - 1].key || !o->v[o->n - 1].value)
      goto fail;
  }
  free(copy);
  return 0;

fail:
  free(copy);
  hvx_opts_free(o);
  return -1;
}

void hvx_opts_free(struct hvx_opts *o)
{
  for (size_t i = 0; i < o->n; i++) {
    free(o->v[i].key);
    free(o->v[i].value);
  }
  free(o->v);
  o->v = NULL;
  o->n = 0;
}

const char *hvx_opts_take(struct hvx_opts *o, const char *key)
{
  for (size_t i = 0; i < o->n; i++)
    if (strcmp(o->v[i].key, key) == 0) {
      o->v[i].taken = true;
      return o->v[i].value;
    }
  return NULL;
}

int hvx_opts_take_size(struct hvx_opts *o, const char *key, uint64_t *out)
{
  const char *v = hvx_opts_take(o, key);

  if (!v)
    return 0;
  if (hvx_parse_size(v, out) < 0) {
    hvx_prefix_error("option %s", key);
    return -1;
  }
  return 0;
}

int hvx_opts_check_all_taken(struct hvx_opts *o, const char *format)
{
  for (size_t i = 0; i < o->n; i++)
    if (!o->v[i].taken)
      return hvx_set_error(EINVAL, "%s: unknown option '%s'", format,
                           o->v[i].key);
  return 0;
}
