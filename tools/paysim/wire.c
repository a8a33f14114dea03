/* wire.c - WeChat Pay's formats (see wire.h). */
#include "wire.h"

#include <stdio.h>
#include <string.h>

#include "core/cst.h"
#include "core/pay.h"
#include "core/uuid.h"

void wire_time(int64_t ms, char out[WIRE_TIME_MAX])
{
	ca_cst_format(ms, "%Y-%m-%dT%H:%M:%S+08:00", out, WIRE_TIME_MAX);
}

bool wire_parse_time(const char *s, int64_t *ms)
{
	int64_t t;

	if (pay_parse_rfc3339(s, &t))
		return false;
	*ms = t * 1000;
	return true;
}

void wire_compact(int64_t ms, char out[UPSIGN_TIME_LEN + 1])
{
	upsign_time(ms / 1000, out);
}

bool wire_parse_compact(const char *s, int64_t *ms)
{
	int64_t t;

	if (upsign_parse_time(s, &t))
		return false;
	*ms = t * 1000;
	return true;
}

ca_err wire_random(char *out, size_t n, bool digits_only)
{
	static const char set[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	unsigned char rnd[64];
	size_t i, m = digits_only ? 10 : sizeof(set) - 1;

	if (n > sizeof(rnd))
		return CA_ERR_ARG;
	if (ca_random(rnd, n) != CA_OK)
		return CA_ERR_IO;
	for (i = 0; i < n; i++)
		out[i] = set[rnd[i] % m];
	out[n] = '\0';
	return CA_OK;
}

const char *wire_state_desc(const char *state)
{
	static const struct { const char *state, *desc; } descs[] = {
		{ "NOTPAY", "订单未支付" },
		{ "SUCCESS", "支付成功" },
		{ "CLOSED", "订单已关闭" },
		{ "REFUND", "转入退款" },
	};
	size_t i;

	for (i = 0; i < sizeof(descs) / sizeof(descs[0]); i++)
		if (!strcmp(state, descs[i].state))
			return descs[i].desc;
	return "";
}

json_t *wire_order(const struct book_order *o)
{
	char t[WIRE_TIME_MAX];
	bool paid = o->success_ms > 0;
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:I, s:s}}",
			      "appid", o->appid, "mchid", o->mchid, "out_trade_no", o->out_trade_no,
			      "trade_type", "NATIVE", "trade_state", o->state,
			      "trade_state_desc", wire_state_desc(o->state), "attach", "",
			      "amount", "total", (json_int_t)o->total, "currency", "CNY");

	if (j && paid) {
		json_t *amount = json_object_get(j, "amount");

		wire_time(o->success_ms, t);
		json_object_set_new(j, "transaction_id", json_string(o->transaction_id));
		json_object_set_new(j, "bank_type", json_string("OTHERS"));
		json_object_set_new(j, "success_time", json_string(t));
		json_object_set_new(j, "payer", json_pack("{s:s}", "openid", o->openid));
		json_object_set_new(amount, "payer_total", json_integer((json_int_t)o->total));
		json_object_set_new(amount, "payer_currency", json_string("CNY"));
	}
	return j;
}

json_t *wire_refund(const struct book_refund *r)
{
	char t[WIRE_TIME_MAX];

	wire_time(r->created_ms, t);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:I, s:I, s:I, s:I, "
			 "s:s}}",
			 "refund_id", r->refund_id, "out_refund_no", r->out_refund_no,
			 "transaction_id", r->transaction_id, "out_trade_no", r->out_trade_no,
			 "channel", "ORIGINAL", "user_received_account", "支付用户零钱",
			 "status", "SUCCESS", "create_time", t, "success_time", t,
			 "amount", "refund", (json_int_t)r->refund, "total", (json_int_t)r->total,
			 "payer_refund", (json_int_t)r->refund,
			 "payer_total", (json_int_t)r->total, "currency", "CNY");
}
