/*
 * api_invoice.c - the e-invoice: the kiosk's token endpoint, the page a
 * phone opens from the kiosk's invoice QR code, and the PDF (docs/api.md,
 * docs/hub.md).
 *
 *   POST /v1/invoices/APP_ID/token   device + X-CA-Session: the URL of the
 *                                    invoice page for the QR code
 *   GET  /invoice/TOKEN              the page: asks for the company name
 *   POST /invoice/TOKEN              company=NAME: a wrong name is counted
 *                                    (locked after [invoice] max_attempts);
 *                                    the right one shows the preview and a
 *                                    PDF link with a fresh random key
 *   GET  /invoice/TOKEN/pdf/KEY      the PDF, while KEY is alive
 *
 * Where to start reading: token_issue(), then page_post(). A token is 20
 * random bytes as hex (160 bits), bound to one application, alive for
 * [invoice] token_ttl_s; the endpoint hands out the application's live
 * token again while it has at least half its life left and is not locked.
 * The PDF key (16 random bytes) lives INVOICE_PDF_LIFE_S and is replaced at
 * every right answer, so the PDF is reachable only after the name check.
 * Everything put into HTML goes through api_html_text(); the pages need no
 * script (the server's CSP allows none). The Chinese sentences of the
 * pages are this file's own document text, as in api_pages.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cst.h"
#include "core/log.h"
#include "core/money.h"
#include "core/msg.h"
#include "core/sign.h"
#include "core/utf8.h"
#include "core/uuid.h"
#include "api.h"
#include "hub.h"
#include "invoice_pdf.h"
#include "vclock.h"

#define TAG "invoice"
#define TOKEN_BYTES 20            /* page token: 160 random bits */
#define PDF_KEY_BYTES 16          /* PDF link key: 128 random bits */
#define INVOICE_PDF_LIFE_S 600    /* a PDF link works this long after the check */
#define COMPANY_INPUT_MAX 400     /* bytes of a typed company name we look at */

/* The item and unit of an invoice issued before the tax platform. */
static const char legacy_item[] = "CA数字证书服务费";
static const char legacy_unit[] = "把";

/* The first characters of a token, for log lines (never the whole). */
static const char *tok_tag(const char *token, char buf[8])
{
	snprintf(buf, 8, "%.6s", token);
	return buf;
}

/* China time of Unix seconds s, broken down. */
static void china_time(int64_t s, struct tm *tm)
{
	ca_cst_tm(s, tm);
}

/* ---- POST /v1/invoices/APP_ID/token ---- */

static void token_issue(struct http_req *rq, struct http_resp *rs)
{
	struct hub *hub = rq->hub;
	struct ca_app *app = NULL;
	struct hubdb_invoice inv;
	struct hubdb_inv_token t;
	char account[12], base[API_BASE_URL_MAX], url[API_BASE_URL_MAX + 80], tag[8];
	int64_t now = vclock_now_s(), ttl = hub->cfg.invoice_ttl_s;
	bool reused = true;
	ca_err e;

	if (!api_session_account(rq, rs, account))
		return;
	if (!uuid_valid(rq->param[0])) {
		http_error(rs, 404, "not_found", "no such application");
		return;
	}
	app = malloc(sizeof(*app));
	if (!app) {
		http_error(rs, 500, "internal", "out of memory");
		return;
	}
	e = hubdb_app_get(hub->db, rq->param[0], app);
	if (e == CA_ERR_NOT_FOUND || (!e && strcmp(app->account, account) != 0)) {
		http_error(rs, 404, "not_found", "no application %s of this account",
			   rq->param[0]);
		goto out;
	}
	if (!e)
		e = hubdb_invoice_get(hub->db, app->id, EINV_BLUE, &inv);
	if (e == CA_ERR_NOT_FOUND || (!e && inv.state != HUBDB_INV_ISSUED)) {
		http_error(rs, 403, "forbidden", "the invoice of application %s is not issued yet",
			   app->id);
		goto out;
	}
	if (e)
		goto fail;
	/* Reuse a token with at least half its life left that is not locked. */
	e = hubdb_inv_token_live(hub->db, app->id, now + ttl / 2,
				 hub->cfg.invoice_max_attempts, &t);
	if (e == CA_ERR_NOT_FOUND) {
		reused = false;
		memset(&t, 0, sizeof(t));
		snprintf(t.app_id, sizeof(t.app_id), "%s", app->id);
		t.created_s = now;
		t.expires_s = now + ttl;
		e = sign_random_hex(TOKEN_BYTES, t.token);
		if (!e && !(e = hubdb_begin(hub->db))) {
			e = hubdb_inv_token_add(hub->db, &t);
			if (e)
				hubdb_rollback(hub->db);
			else
				e = hubdb_commit(hub->db);
		}
	}
	if (e)
		goto fail;
	api_base_url(rq, base, sizeof(base));
	snprintf(url, sizeof(url), "%s/invoice/%s", base, t.token);
	log_info(TAG, "invoice token %s... for %s (%s, expires %lld)", tok_tag(t.token, tag),
		 app->id, reused ? "reused" : "new", (long long)t.expires_s);
	http_reply(rs, 200, json_pack("{s:s, s:I, s:s, s:s}", "url", url, "expires_at",
				      (json_int_t)t.expires_s, "invoice_no", inv.number,
				      "app_id", app->id));
	goto out;
fail:
	api_store_error(rs);
out:
	free(app);
}

