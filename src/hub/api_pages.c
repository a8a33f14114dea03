/*
 * api_pages.c - pages a person opens on a phone by scanning a QR code on
 * the kiosk: HTML, no authentication, nothing personal in them.
 *
 *   GET /template/application-form   the application form (申请表模板) to
 *                                    print, fill in by hand, sign and stamp
 *                                    (docs/hub.md, 03附件信息)
 *
 * The field names and the choices come from the message catalog (the same
 * words as the kiosk's form); the sentences around them are this page's
 * own document text, kept here with its markup. The page is built per
 * request with open_memstream (a few KiB); it needs no script, and the
 * server's CSP allows none (http_reply_html).
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/app.h"
#include "core/msg.h"
#include "api.h"

/* One table row: the field's catalog label and an empty line to write on. */
static void row(FILE *f, enum ca_field field)
{
	fputs("<tr><th>", f);
	api_html_text(f, msg(ca_field_msg(field)));
	fputs("</th><td class=\"line\"></td></tr>\n", f);
}

/* One table row of 18 character boxes (USCC, ID number). */
static void boxes_row(FILE *f, enum ca_field field)
{
	int i;

	fputs("<tr><th>", f);
	api_html_text(f, msg(ca_field_msg(field)));
	fputs("</th><td><div class=\"boxes\">", f);
	for (i = 0; i < 18; i++)
		fputs("<span></span>", f);
	fputs("</div></td></tr>\n", f);
}

/* One row of check boxes: the label of field, then each choice. */
static void choice_row(FILE *f, enum ca_field field, const enum msg_id *choices, int n)
{
	int i;

	fputs("<tr><th>", f);
	api_html_text(f, msg(ca_field_msg(field)));
	fputs("</th><td>", f);
	for (i = 0; i < n; i++) {
		fputs("<span class=\"choice\">&#9744;&nbsp;", f);
		api_html_text(f, msg(choices[i]));
		fputs("</span> ", f);
	}
	fputs("</td></tr>\n", f);
}

static const char page_head[] =
	"<!DOCTYPE html>\n"
	"<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<title>数字证书申请表（模板）</title>\n<style>\n"
	"body{margin:0 auto;max-width:46em;padding:1em;font:17px/1.6 sans-serif;"
	"color:#111;background:#fff}\n"
	"h1{font-size:1.5em;text-align:center;margin:.4em 0 .1em}\n"
	".sub{text-align:center;color:#444;margin:0 0 1em}\n"
	"h2{font-size:1.1em;margin:1.2em 0 .3em;border-bottom:2px solid #111}\n"
	".howto{background:#eef4fb;border:1px solid #9bb8d8;border-radius:.4em;"
	"padding:.6em 1em;margin-bottom:1em}\n"
	".howto ol{margin:.3em 0;padding-left:1.4em}\n"
	"table{width:100%;border-collapse:collapse}\n"
	"th{width:7.5em;text-align:left;font-weight:normal;vertical-align:bottom;"
	"padding:.5em .5em .2em 0}\n"
	"td{padding:.5em 0 .2em}\n"
	"td.line{border-bottom:1px solid #111;height:1.6em}\n"
	".boxes{display:flex;max-width:30em}\n"
	".boxes span{flex:1;border:1px solid #111;border-left:none;height:1.9em}\n"
	".boxes span:first-child{border-left:1px solid #111}\n"
	".choice{display:inline-block;margin-right:1em;white-space:nowrap}\n"
	".fill{display:inline-block;min-width:3em;border-bottom:1px solid #111}\n"
	".decl{text-indent:2em;margin:.4em 0}\n"
	".sign td{height:3.2em;vertical-align:bottom}\n"
	".seal{float:right;width:9em;height:9em;border:1px dashed #777;border-radius:50%;"
	"color:#777;display:flex;align-items:center;justify-content:center;margin:.5em 0 0 1em}\n"
	".staff{margin-top:1.5em;border:1px solid #111;padding:.3em .8em}\n"
	".foot{clear:both;color:#555;font-size:.85em;margin-top:1.5em}\n"
	"@media print{.howto{display:none}body{font-size:11pt;max-width:none;padding:0}"
	"@page{size:A4;margin:15mm}}\n"
	"</style>\n</head>\n<body>\n";

static const char page_howto[] =
	"<div class=\"howto\">\n<strong>怎样使用这份申请表</strong>\n<ol>\n"
	"<li>用手机浏览器的“打印”或“分享”把本页发送到打印机，或转发到电脑上打印（A4 纸）。</li>\n"
	"<li>用黑色签字笔逐项填写，内容须与您在自助机上填写的申请信息一致。</li>\n"
	"<li>由法定代表人和经办人分别签字，并加盖单位公章。</li>\n"
	"<li>按自助机或服务窗口的提示提交签字盖章后的申请表，审核人员将据此核对您的申请。</li>\n"
	"</ol>\n本页不收集任何信息，打印时这段说明不会出现在纸上。\n</div>\n";

