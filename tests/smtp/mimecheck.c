/*
 * mimecheck.c: parse a composed message back with libetpan (test helper).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/libetpan.h>

#include "mimecheck.h"
#include "util.h"
#include "xmalloc.h"

static char	*decode_phrase(const char *);
static char	*type_name(struct mailmime_content *);
static char	*rfc2231_filename(struct mailmime_disposition *);
static void	 collect(struct mc_msg *, struct mailmime *);
static struct mailimf_fields *fields(struct mc_msg *);
static char	*mailbox_str(struct mailimf_mailbox *);
static char	*ids_str(clist *);

/* RFC 2047 decode (to UTF-8) and unfold. */
static char *
decode_phrase(const char *v)
{
	struct buf	 b;
	const char	*p;
	char		*out = NULL, *r;
	size_t		 idx = 0;

	buf_init(&b);
	for (p = v; *p != '\0'; p++) {
		if (*p != '\r' && *p != '\n')
			buf_add(&b, p, 1);
	}
	buf_adds(&b, "");
	if (mailmime_encoded_phrase_parse("utf-8", b.data, b.len, &idx,
	    "utf-8", &out) != MAILIMF_NO_ERROR) {
		return buf_steal(&b, NULL);
	}
	buf_free(&b);
	r = xstrdup(out);
	free(out);
	return r;
}

static char *
type_name(struct mailmime_content *ct)
{
	struct mailmime_type	*t = ct->ct_type;
	const char		*major = "?";
	char			*s;

	if (t->tp_type == MAILMIME_TYPE_DISCRETE_TYPE) {
		switch (t->tp_data.tp_discrete_type->dt_type) {
		case MAILMIME_DISCRETE_TYPE_TEXT:
			major = "text";
			break;
		case MAILMIME_DISCRETE_TYPE_IMAGE:
			major = "image";
			break;
		case MAILMIME_DISCRETE_TYPE_AUDIO:
			major = "audio";
			break;
		case MAILMIME_DISCRETE_TYPE_VIDEO:
			major = "video";
			break;
		case MAILMIME_DISCRETE_TYPE_APPLICATION:
			major = "application";
			break;
		default:
			major = t->tp_data.tp_discrete_type->dt_extension;
			break;
		}
	} else {
		major = t->tp_data.tp_composite_type->ct_type ==
		    MAILMIME_COMPOSITE_TYPE_MULTIPART ? "multipart" : "message";
	}
	s = xprintf("%s/%s", major, ct->ct_subtype);
	str_lower(s);
	return s;
}

/* filename or filename*0*, filename*1*... (percent-decoded UTF-8). */
static char *
rfc2231_filename(struct mailmime_disposition *d)
{
	clistiter			*it;
	struct mailmime_disposition_parm *pm;
	struct buf			 b;
	char				 key[64];
	const char			*v, *p;
	int				 seg, found;
	unsigned int			 c;

	if (d == NULL)
		return NULL;
	for (it = clist_begin(d->dsp_parms); it != NULL; it = clist_next(it)) {
		pm = clist_content(it);
		if (pm->pa_type == MAILMIME_DISPOSITION_PARM_FILENAME)
			return decode_phrase(pm->pa_data.pa_filename);
	}
	buf_init(&b);
	for (seg = 0;; seg++) {
		snprintf(key, sizeof(key), "filename*%d*", seg);
		found = 0;
		for (it = clist_begin(d->dsp_parms); it != NULL;
		    it = clist_next(it)) {
			pm = clist_content(it);
			if (pm->pa_type != MAILMIME_DISPOSITION_PARM_PARAMETER ||
			    strcasecmp(pm->pa_data.pa_parameter->pa_name,
			    key) != 0)
				continue;
			found = 1;
			v = pm->pa_data.pa_parameter->pa_value;
			if (seg == 0) {
				if (strncasecmp(v, "UTF-8''", 7) != 0)
					goto fail;
				v += 7;
			}
			for (p = v; *p != '\0'; p++) {
				if (*p == '%' && sscanf(p + 1, "%2x", &c) == 1) {
					char ch = (char)c;
					buf_add(&b, &ch, 1);
					p += 2;
				} else
					buf_add(&b, p, 1);
			}
		}
		if (!found)
			break;
	}
	if (seg == 0)
		goto fail;
	return buf_steal(&b, NULL);
fail:
	buf_free(&b);
	return NULL;
}