/* ---- the invoice as the page and the PDF show it ---- */

/* An application's invoices: the blue one (issued) and its red reversal
 * (any state), each as issued. */
struct inv_view {
	struct ca_app app;              /* the application invoiced */
	struct hubdb_invoice row[2];    /* [EINV_BLUE], [EINV_RED] */
	bool issued[2];                 /* which are issued */
	bool has_red;                   /* a red one is owed or issued */
	struct einvoice inv[2];         /* as issued */
};

/*
 * An invoice issued before the tax platform (schema version 8 and
 * earlier): only its 16-digit number and date were stored; the rest is
 * the application's, the tax taken at [invoice] tax_rate (the amount
 * before tax rounded half up to the fen, the tax the rest).
 */
static void legacy_invoice(const struct hub *hub, const struct ca_app *app,
			   const struct hubdb_invoice *row, struct einvoice *inv)
{
	struct einv_item *it = &inv->items[0];
	int64_t total = app->amount_fen, per = 100 + hub->cfg.invoice_rate_pct, price;
	int64_t qty = 1 + app->sub_keys;

	memset(inv, 0, sizeof(*inv));
	inv->kind = EINV_BLUE;
	snprintf(inv->number, sizeof(inv->number), "%s", row->number);
	inv->issued_s = row->issued_ms / 1000;
	/* names of 100 characters fit unless they use 4-byte characters: then
	 * the name is cut at a whole character */
	utf8_copy(inv->buyer_name, sizeof(inv->buyer_name), app->company, CA_COMPANY_MAX);
	snprintf(inv->buyer_tax_id, sizeof(inv->buyer_tax_id), "%s", app->uscc);
	utf8_copy(inv->seller_name, sizeof(inv->seller_name), hub->cfg.seller_name,
		  HUBCFG_SELLER_MAX);
	snprintf(inv->seller_tax_id, sizeof(inv->seller_tax_id), "%s", hub->cfg.seller_uscc);
	inv->nitems = 1;
	snprintf(it->name, sizeof(it->name), "%s", legacy_item);
	snprintf(it->spec, sizeof(it->spec), "%s（%s）", msg(ca_cert_type_msg(app->cert_type)),
		 msg(ca_business_msg(app->business)));
	snprintf(it->unit, sizeof(it->unit), "%s", legacy_unit);
	it->quantity = qty;
	it->rate_pct = hub->cfg.invoice_rate_pct;
	it->amount_fen = (total * 200 + per) / (2 * per); /* total / 1.06, half up */
	it->tax_fen = total - it->amount_fen;
	/* the price before tax per key, to 8 decimals as the platform writes it */
	price = (total * 100000000 * 2 + per * qty) / (2 * per * qty);
	snprintf(it->unit_price, sizeof(it->unit_price), "%lld.%08lld",
		 (long long)(price / 100000000), (long long)(price % 100000000));
	inv->amount_fen = it->amount_fen;
	inv->tax_fen = it->tax_fen;
	inv->total_fen = total;
	snprintf(inv->remarks, sizeof(inv->remarks), "申请编号：%s", app->id);
}