static const char page_decl[] =
	"<h2>五、单位声明</h2>\n"
	"<p class=\"decl\">本单位申请办理上述数字证书，保证本表所填信息及所附材料真实、准确、"
	"完整。证书及其介质（CA锁）只用于本单位依法开展的业务，由经办人妥善保管，不转借他人；"
	"介质遗失或单位信息变更时，本单位将及时申请补办或变更。因所填信息不实产生的后果由本单位承担。</p>\n"
	"<div class=\"seal\">单位公章</div>\n"
	"<table class=\"sign\">\n"
	"<tr><th>法定代表人（签字）</th><td class=\"line\"></td></tr>\n"
	"<tr><th>经办人（签字）</th><td class=\"line\"></td></tr>\n"
	"<tr><th>日期</th><td><span class=\"fill\"></span> 年 "
	"<span class=\"fill\"></span> 月 <span class=\"fill\"></span> 日</td></tr>\n"
	"</table>\n"
	"<div class=\"staff\">以下由审核人员填写<table>\n"
	"<tr><th>受理编号</th><td class=\"line\"></td></tr>\n"
	"<tr><th>审核意见</th><td class=\"line\"></td></tr>\n"
	"<tr><th>审核人、日期</th><td class=\"line\"></td></tr>\n"
	"</table></div>\n"
	"<p class=\"foot\">本表由 CA 数字证书自助服务系统提供，可自由复印、打印使用。</p>\n"
	"</body>\n</html>\n";

/* GET /template/application-form */
static void form_template(struct http_req *rq, struct http_resp *rs)
{
	static const enum msg_id biz[] = { MSG_BIZ_NEW, MSG_BIZ_RENEW, MSG_BIZ_CHANGE,
					   MSG_BIZ_REISSUE };
	static const enum msg_id cert[] = { MSG_CERT_ORG, MSG_CERT_LEGAL_REP,
					    MSG_CERT_PERSONAL };
	char *html = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&html, &len);

	(void)rq;
	if (!f) {
		http_error(rs, 500, "internal", "out of memory");
		return;
	}
	fputs(page_head, f);
	fputs(page_howto, f);
	fputs("<h1>数字证书申请表</h1>\n<p class=\"sub\">单位用户适用 · 请用正楷填写</p>\n", f);

	fputs("<h2>一、单位信息</h2>\n<table>\n", f);
	row(f, CA_F_COMPANY);
	boxes_row(f, CA_F_USCC);
	row(f, CA_F_LEGAL_REP);
	fputs("</table>\n", f);

	fputs("<h2>二、经办人信息</h2>\n<table>\n", f);
	row(f, CA_F_HANDLER);
	boxes_row(f, CA_F_HANDLER_ID);
	row(f, CA_F_MOBILE);
	row(f, CA_F_EMAIL);
	fputs("</table>\n", f);

	fputs("<h2>三、办理内容</h2>\n<table>\n", f);
	choice_row(f, CA_F_BUSINESS, biz, (int)(sizeof(biz) / sizeof(biz[0])));
	choice_row(f, CA_F_CERT_TYPE, cert, (int)(sizeof(cert) / sizeof(cert[0])));
	fprintf(f, "<tr><th>证书介质数量</th><td>主锁 1 把，%s "
		"<span class=\"fill\"></span> 把（0 至 %d 把）</td></tr>\n",
		msg(ca_field_msg(CA_F_SUB_KEYS)), CA_SUB_KEYS_MAX);
	fputs("</table>\n", f);

	fputs("<h2>四、", f);
	api_html_text(f, msg(ca_field_msg(CA_F_PICKUP)));
	fputs("</h2>\n<table>\n<tr><th></th><td><span class=\"choice\">&#9744;&nbsp;", f);
	api_html_text(f, msg(MSG_PICKUP_ONSITE));
	fputs("</span>（在服务大厅领取，不填下面四项）</td></tr>\n"
	      "<tr><th></th><td><span class=\"choice\">&#9744;&nbsp;", f);
	api_html_text(f, msg(MSG_PICKUP_MAIL));
	fputs("</span>（请填写下面各项）</td></tr>\n", f);
	row(f, CA_F_MAIL_RECIPIENT);
	row(f, CA_F_MAIL_PHONE);
	row(f, CA_F_MAIL_ADDRESS);
	row(f, CA_F_MAIL_POSTCODE);
	fputs("</table>\n", f);

	fputs(page_decl, f);
	if (fclose(f) != 0) {
		free(html);
		http_error(rs, 500, "internal", "out of memory");
		return;
	}
	http_reply_html(rs, 200, html);
}

static const struct http_route routes[] = {
	{ "GET", "/template/application-form", HTTP_AUTH_NONE, form_template, 0 },
};

ca_err api_pages_register(struct http *h)
{
	return http_add_routes(h, routes, sizeof(routes) / sizeof(routes[0]));
}