static void
collect(struct mc_msg *m, struct mailmime *mime)
{
	struct mailmime_single_fields	 sf;
	struct mc_part			*p;
	struct mailmime_data		*d;
	clistiter			*it;
	char				*res;
	size_t				 idx = 0, rlen;
	int				 enc;

	if (mime->mm_type == MAILMIME_MULTIPLE) {
		for (it = clist_begin(mime->mm_data.mm_multipart.mm_mp_list);
		    it != NULL; it = clist_next(it))
			collect(m, clist_content(it));
		return;
	}
	if (mime->mm_type == MAILMIME_MESSAGE) {
		if (mime->mm_data.mm_message.mm_msg_mime != NULL)
			collect(m, mime->mm_data.mm_message.mm_msg_mime);
		return;
	}
	if (m->nparts == MC_MAX_PARTS)
		return;
	p = &m->part[m->nparts++];
	mailmime_single_fields_init(&sf, mime->mm_mime_fields,
	    mime->mm_content_type);
	p->type = type_name(mime->mm_content_type);
	if (sf.fld_content_charset != NULL)
		p->charset = xstrdup(sf.fld_content_charset);
	if (sf.fld_content_name != NULL)
		p->name = decode_phrase(sf.fld_content_name);
	p->filename = rfc2231_filename(sf.fld_disposition);
	if (sf.fld_disposition != NULL) {
		p->disposition = xstrdup(sf.fld_disposition->dsp_type->dsp_type
		    == MAILMIME_DISPOSITION_TYPE_INLINE ? "inline" :
		    "attachment");
	}
	enc = sf.fld_encoding != NULL ? sf.fld_encoding->enc_type :
	    MAILMIME_MECHANISM_7BIT;
	d = mime->mm_data.mm_single;
	if (d == NULL) {
		p->data = xstrdup("");
		return;
	}
	if (mailmime_part_parse(d->dt_data.dt_text.dt_data,
	    d->dt_data.dt_text.dt_length, &idx, enc, &res, &rlen) !=
	    MAILIMF_NO_ERROR) {
		p->data = xstrdup("");
		return;
	}
	p->data = xmalloc(rlen + 1);
	memcpy(p->data, res, rlen);
	p->data[rlen] = '\0';
	p->len = rlen;
	mmap_string_unref(res);
}

int
mc_parse(struct mc_msg *m, const char *raw, size_t len)
{
	struct mailmime	*mime = NULL;
	size_t		 idx = 0;

	memset(m, 0, sizeof(*m));
	if (mailmime_parse(raw, len, &idx, &mime) != MAILIMF_NO_ERROR)
		return -1;
	m->mime = mime;
	if (mime->mm_type != MAILMIME_MESSAGE ||
	    mime->mm_data.mm_message.mm_msg_mime == NULL)
		return -1;
	m->top_type = type_name(mime->mm_data.mm_message.mm_msg_mime->
	    mm_content_type);
	collect(m, mime);
	return 0;
}

void
mc_free(struct mc_msg *m)
{
	size_t	i;

	for (i = 0; i < m->nparts; i++) {
		free(m->part[i].type);
		free(m->part[i].charset);
		free(m->part[i].name);
		free(m->part[i].filename);
		free(m->part[i].disposition);
		free(m->part[i].data);
	}
	free(m->top_type);
	if (m->mime != NULL)
		mailmime_free(m->mime);
	memset(m, 0, sizeof(*m));
}

static struct mailimf_fields *
fields(struct mc_msg *m)
{
	struct mailmime	*mime = m->mime;

	if (mime == NULL || mime->mm_type != MAILMIME_MESSAGE)
		return NULL;
	return mime->mm_data.mm_message.mm_fields;
}

static char *
mailbox_str(struct mailimf_mailbox *mb)
{
	char	*d, *s;

	if (mb->mb_display_name == NULL)
		return xstrdup(mb->mb_addr_spec);
	d = decode_phrase(mb->mb_display_name);
	s = xprintf("%s <%s>", d, mb->mb_addr_spec);
	free(d);
	return s;
}

static char *
ids_str(clist *l)
{
	struct buf	 b;
	clistiter	*it;

	buf_init(&b);
	buf_adds(&b, "");
	for (it = clist_begin(l); it != NULL; it = clist_next(it)) {
		if (b.len > 0)
			buf_adds(&b, " ");
		buf_addf(&b, "<%s>", (char *)clist_content(it));
	}
	return buf_steal(&b, NULL);
}