/* The issued invoice of row into *inv: as the platform issued it, or an
 * older one rebuilt (legacy_invoice). */
static ca_err issued_invoice(const struct hub *hub, const struct ca_app *app,
			     const struct hubdb_invoice *row, struct einvoice *inv)
{
	char *data = NULL, *xml = NULL;
	size_t xml_len;
	json_t *j;
	ca_err e = hubdb_invoice_files(hub->db, row->app_id, row->kind, &data, &xml, &xml_len);

	if (e)
		return e;
	if (!data[0] && row->kind == EINV_BLUE) {
		legacy_invoice(hub, app, row, inv);
	} else {
		j = json_loads(data, 0, NULL);
		e = j ? einvoice_from_json(j, inv) : CA_ERR_CORRUPT;
		json_decref(j);
	}
	free(data);
	free(xml);
	return e;
}

/* Load the invoices of app_id into *v. CA_ERR_NOT_FOUND while its blue
 * invoice is not issued. */
static ca_err view_load(const struct hub *hub, const char *app_id, struct inv_view *v)
{
	int k;
	ca_err e;

	memset(v, 0, sizeof(*v));
	e = hubdb_app_get(hub->db, app_id, &v->app);
	for (k = EINV_BLUE; !e && k <= EINV_RED; k++) {
		e = hubdb_invoice_get(hub->db, app_id, (enum einv_kind)k, &v->row[k]);
		if (e == CA_ERR_NOT_FOUND && k == EINV_RED) {
			e = CA_OK;
			break;
		}
		if (e)
			break;
		if (k == EINV_RED)
			v->has_red = v->row[k].state != HUBDB_INV_FAILED;
		if (v->row[k].state != HUBDB_INV_ISSUED) {
			if (k == EINV_BLUE)
				e = CA_ERR_NOT_FOUND;
			continue;
		}
		e = issued_invoice(hub, &v->app, &v->row[k], &v->inv[k]);
		v->issued[k] = !e;
	}
	return e;
}

/* ---- the pages ---- */

static const char page_style[] =
	"<style>\n"
	"body{margin:0 auto;max-width:40em;padding:1em;font:17px/1.6 sans-serif;"
	"color:#1a1a1a;background:#f6f7f9}\n"
	"h1{font-size:1.4em;margin:.3em 0 .6em}\n"
	".card{background:#fff;border:1px solid #d5d9e0;border-radius:.6em;padding:1em;"
	"margin-bottom:1em}\n"
	"label{display:block;font-weight:bold;margin-bottom:.3em}\n"
	"input[type=text]{box-sizing:border-box;width:100%;font-size:1.1em;padding:.6em;"
	"border:1px solid #8a93a3;border-radius:.4em}\n"
	"button,.btn{display:block;box-sizing:border-box;width:100%;margin-top:1em;"
	"padding:.8em;font-size:1.1em;text-align:center;color:#fff;background:#1857b8;"
	"border:none;border-radius:.4em;text-decoration:none}\n"
	".err{background:#fdecea;border:1px solid #e0a39c;color:#8a1c12;border-radius:.4em;"
	"padding:.6em .8em;margin-bottom:1em}\n"
	".ok{background:#eaf6ec;border:1px solid #9cc9a4;color:#1d5a2a;border-radius:.4em;"
	"padding:.6em .8em;margin-bottom:1em}\n"
	".muted{color:#5a6270;font-size:.9em}\n"
	"table{width:100%;border-collapse:collapse}\n"
	"th{text-align:left;font-weight:normal;color:#5a6270;width:7em;vertical-align:top;"
	"padding:.3em .5em .3em 0}\n"
	"td{padding:.3em 0;word-break:break-all}\n"
	".amount{font-size:1.5em;font-weight:bold;color:#8a1c12}\n"
	"</style>\n";

/* The head of a page titled title, and its heading. */
static void page_begin(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"robots\" content=\"noindex\">\n<title>", f);
	api_html_text(f, title);
	fputs("</title>\n", f);
	fputs(page_style, f);
	fputs("</head>\n<body>\n<h1>", f);
	api_html_text(f, title);
	fputs("</h1>\n", f);
}

