/*
 * pay_parts.h - what the payment screens share (scr_pay.c, scr_order.c,
 * scr_invoice.c): the selected application, key/value rows on a card,
 * the order line, times, an empty list, a lone footer button, the QR's
 * size, an order's e-invoice state (pay_parts.c), and the banks' names
 * (scr_pay.c).
 */
#ifndef CA_PAY_PARTS_H
#define CA_PAY_PARTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiosk/app.h"

/* The application id in the cached list of the account, or NULL. */
const struct ca_app *pay_find_app(struct app *a, const char *id);

/* Begin a screen about the selected application (title, 返回 and an
 * action bar) and read it into *r. false when the screen changed: 返回
 * was tapped (to back) or the application is gone (to gone). */
bool pay_sel_screen(struct app *a, enum msg_id title, enum app_screen back,
		    enum app_screen gone, struct ca_app *r);

/* A key/value row on a card. */
void pay_kv_text(struct ui *ui, enum msg_id key, const char *value);

/* A key with a status pill. */
void pay_kv_pill(struct ui *ui, enum msg_id key, const char *value, enum ui_tone tone);

/* A key with an amount in large type. */
void pay_kv_amount(struct ui *ui, enum msg_id key, int64_t fen);

/* Centred text on a card. */
void pay_centred(struct ui *ui, const char *text, enum draw_font f, int size,
		 enum theme_ink_id ink);

/* "新办 · 机构证书 · ¥600.00" */
const char *pay_order_line(const struct ca_app *r, char *buf, size_t n);

/* The tone of a processing status. */
enum ui_tone pay_proc_tone(enum ca_proc_status p);

/* "2026-11-24 08:05" of Unix ms, in China time (as the hub writes times). */
void pay_fmt_time(int64_t ms, char *buf, size_t n);

/* An empty list: a card with 暂无记录 and what would appear here. */
void pay_empty_card(struct ui *ui, enum msg_id hint);

/* One button alone in the action bar. */
bool pay_footer_one(struct ui *ui, const char *id, enum msg_id label, unsigned opts);

/* A QR's size (and that of the panel standing in for it): as large as the
 * body leaves room for, up to 600 px (520 beside the text when wide);
 * below it in portrait go other px (design) of text. Call before the card. */
int pay_qr_fit(struct ui *ui, int other);

/* A panel h px tall with its content roughly centred (est: its height);
 * returns what pay_panel_end takes. */
int pay_panel_begin(struct ui *ui, int h, int est);
void pay_panel_end(struct ui *ui, int top, int h);

/* A spinner with a caption where the QR goes. */
void pay_qr_wait_panel(struct ui *ui, enum msg_id text, int h);

/* An invoice number in groups of four digits ("2026 1124 0000 0004"),
 * easier to read out and compare. Returns buf. */
const char *pay_invoice_no(const char *number, char *buf, size_t n);

/* Whether order r has an e-invoice to get or to wait for: paid or done
 * (not refunded), the application approved. */
bool pay_invoiceable(const struct ca_app *r);

/* Where the e-invoice of order r stands, given its blue and red invoices
 * as the hub's feed told the store (app_invoice; NULL: none): 已开具,
 * 已红冲, 开票中, 开票未成功, or 等待开具 for an order that waits for one;
 * MSG_NONE when r has none to speak of (unpaid, or refunded without an
 * invoice). *tone gets the pill's tone. */
enum msg_id pay_invoice_state(const struct ca_app *r, const struct ca_invoice *blue,
			      const struct ca_invoice *red, enum ui_tone *tone);

/* The Chinese name of bank index bank of the bank list (scr_pay.c);
 * MSG_NONE out of range. */
enum msg_id pay_bank_name(int bank);

#endif