static const struct {
	int		 type;
	const char	*name;
} known[] = {
	{ MAILIMF_FIELD_ORIG_DATE, "Date" },
	{ MAILIMF_FIELD_FROM, "From" },
	{ MAILIMF_FIELD_TO, "To" },
	{ MAILIMF_FIELD_CC, "Cc" },
	{ MAILIMF_FIELD_BCC, "Bcc" },
	{ MAILIMF_FIELD_REPLY_TO, "Reply-To" },
	{ MAILIMF_FIELD_MESSAGE_ID, "Message-ID" },
	{ MAILIMF_FIELD_IN_REPLY_TO, "In-Reply-To" },
	{ MAILIMF_FIELD_REFERENCES, "References" },
	{ MAILIMF_FIELD_SUBJECT, "Subject" },
};

static const char *
field_name(struct mailimf_field *f)
{
	size_t	i;

	if (f->fld_type == MAILIMF_FIELD_OPTIONAL_FIELD)
		return f->fld_data.fld_optional_field->fld_name;
	for (i = 0; i < nitems(known); i++)
		if (known[i].type == f->fld_type)
			return known[i].name;
	return "";
}

int
mc_count(struct mc_msg *m, const char *name)
{
	struct mailimf_fields	*fs = fields(m);
	clistiter		*it;
	int			 n = 0;

	if (fs == NULL)
		return 0;
	for (it = clist_begin(fs->fld_list); it != NULL; it = clist_next(it))
		if (strcasecmp(field_name(clist_content(it)), name) == 0)
			n++;
	return n;
}

char *
mc_header(struct mc_msg *m, const char *name, int n)
{
	struct mailimf_fields	*fs = fields(m);
	struct mailimf_field	*f;
	struct mailimf_address	*a;
	clistiter		*it;
	clist			*l = NULL;

	if (fs == NULL)
		return NULL;
	for (it = clist_begin(fs->fld_list); it != NULL; it = clist_next(it)) {
		f = clist_content(it);
		if (strcasecmp(field_name(f), name) != 0 || n-- > 0)
			continue;
		switch (f->fld_type) {
		case MAILIMF_FIELD_OPTIONAL_FIELD:
			return decode_phrase(
			    f->fld_data.fld_optional_field->fld_value);
		case MAILIMF_FIELD_SUBJECT:
			return decode_phrase(f->fld_data.fld_subject->sbj_value);
		case MAILIMF_FIELD_MESSAGE_ID:
			return xprintf("<%s>",
			    f->fld_data.fld_message_id->mid_value);
		case MAILIMF_FIELD_IN_REPLY_TO:
			return ids_str(f->fld_data.fld_in_reply_to->mid_list);
		case MAILIMF_FIELD_REFERENCES:
			return ids_str(f->fld_data.fld_references->mid_list);
		case MAILIMF_FIELD_FROM:
			l = f->fld_data.fld_from->frm_mb_list->mb_list;
			return mailbox_str(clist_content(clist_begin(l)));
		case MAILIMF_FIELD_TO:
			l = f->fld_data.fld_to->to_addr_list->ad_list;
			a = clist_content(clist_begin(l));
			if (a->ad_type != MAILIMF_ADDRESS_MAILBOX)
				return xstrdup("(group)");
			return mailbox_str(a->ad_data.ad_mailbox);
		case MAILIMF_FIELD_ORIG_DATE:
			return xprintf("%04d-%02d-%02d",
			    f->fld_data.fld_orig_date->dt_date_time->dt_year,
			    f->fld_data.fld_orig_date->dt_date_time->dt_month,
			    f->fld_data.fld_orig_date->dt_date_time->dt_day);
		default:
			return xstrdup("(present)");
		}
	}
	return NULL;
}

int
mc_wire_ok(const char *raw, size_t len, const char **why)
{
	size_t	i, col = 0;

	for (i = 0; i < len; i++) {
		if ((unsigned char)raw[i] >= 0x80) {
			*why = "8-bit byte";
			return 0;
		}
		if (raw[i] == '\0') {
			*why = "NUL byte";
			return 0;
		}
		if (raw[i] == '\r') {
			if (i + 1 >= len || raw[i + 1] != '\n') {
				*why = "bare CR";
				return 0;
			}
			i++;
			col = 0;
			continue;
		}
		if (raw[i] == '\n') {
			*why = "bare LF";
			return 0;
		}
		if (++col > 998) {
			*why = "line over 998 octets";
			return 0;
		}
	}
	if (len < 2 || raw[len - 2] != '\r' || raw[len - 1] != '\n') {
		*why = "no CRLF at the end";
		return 0;
	}
	return 1;
}
