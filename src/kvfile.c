/*
 * kvfile.c: escaped key=value records, saved durably.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvfile.h"
#include "util.h"
#include "xmalloc.h"

#define KV_MAX_FILE	(4 * 1024 * 1024)

void
kv_init(struct kv *kv)
{
	memset(kv, 0, sizeof(*kv));
}

void
kv_free(struct kv *kv)
{
	size_t	i;

	for (i = 0; i < kv->n; i++) {
		free(kv->keys[i]);
		free(kv->values[i]);
	}
	free(kv->keys);
	free(kv->values);
	kv_init(kv);
}

static ssize_t
kv_find(const struct kv *kv, const char *key)
{
	size_t	i;

	for (i = 0; i < kv->n; i++)
		if (strcmp(kv->keys[i], key) == 0)
			return (ssize_t)i;
	return -1;
}

void
kv_set(struct kv *kv, const char *key, const char *value)
{
	ssize_t	i = kv_find(kv, key);

	if (value == NULL) {
		if (i < 0)
			return;
		free(kv->keys[i]);
		free(kv->values[i]);
		memmove(&kv->keys[i], &kv->keys[i + 1],
		    (kv->n - (size_t)i - 1) * sizeof(char *));
		memmove(&kv->values[i], &kv->values[i + 1],
		    (kv->n - (size_t)i - 1) * sizeof(char *));
		kv->n--;
		return;
	}
	if (i >= 0) {
		free(kv->values[i]);
		kv->values[i] = xstrdup(value);
		return;
	}
	if (kv->n == kv->cap) {
		kv->cap = kv->cap ? kv->cap * 2 : 16;
		kv->keys = xreallocarray(kv->keys, kv->cap, sizeof(char *));
		kv->values = xreallocarray(kv->values, kv->cap,
		    sizeof(char *));
	}
	kv->keys[kv->n] = xstrdup(key);
	kv->values[kv->n] = xstrdup(value);
	kv->n++;
}

void
kv_setf(struct kv *kv, const char *key, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	kv_set(kv, key, s);
	free(s);
}

void
kv_setll(struct kv *kv, const char *key, long long v)
{
	kv_setf(kv, key, "%lld", v);
}

const char *
kv_get(const struct kv *kv, const char *key)
{
	ssize_t	i = kv_find(kv, key);

	return i < 0 ? NULL : kv->values[i];
}

long long
kv_getll(const struct kv *kv, const char *key, long long dflt)
{
	const char	*v = kv_get(kv, key);
	char		*end;
	long long	 n;

	if (v == NULL || *v == '\0')
		return dflt;
	n = strtoll(v, &end, 10);
	return *end == '\0' ? n : dflt;
}

char *
kv_format(const struct kv *kv, size_t *len)
{
	struct buf	 b;
	const char	*p;
	size_t		 i;

	buf_init(&b);
	for (i = 0; i < kv->n; i++) {
		buf_adds(&b, kv->keys[i]);
		buf_add(&b, "=", 1);
		for (p = kv->values[i]; *p != '\0'; p++) {
			switch (*p) {
			case '\\':
				buf_add(&b, "\\\\", 2);
				break;
			case '\n':
				buf_add(&b, "\\n", 2);
				break;
			case '\r':
				buf_add(&b, "\\r", 2);
				break;
			case '\t':
				buf_add(&b, "\\t", 2);
				break;
			default:
				buf_add(&b, p, 1);
			}
		}
		buf_add(&b, "\n", 1);
	}
	return buf_steal(&b, len);
}

int
kv_parse(struct kv *kv, const char *data, size_t len, char **cause)
{
	const char	*p = data, *end = data + len, *nl, *eq, *q;
	struct buf	 key, val;
	int		 line = 0;

	buf_init(&key);
	buf_init(&val);
	while (p < end) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			xasprintf(cause, "line %d: truncated record", line);
			goto fail;
		}
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq == NULL || eq == p) {
			xasprintf(cause, "line %d: not key=value", line);
			goto fail;
		}
		buf_reset(&key);
		buf_reset(&val);
		buf_add(&key, p, (size_t)(eq - p));
		for (q = eq + 1; q < nl; q++) {
			if (*q != '\\') {
				buf_add(&val, q, 1);
				continue;
			}
			if (++q == nl) {
				xasprintf(cause, "line %d: bad escape", line);
				goto fail;
			}
			switch (*q) {
			case 'n': buf_add(&val, "\n", 1); break;
			case 'r': buf_add(&val, "\r", 1); break;
			case 't': buf_add(&val, "\t", 1); break;
			case '\\': buf_add(&val, "\\", 1); break;
			default:
				xasprintf(cause, "line %d: bad escape", line);
				goto fail;
			}
		}
		if (memchr(key.data, '\0', key.len) != NULL ||
		    (val.len > 0 && memchr(val.data, '\0', val.len) != NULL)) {
			xasprintf(cause, "line %d: NUL byte", line);
			goto fail;
		}
		kv_set(kv, key.data, val.len ? val.data : "");
		p = nl + 1;
	}
	buf_free(&key);
	buf_free(&val);
	return 0;
fail:
	buf_free(&key);
	buf_free(&val);
	return -1;
}

int
kv_load(struct kv *kv, const char *path, char **cause)
{
	char	*data, *why = NULL;
	size_t	 len;
	int	 rc;

	if (file_read(path, KV_MAX_FILE, &data, &len, cause) == -1)
		return -1;
	rc = kv_parse(kv, data, len, &why);
	if (rc == -1) {
		xasprintf(cause, "%s: %s", path, why);
		free(why);
	}
	free(data);
	return rc;
}

int
kv_save(const struct kv *kv, const char *path, char **cause)
{
	return kv_save_sync(kv, path, WRITE_DURABLE, cause);
}

int
kv_save_sync(const struct kv *kv, const char *path, enum write_sync sync,
    char **cause)
{
	char	*data;
	size_t	 len;
	int	 rc;

	data = kv_format(kv, &len);
	rc = file_write_sync(path, data, len, 0600, sync, cause);
	free(data);
	return rc;
}