/* Finish the page in f (open_memstream over *html) and answer it. */
static void page_send(struct http_resp *rs, int status, FILE *f, char **html)
{
	fputs("<p class=\"muted\">CA 数字证书自助服务 · 电子发票</p>\n</body>\n</html>\n", f);
	if (fclose(f) != 0) {
		free(*html);
		http_error(rs, 500, "internal", "out of memory");
		return;
	}
	http_reply_html(rs, status, *html);
}

/* A page that only says something: title, text, and what to do. */
static void page_note(struct http_resp *rs, int status, const char *title, const char *text,
		      const char *todo)
{
	char *html = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&html, &len);

	if (!f) {
		http_error(rs, 500, "internal", "out of memory");
		return;
	}
	page_begin(f, title);
	fputs("<div class=\"card\">\n<p>", f);
	api_html_text(f, text);
	fputs("</p>\n<p>", f);
	api_html_text(f, todo);
	fputs("</p>\n</div>\n", f);
	page_send(rs, status, f, &html);
}

static void page_unknown(struct http_resp *rs)
{
	page_note(rs, 404, "找不到这张发票",
		  "这个二维码对应的发票不存在，或者链接不完整。",
		  "请确认扫描的是自助机“电子发票”页面上的二维码；也可以在自助机上重新生成二维码。");
}

static void page_expired(struct http_resp *rs)
{
	page_note(rs, 410, "二维码已过期",
		  "这个发票二维码已经超过有效期，不能再使用。",
		  "请在自助机上登录，进入“电子发票”，为这笔订单重新生成二维码后再扫描。");
}

static void page_locked(struct http_resp *rs)
{
	page_note(rs, 403, "二维码已锁定",
		  "单位名称输错的次数太多，为保护您的信息，这个二维码已停止使用。",
		  "请回到自助机，在“电子发票”中重新生成二维码；如有疑问，请到服务窗口咨询工作人员。");
}

static void page_failed(struct http_resp *rs)
{
	page_note(rs, 500, "暂时无法打开发票", "服务器暂时出现问题。",
		  "请稍后刷新本页重试；如果一直无法打开，请到服务窗口咨询工作人员。");
}

/* The form asking for the company name; error (may be NULL) above it. */
static void page_form(struct http_resp *rs, const struct hubdb_inv_token *t, int tries_max,
		      const char *error)
{
	char *html = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&html, &len);
	struct tm tm;

	if (!f) {
		http_error(rs, 500, "internal", "out of memory");
		return;
	}
	page_begin(f, "获取电子发票");
	if (error) {
		fputs("<div class=\"err\" role=\"alert\">", f);
		api_html_text(f, error);
		fputs("</div>\n", f);
	}
	fputs("<div class=\"card\">\n<p>为确认是您本人的发票，请输入申请时填写的单位名称，"
	      "核对无误后即可预览和下载发票。</p>\n"
	      "<form method=\"post\" action=\"/invoice/", f);
	api_html_text(f, t->token);
	fputs("\">\n<label for=\"company\">单位名称</label>\n"
	      "<input type=\"text\" id=\"company\" name=\"company\" maxlength=\"100\" required "
	      "autocomplete=\"organization\" placeholder=\"与营业执照上的名称一致\">\n"
	      "<button type=\"submit\" id=\"submit\">查看发票</button>\n</form>\n</div>\n", f);
	china_time(t->expires_s, &tm);
	fprintf(f, "<p class=\"muted\">本页面有效期至 %04d-%02d-%02d %02d:%02d（北京时间）。"
		"单位名称最多可输错 %d 次，超过后二维码将被锁定。</p>\n", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tries_max);
	page_send(rs, 200, f, &html);
}

/* One row of the preview table. */
static void preview_row(FILE *f, const char *key, const char *value)
{
	fputs("<tr><th>", f);
	api_html_text(f, key);
	fputs("</th><td>", f);
	api_html_text(f, value);
	fputs("</td></tr>\n", f);
}

/* Yuan of fen as the page writes it: "¥600.00", "¥-600.00". */
static void yuan(int64_t fen, char out[40])
{
	char fig[MONEY_FIGURES_MAX];

	snprintf(out, 40, "¥%s", money_figures(fen, fig, sizeof(fig)));
}

/* The date of Unix seconds s in China time, "2026年11月24日". */
static void cn_date(int64_t s, char out[40])
{
	struct tm tm;

	china_time(s, &tm);
	snprintf(out, 40, "%04d年%02d月%02d日", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* The download links of one invoice: its PDF and its XML (what is the
 * route's part for it: "pdf" or "red-pdf"...). */
static void file_links(FILE *f, const char *token, const char *key, bool red, bool xml)
{
	static const char *const label[2][2] = {
		{ "下载 PDF 发票", "下载 XML 数据文件" },
		{ "下载红字发票 PDF", "下载红字发票 XML 数据文件" },
	};
	int i;

	for (i = 0; i < (xml ? 2 : 1); i++) {
		fprintf(f, "<a class=\"btn%s\" id=\"%s%s\" href=\"/invoice/", i ? " alt" : "",
			red ? "red-" : "", i ? "xml" : "pdf");
		api_html_text(f, token);
		fprintf(f, "/%s%s/", red ? "red-" : "", i ? "xml" : "pdf");
		api_html_text(f, key);
		fputs("\">", f);
		api_html_text(f, label[red][i]);
		fputs("</a>\n", f);
	}
}

/* The rows of one invoice. */
static void invoice_rows(FILE *f, const struct einvoice *inv)
{
	const struct einv_item *it = &inv->items[0];
	char t[64], money[40], upper[MONEY_UPPER_MAX];

	preview_row(f, "发票号码", inv->number);
	cn_date(inv->issued_s, t);
	preview_row(f, "开票日期", t);
	preview_row(f, "购买方", inv->buyer_name);
	preview_row(f, "购买方税号", inv->buyer_tax_id);
	preview_row(f, "销售方", inv->seller_name);
	if (inv->seller_tax_id[0])
		preview_row(f, "销售方税号", inv->seller_tax_id);
	preview_row(f, "项目名称", it->name);
	preview_row(f, "规格型号", it->spec);
	snprintf(t, sizeof(t), "%lld %s", (long long)it->quantity, it->unit);
	preview_row(f, "数量", t);
	snprintf(t, sizeof(t), "¥%s", it->unit_price);
	preview_row(f, "单价（不含税）", t);
	yuan(inv->amount_fen, money);
	preview_row(f, "金额（不含税）", money);
	snprintf(t, sizeof(t), "%d%%", it->rate_pct);
	preview_row(f, "税率", t);
	yuan(inv->tax_fen, money);
	preview_row(f, "税额", money);
	if (money_upper(inv->total_fen, upper, sizeof(upper)))
		snprintf(upper, sizeof(upper), "?");
	preview_row(f, "价税合计（大写）", upper);
	if (inv->remarks[0])
		preview_row(f, "备注", inv->remarks);
	if (inv->issuer[0])
		preview_row(f, "开票人", inv->issuer);
	yuan(inv->total_fen, money);
	fprintf(f, "<tr><th>价税合计</th><td class=\"amount\" id=\"%samount\">",
		inv->kind == EINV_RED ? "red-" : "");
	api_html_text(f, money);
	fputs("</td></tr>\n", f);
}

/* The preview of the invoices with their download links. */
static void page_preview(struct http_resp *rs, const struct inv_view *v, const char *token,
			 const char *key)
{
	char *html = NULL, t[40];
	size_t len = 0;
	FILE *f = open_memstream(&html, &len);

	if (!f) {
		http_error(rs, 500, "internal", "out of memory");
		return;
	}
	page_begin(f, "电子发票预览");
	fputs("<div class=\"ok\">单位名称核对无误。</div>\n", f);
	if (v->issued[EINV_RED]) {
		cn_date(v->inv[EINV_RED].issued_s, t);
		fprintf(f, "<div class=\"err\" id=\"reversed\">这张发票已因退款于 %s 全额红冲，"
			"不能再作为报销或抵扣凭证。红字发票见本页下方。</div>\n", t);
	} else if (v->has_red) {
		fputs("<div class=\"err\" id=\"reversing\">这笔订单已退款，红字发票正在开具，"
		      "请稍后刷新本页查看。</div>\n", f);
	}
	fputs("<div class=\"card\">\n<table>\n", f);
	invoice_rows(f, &v->inv[EINV_BLUE]);
	fputs("</table>\n</div>\n", f);
	file_links(f, token, key, false, v->row[EINV_BLUE].request_id[0] &&
		   strncmp(v->row[EINV_BLUE].request_id, "legacy-", 7));
	if (v->issued[EINV_RED]) {
		fputs("<h1>红字发票</h1>\n<div class=\"card\" id=\"red\">\n<table>\n", f);
		invoice_rows(f, &v->inv[EINV_RED]);
		preview_row(f, "对应蓝字发票", v->inv[EINV_RED].original);
		fputs("</table>\n</div>\n", f);
		file_links(f, token, key, true, true);
	}
	fprintf(f, "<p class=\"muted\">下载链接 %d 分钟内有效；"
		"过期后请刷新本页，重新输入单位名称。</p>\n", INVOICE_PDF_LIFE_S / 60);
	page_send(rs, 200, f, &html);
}

/* The token of the request's path, checked: 0 and *t filled when it may
 * be used; otherwise the page saying why is in rs and -1 is returned. */
static int token_open(struct http_req *rq, struct http_resp *rs, struct hubdb_inv_token *t)
{
	ca_err e;

	if (!sign_is_hex(rq->param[0], 2 * TOKEN_BYTES)) {
		page_unknown(rs);
		return -1;
	}
	e = hubdb_inv_token_get(rq->hub->db, rq->param[0], t);
	if (e == CA_ERR_NOT_FOUND) {
		page_unknown(rs);
		return -1;
	}
	if (e) {
		page_failed(rs);
		return -1;
	}
	if (t->expires_s <= vclock_now_s()) {
		page_expired(rs);
		return -1;
	}
	if (t->tries >= rq->hub->cfg.invoice_max_attempts) {
		page_locked(rs);
		return -1;
	}
	return 0;
}

/* Load the invoice view of app_id into v (the caller's allocation, NULL when
 * it failed). Returns -1 after answering the failure page for NULL;
 * otherwise 0 with *e view_load's result. */
static int view_open(const struct hub *hub, struct http_resp *rs, const char *app_id,
		     struct inv_view *v, ca_err *e)
{
	if (!v) {
		page_failed(rs);
		return -1;
	}
	*e = view_load(hub, app_id, v);
	return 0;
}

/* GET /invoice/TOKEN */
static void page_get(struct http_req *rq, struct http_resp *rs)
{
	struct hubdb_inv_token t;

	if (token_open(rq, rs, &t) == 0)
		page_form(rs, &t, rq->hub->cfg.invoice_max_attempts, NULL);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The value of name in a form body (application/x-www-form-urlencoded)
 * into out (size n), decoded. false when absent, malformed or too long. */
static bool form_value(const char *body, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name), o = 0;
	const char *p = body;

	while (*p) {
		const char *end = strchr(p, '&');
		size_t seg = end ? (size_t)(end - p) : strlen(p);

		if (seg > nl && !strncmp(p, name, nl) && p[nl] == '=') {
			const char *s = p + nl + 1, *e = p + seg;

			while (s < e) {
				int c = (unsigned char)*s;

				if (c == '+') {
					c = ' ';
					s++;
				} else if (c == '%') {
					int hi, lo;

					if (e - s < 3 || (hi = hexval(s[1])) < 0 ||
					    (lo = hexval(s[2])) < 0)
						return false;
					c = hi * 16 + lo;
					s += 3;
				} else {
					s++;
				}
				if (c == 0 || o + 1 >= n)
					return false;
				out[o++] = (char)c;
			}
			out[o] = '\0';
			return true;
		}
		p += seg;
		if (*p == '&')
			p++;
	}
	return false;
}

/* Whether the bytes at s begin a whitespace character; its length. */
static size_t space_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (*u == ' ' || (*u >= '\t' && *u <= '\r'))
		return 1;
	if (u[0] == 0xc2 && u[1] == 0xa0) /* no-break space */
		return 2;
	if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80) /* ideographic space */
		return 3;
	return 0;
}

/* s without leading and trailing whitespace (ASCII, U+00A0, U+3000), in
 * place; returns the start. */
static char *trim(char *s)
{
	size_t k, len, i, last;

	while ((k = space_len(s)) > 0)
		s += k;
	len = strlen(s);
	last = 0;
	for (i = 0; i < len; i += k ? k : 1) {
		k = space_len(s + i);
		if (!k)
			last = i + 1;
	}
	/* last is one past the first byte of the last non-space character:
	 * extend over that character's continuation bytes. */
	while (last < len && ((unsigned char)s[last] & 0xc0) == 0x80)
		last++;
	s[last] = '\0';
	return s;
}

/*
 * The comparable form of a company name, into out (size n): no whitespace
 * at all (ASCII, U+00A0, U+3000), full-width ASCII forms (U+FF01..U+FF5E,
 * e.g. the （） of "某某（苏州）有限公司") as their ASCII letters, and
 * ASCII letters in upper case. People type the same name with either kind
 * of brackets and spaces, and Latin letters in either case, on a phone's
 * keyboard; none of that makes it another company. Everything else must
 * be the same. false when it does not fit.
 */
static bool name_key(const char *s, char *out, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0, k;

	while (*u) {
		unsigned c;

		if ((k = space_len((const char *)u)) > 0) {
			u += k;
			continue;
		}
		if (u[0] == 0xef && (u[1] == 0xbc || u[1] == 0xbd) && u[2] >= 0x80 &&
		    u[2] <= 0xbf) {
			/* U+FF00..U+FF7F: EF BC 80..BF, EF BD 80..BF */
			c = (u[1] == 0xbc ? 0xff00u : 0xff40u) + (u[2] - 0x80u);
			if (c >= 0xff01u && c <= 0xff5eu) {
				c = c - 0xff01u + 0x21u;
				if (o + 1 >= n)
					return false;
				out[o++] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
				u += 3;
				continue;
			}
		}
		if (o + 1 >= n)
			return false;
		out[o++] = (char)(*u >= 'a' && *u <= 'z' ? *u - 32 : *u);
		u++;
	}
	out[o] = '\0';
	return true;
}

/* POST /invoice/TOKEN company=NAME */
static void page_post(struct http_req *rq, struct http_resp *rs)
{
	struct hub *hub = rq->hub;
	struct hubdb_inv_token t;
	struct inv_view *v = NULL;
	char input[COMPANY_INPUT_MAX + 1], typed_key[COMPANY_INPUT_MAX + 1];
	char want_key[sizeof(v->app.company)], err[200], key[40], tag[8];
	const char *typed;
	int max = hub->cfg.invoice_max_attempts, left;
	bool right;
	ca_err e;

	if (token_open(rq, rs, &t) != 0)
		return;
	if (!form_value(rq->body, "company", input, sizeof(input)) || !*(typed = trim(input))) {
		page_form(rs, &t, max, "请输入单位名称。");
		return;
	}
	v = malloc(sizeof(*v));
	if (view_open(hub, rs, t.app_id, v, &e) != 0)
		return;
	if (e == CA_ERR_NOT_FOUND) {
		page_unknown(rs);
		goto out;
	}
	if (e)
		goto failed;
	right = name_key(v->app.company, want_key, sizeof(want_key)) &&
		name_key(typed, typed_key, sizeof(typed_key)) &&
		strcmp(want_key, typed_key) == 0;
	/* Count or answer under the store's lock, re-reading the row, so that
	 * parallel posts cannot pass the limit. */
	if ((e = hubdb_begin(hub->db)))
		goto failed;
	e = hubdb_inv_token_get(hub->db, rq->param[0], &t); /* not t.token: t is refilled */
	if (!e && t.tries >= max) {
		hubdb_rollback(hub->db);
		page_locked(rs);
		goto out;
	}
	if (!e && right && !(e = sign_random_hex(PDF_KEY_BYTES, key)))
		e = hubdb_inv_token_set(hub->db, t.token, t.tries, key,
					vclock_now_s() + INVOICE_PDF_LIFE_S);
	else if (!e && !right)
		e = hubdb_inv_token_set(hub->db, t.token, t.tries + 1, "", 0);
	if (e) {
		hubdb_rollback(hub->db);
		goto failed;
	}
	if ((e = hubdb_commit(hub->db)))
		goto failed;
	if (right) {
		log_info(TAG, "token %s...: company name matched, preview of %s",
			 tok_tag(t.token, tag), v->inv[EINV_BLUE].number);
		page_preview(rs, v, t.token, key);
		goto out;
	}
	left = max - (t.tries + 1);
	log_info(TAG, "token %s...: wrong company name (%d left)", tok_tag(t.token, tag), left);
	if (left <= 0) {
		page_locked(rs);
		goto out;
	}
	snprintf(err, sizeof(err), "单位名称与开票信息不一致，请检查后重新输入。还可以再试 %d 次。",
		 left);
	page_form(rs, &t, max, err);
	goto out;
failed:
	log_error(TAG, "token %s...: the name check failed: %s", tok_tag(t.token, tag),
		  ca_strerror(e));
	page_failed(rs);
out:
	free(v);
}

/* GET /invoice/TOKEN/{pdf,xml,red-pdf,red-xml}/KEY: one of the files,
 * while KEY is alive. */
static void file_get(struct http_req *rq, struct http_resp *rs, enum einv_kind kind, bool xml)
{
	struct hub *hub = rq->hub;
	struct hubdb_inv_token t;
	struct inv_view *v = NULL;
	char *body = NULL, *data = NULL, name[64], err[300], tag[8];
	size_t len = 0;
	ca_err e;

	if (token_open(rq, rs, &t) != 0)
		return;
	if (!sign_is_hex(rq->param[1], 2 * PDF_KEY_BYTES) || !t.pdf_key[0] ||
	    !sign_equal(t.pdf_key, rq->param[1]) || t.pdf_expires_s <= vclock_now_s()) {
		page_note(rs, 404, "下载链接已失效",
			  "这个下载链接不正确或已经过期。",
			  "请重新扫描自助机上的发票二维码，输入单位名称后再下载。");
		return;
	}
	v = malloc(sizeof(*v));
	if (view_open(hub, rs, t.app_id, v, &e) != 0)
		return;
	if (e || !v->issued[kind]) {
		if (!e || e == CA_ERR_NOT_FOUND)
			page_unknown(rs);
		else
			page_failed(rs);
		goto out;
	}
	if (xml) {
		e = hubdb_invoice_files(hub->db, t.app_id, kind, &data, &body, &len);
		if (!e && !len) {
			page_note(rs, 404, "没有 XML 数据文件",
				  "这张发票开具较早，只有 PDF 版式文件。",
				  "请返回上一页下载 PDF 发票。");
			goto out;
		}
	} else {
		e = invoice_pdf_render(hub->cfg.invoice_font, &v->inv[kind], &body, &len, err,
				       sizeof(err));
		if (e)
			log_error(TAG, "invoice %s: no PDF: %s", v->inv[kind].number, err);
	}
	if (e) {
		page_failed(rs);
		goto out;
	}
	log_info(TAG, "token %s...: %s of %s (%zu bytes)", tok_tag(t.token, tag), xml ? "XML"
		 : "PDF", v->inv[kind].number, len);
	snprintf(name, sizeof(name), "invoice-%s.%s", v->inv[kind].number, xml ? "xml" : "pdf");
	http_reply_file(rs, 200, body, len, xml ? "application/xml" : "application/pdf", name);
	body = NULL;
out:
	free(body);
	free(data);
	free(v);
}

static void pdf_get(struct http_req *rq, struct http_resp *rs)
{
	file_get(rq, rs, EINV_BLUE, false);
}

static void xml_get(struct http_req *rq, struct http_resp *rs)
{
	file_get(rq, rs, EINV_BLUE, true);
}

static void red_pdf_get(struct http_req *rq, struct http_resp *rs)
{
	file_get(rq, rs, EINV_RED, false);
}

static void red_xml_get(struct http_req *rq, struct http_resp *rs)
{
	file_get(rq, rs, EINV_RED, true);
}

static const struct http_route routes[] = {
	{ "POST", "/v1/invoices/*/token", HTTP_AUTH_DEVICE, token_issue, 0 },
	{ "GET", "/invoice/*", HTTP_AUTH_NONE, page_get, 0 },
	{ "POST", "/invoice/*", HTTP_AUTH_NONE, page_post, 0 },
	{ "GET", "/invoice/*/pdf/*", HTTP_AUTH_NONE, pdf_get, 0 },
	{ "GET", "/invoice/*/xml/*", HTTP_AUTH_NONE, xml_get, 0 },
	{ "GET", "/invoice/*/red-pdf/*", HTTP_AUTH_NONE, red_pdf_get, 0 },
	{ "GET", "/invoice/*/red-xml/*", HTTP_AUTH_NONE, red_xml_get, 0 },
};

ca_err api_invoice_register(struct http *h)
{
	return http_add_routes(h, routes, sizeof(routes) / sizeof(routes[0]));
}
