/* hubproc.c - a real ca-hub for tests (see hubproc.h). */
#include "hubproc.h"
#include "membuf.h"
#include "taxproc.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/sign.h"

/* Run /bin/sh -c script in dir, output to log; 0 when it exits 0. */
static int sh(const char *dir, const char *script)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (chdir(dir) != 0)
			_exit(127);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* BUILD dir from /proc/self/exe (BUILD/tests/AREA/prog), or $CA_HUB_BIN_DIR. */
static int find_bins(struct hubproc *hp)
{
	const char *env = getenv("CA_HUB_BIN_DIR");
	char exe[HUBPROC_PATH];
	ssize_t n;
	int i;

	if (env && *env) {
		snprintf(hp->bin_dir, sizeof(hp->bin_dir), "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	for (i = 0; i < 3; i++) {
		char *s = strrchr(exe, '/');

		if (!s)
			return -1;
		*s = '\0';
	}
	snprintf(hp->bin_dir, sizeof(hp->bin_dir), "%s", exe);
	return 0;
}

static const char cert_script[] =
	"set -e\n"
	"K='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'\n"
	"openssl req -x509 $K -keyout ca.key -out ca.pem -days 3 -subj /CN=hubproc-test-ca\n"
	"openssl req -x509 $K -keyout other.key -out other-ca.pem -days 3 -subj /CN=hubproc-other-ca\n"
	"openssl req $K -keyout srv.key -out srv.csr -subj /CN=127.0.0.1\n"
	"printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > srv.ext\n"
	"openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem"
	" -days 3 -extfile srv.ext\n";

/* The merchant's key and certificate (serial into mch.serial), WeChat Pay's
 * key pair, the APIv3 key: RSA-2048 as WeChat Pay issues them. */
static const char wx_key_script[] =
	"set -e\n"
	"R='-algorithm RSA -pkeyopt rsa_keygen_bits:2048'\n"
	"openssl genpkey $R -out mch.key\n"
	"openssl req -x509 -key mch.key -out mch.pem -days 3 -subj /CN=" HUBPROC_MCHID "\n"
	"openssl x509 -in mch.pem -noout -serial | sed 's/^serial=//' > mch.serial\n"
	"openssl genpkey $R -out wxp.key\n"
	"openssl pkey -in wxp.key -pubout -out wxp.pub\n"
	"openssl rand -hex 16 | tr -d '\\n' > apiv3.key\n"
	/* The bank gateway's merchant and the gateway itself. */
	"openssl req -x509 -newkey rsa:2048 -nodes -keyout bmch.key -out bmch.pem -days 3"
	" -subj /CN=" HUBPROC_BANK_MER " -set_serial " HUBPROC_BANK_MCH_CID "\n"
	"openssl req -x509 -newkey rsa:2048 -nodes -keyout bgw.key -out bgw.pem -days 3"
	" -subj /CN=gateway -set_serial " HUBPROC_BANK_GW_CID "\n";

/* The providers' keys, made once per test process (RSA key generation
 * is the slow part of a hub's start) in a directory removed at exit. */
static char key_dir[HUBPROC_PATH];

static void key_dir_remove(void)
{
	char script[HUBPROC_PATH + 32];

	snprintf(script, sizeof(script), "rm -rf '%s'", key_dir);
	(void)sh("/", script);
}

/* Copy the providers' keys into dir, making them first if needed. */
static int provider_keys(const char *dir)
{
	const char *tmp = getenv("TMPDIR");
	char script[2 * HUBPROC_PATH + 64];

	if (!key_dir[0]) {
		snprintf(key_dir, sizeof(key_dir), "%s/hubproc-keys-XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(key_dir) || sh(key_dir, wx_key_script)) {
			fprintf(stderr, "hubproc: openssl could not make the providers' keys\n");
			key_dir[0] = 0;
			return -1;
		}
		atexit(key_dir_remove);
	}
	snprintf(script, sizeof(script), "cp -p '%s'/* '%s'/", key_dir, dir);
	return sh("/", script);
}

/* A free loopback port (the hub's, named by its notify_url before it
 * starts); 0 when none. */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* Start ca-paysim in DIR/paysim on the hub's clock file; wait for its port. */
static int paysim_launch(struct hubproc *hp, int scale)
{
	char bin[HUBPROC_PATH + 16], data[HUBPROC_PATH + 16], portfile[HUBPROC_PATH + 32];
	char f[8][HUBPROC_PATH + 16], serial[HUBPROC_PATH + 16] = "", scale_s[16];
	FILE *fp;
	int i;

	snprintf(bin, sizeof(bin), "%s/ca-paysim", hp->bin_dir);
	snprintf(data, sizeof(data), "%s/paysim", hp->dir);
	snprintf(portfile, sizeof(portfile), "%s/paysim.port", data);
	snprintf(f[0], sizeof(f[0]), "%s/srv.pem", hp->dir);
	snprintf(f[1], sizeof(f[1]), "%s/srv.key", hp->dir);
	snprintf(f[2], sizeof(f[2]), "%s/mch.pem", hp->dir);
	snprintf(f[3], sizeof(f[3]), "%s/apiv3.key", hp->dir);
	snprintf(f[4], sizeof(f[4]), "%s/wxp.key", hp->dir);
	snprintf(f[5], sizeof(f[5]), "%s/clock.offset", hp->data_dir);
	snprintf(f[6], sizeof(f[6]), "%s/bmch.pem", hp->dir);
	snprintf(f[7], sizeof(f[7]), "%s/bgw.key", hp->dir);
	snprintf(scale_s, sizeof(scale_s), "%d", scale > 0 ? scale : 100);
	snprintf(serial, sizeof(serial), "%s/mch.serial", hp->dir);
	fp = fopen(serial, "r");
	if (!fp || !fgets(serial, sizeof(serial), fp)) {
		if (fp)
			fclose(fp);
		return -1;
	}
	fclose(fp);
	serial[strcspn(serial, "\r\n")] = 0;
	mkdir(data, 0700);
	unlink(portfile);
	hp->paysim_pid = fork();
	if (hp->paysim_pid < 0)
		return -1;
	if (hp->paysim_pid == 0) {
		int fd = open(hp->paysim_log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (fd >= 0) {
			dup2(fd, 2);
			dup2(fd, 1);
		}
		close_range(3, ~0U, 0);
		execl(bin, bin, "serve", "--data", data, "--cert", f[0], "--key", f[1], "--listen",
		      "127.0.0.1", "--port", "0", "--mchid", HUBPROC_MCHID, "--appid",
		      HUBPROC_APPID, "--merchant-serial", serial, "--merchant-cert", f[2],
		      "--apiv3-key", f[3], "--platform-key", f[4], "--platform-id",
		      HUBPROC_WXPUB_ID, "--notify-ca", hp->cacert, "--clock-file", f[5],
		      "--time-scale", scale_s, "--bank-mer-id", HUBPROC_BANK_MER,
		      "--bank-merchant-cert", f[6], "--bank-key", f[7], "--bank-cert-id",
		      HUBPROC_BANK_GW_CID, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 300; i++) {
		int st;

		if (waitpid(hp->paysim_pid, &st, WNOHANG) == hp->paysim_pid) {
			fprintf(stderr, "hubproc: ca-paysim exited at start; see %s\n",
				hp->paysim_log);
			hp->paysim_pid = 0;
			return -1;
		}
		fp = fopen(portfile, "r");
		if (fp) {
			int ok = fscanf(fp, "%d", &hp->paysim_port) == 1;

			fclose(fp);
			if (ok)
				return 0;
		}
		ca_sleep_ms(50);
	}
	fprintf(stderr, "hubproc: ca-paysim did not start; see %s\n", hp->paysim_log);
	return -1;
}

/* The [pay], [wechatpay] and [bank] sections for the simulator at
 * hp->paysim_port. */
static void wechatpay_config(struct hubproc *hp, FILE *f, int hub_port)
{
	char serial[80] = "", path[HUBPROC_PATH + 16];
	FILE *s;

	snprintf(path, sizeof(path), "%s/mch.serial", hp->dir);
	s = fopen(path, "r");
	if (s) {
		if (!fgets(serial, sizeof(serial), s))
			serial[0] = 0;
		fclose(s);
	}
	serial[strcspn(serial, "\r\n")] = 0;
	fprintf(f, "[bank]\ngateway_url = https://127.0.0.1:%d\nmer_id = " HUBPROC_BANK_MER "\n"
		"merchant_key = %s/bmch.key\nmerchant_cert = %s/bmch.pem\n"
		"gateway_cert = %s/bgw.pem\ngateway_cert_id = " HUBPROC_BANK_GW_CID "\n"
		"notify_url = https://127.0.0.1:%d/v1/pay/notify/bank\nca_file = %s\n"
		"timeout_ms = 5000\n", hp->paysim_port, hp->dir, hp->dir, hp->dir, hub_port,
		hp->cacert);
	fprintf(f, "[pay]\nwechat = wechatpay_v3\nbank = gateway\n"
		"[wechatpay]\napi_url = https://127.0.0.1:%d\n"
		"mchid = " HUBPROC_MCHID "\nappid = " HUBPROC_APPID "\nmerchant_serial = %s\n"
		"merchant_key = %s/mch.key\napiv3_key = %s/apiv3.key\n"
		"public_key_id = " HUBPROC_WXPUB_ID "\npublic_key = %s/wxp.pub\n"
		"notify_url = https://127.0.0.1:%d/v1/pay/notify/wechatpay\nca_file = %s\n"
		"timeout_ms = 5000\n", hp->paysim_port, serial, hp->dir, hp->dir, hp->dir,
		hub_port, hp->cacert);
}

int hubproc_certs(const char *dir)
{
	if (sh(dir, cert_script)) {
		fprintf(stderr, "hubproc: openssl could not make the test certificates\n");
		return -1;
	}
	return 0;
}

static int write_config(struct hubproc *hp, const struct hubproc_opts *o)
{
	static const char *const biz[] = { "new", "renew", "change", "reissue" };
	static const char *const cert[] = { "org", "legal_rep", "personal" };
	const char *demo_code = o ? o->demo_code : NULL;
	const char *mode = o && o->mode ? o->mode : demo_code ? "demo" : "dev";
	FILE *f = fopen(hp->config, "w");
	size_t b, c;

	if (!f)
		return -1;
	int port = hp->wechatpay ? free_port() : 0;

	if (hp->wechatpay && !port) {
		fclose(f);
		return -1;
	}
	fprintf(f, "[hub]\nmode = %s\nlisten = 127.0.0.1\nport = %d\ndata_dir = %s\n"
		"cert = %s/srv.pem\nkey = %s/srv.key\n%s[sms]\n%s",
		mode, port, hp->data_dir, hp->dir, hp->dir, o && o->hub_ini ? o->hub_ini : "",
		o && o->sms_ini ? o->sms_ini : "provider = dev\n");
	if (hp->wechatpay)
		wechatpay_config(hp, f, port);
	if (demo_code)
		fprintf(f, "demo_code = %s\n", demo_code);
	fprintf(f, "[prices]\n");
	for (b = 0; b < 4; b++)
		for (c = 0; c < 3; c++)
			fprintf(f, "%s.%s = %d\n", biz[b], cert[c], b == 0 && c == 0 ? 30000 : 20000);
	fprintf(f, "[log]\nlevel = %s\n", o && o->log_level ? o->log_level : "info");
	/* The tests move the virtual clock by weeks: the staff token lasts a year. */
	fprintf(f, "[console]\nport = 0\ntoken_days = 365\n");
	if (o && o->extra_ini)
		fputs(o->extra_ini, f);
	if (hp->tax)
		fputs(hp->tax_ini, f);
	return fclose(f) == 0 ? 0 : -1;
}

/* Start the process and wait until /health answers. */
static int launch(struct hubproc *hp)
{
	char bin[HUBPROC_PATH + 16], portfile[HUBPROC_PATH + 16], tokfile[HUBPROC_PATH + 16];
	int i, fd;
	FILE *f;

	snprintf(bin, sizeof(bin), "%s/ca-hub", hp->bin_dir);
	snprintf(portfile, sizeof(portfile), "%s/hub.port", hp->data_dir);
	unlink(portfile);
	hp->pid = fork();
	if (hp->pid < 0)
		return -1;
	if (hp->pid == 0) {
		fd = open(hp->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 2);
			dup2(fd, 1);
		}
		/* Nothing of the test's own (its sockets) leaks into the hub. */
		close_range(3, ~0U, 0);
		if (hp->nofile > 0) {
			struct rlimit rl = { (rlim_t)hp->nofile, (rlim_t)hp->nofile };

			if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
				_exit(126);
		}
		if (hp->virtual_clock)
			execl(bin, bin, "--config", hp->config, "--virtual-clock", (char *)NULL);
		else
			execl(bin, bin, "--config", hp->config, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 300; i++) { /* 15 s: sanitizer builds start slowly */
		int st;

		if (waitpid(hp->pid, &st, WNOHANG) == hp->pid) {
			fprintf(stderr, "hubproc: ca-hub exited at start; see %s\n", hp->log);
			hp->pid = 0;
			return -1;
		}
		f = fopen(portfile, "r");
		if (f) {
			int ok = fscanf(f, "%d", &hp->port) == 1;

			fclose(f);
			if (ok) {
				struct hubproc_req q = { 0 };
				struct hubproc_resp r;

				snprintf(hp->url, sizeof(hp->url), "https://127.0.0.1:%d", hp->port);
				hubproc_request(hp, &q, "GET", "/health", NULL, &r);
				free(r.body);
				if (r.status == 200)
					break;
			}
		}
		ca_sleep_ms(50);
	}
	if (i == 300) {
		fprintf(stderr, "hubproc: ca-hub did not answer; see %s\n", hp->log);
		hubproc_kill(hp);
		return -1;
	}
	snprintf(tokfile, sizeof(tokfile), "%s/admin.token", hp->data_dir);
	f = fopen(tokfile, "r");
	if (!f || !fgets(hp->host_token, sizeof(hp->host_token), f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	hp->host_token[strcspn(hp->host_token, "\r\n")] = '\0';
	snprintf(tokfile, sizeof(tokfile), "%s/console.port", hp->data_dir);
	f = fopen(tokfile, "r");
	if (!f || fscanf(f, "%d", &hp->console_port) != 1)
		hp->console_port = 0;
	if (f)
		fclose(f);
	return 0;
}

/* The staff member the tests act as: HUBPROC_STAFF with every role, made
 * with the host's token, and logged in; its token into hp->token. */
static int staff_setup(struct hubproc *hp)
{
	struct hubproc_req q = { .bearer = hp->host_token };
	struct hubproc_resp r;
	json_t *j;
	int rc = -1;

	hubproc_request(hp, &q, "POST", "/v1/admin/staff", "{\"name\":\"" HUBPROC_STAFF
			"\",\"display\":\"" HUBPROC_STAFF_DISPLAY "\",\"roles\":\"all\","
			"\"password\":\"" HUBPROC_STAFF_PASSWORD "\"}", &r);
	free(r.body);
	if (r.status != 200 && r.status != 409) {
		fprintf(stderr, "hubproc: could not add the staff account (%ld)\n", r.status);
		return -1;
	}
	q.bearer = NULL;
	hubproc_request(hp, &q, "POST", "/v1/admin/login", "{\"name\":\"" HUBPROC_STAFF
			"\",\"password\":\"" HUBPROC_STAFF_PASSWORD "\"}", &r);
	j = r.status == 200 ? json_loads(r.body, 0, NULL) : NULL;
	if (json_is_string(json_object_get(j, "token"))) {
		snprintf(hp->token, sizeof(hp->token), "%s",
			 json_string_value(json_object_get(j, "token")));
		rc = 0;
	} else {
		fprintf(stderr, "hubproc: the staff account could not log in (%ld)\n", r.status);
	}
	json_decref(j);
	free(r.body);
	return rc;
}

int hubproc_start(struct hubproc *hp, const struct hubproc_opts *o)
{
	const char *tmp = getenv("TMPDIR");

	memset(hp, 0, sizeof(*hp));
	if (find_bins(hp))
		return -1;
	snprintf(hp->dir, sizeof(hp->dir), "%s/hubproc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(hp->dir))
		return -1;
	snprintf(hp->data_dir, sizeof(hp->data_dir), "%s/data", hp->dir);
	snprintf(hp->cacert, sizeof(hp->cacert), "%s/ca.pem", hp->dir);
	snprintf(hp->other_ca, sizeof(hp->other_ca), "%s/other-ca.pem", hp->dir);
	snprintf(hp->config, sizeof(hp->config), "%s/hub.ini", hp->dir);
	snprintf(hp->log, sizeof(hp->log), "%s/hub.log", hp->dir);
	hp->virtual_clock = o && o->virtual_clock;
	hp->nofile = o ? o->nofile : 0;
	if (hubproc_certs(hp->dir))
		return -1;
	/* A production hub takes 微信支付 only through the real protocol. */
	hp->wechatpay = o && (o->wechatpay || (o->mode && !strcmp(o->mode, "production")));
	snprintf(hp->paysim_log, sizeof(hp->paysim_log), "%s/paysim.log", hp->dir);
	if (hp->wechatpay) {
		/* The simulator starts first: the hub's config names its port. */
		mkdir(hp->data_dir, 0700);
		if (provider_keys(hp->dir))
			return -1;
		if (paysim_launch(hp, o->paysim_scale))
			return -1;
	}
	/* A production hub issues its invoices through the tax platform. */
	if (o && (o->taxplat || (o->mode && !strcmp(o->mode, "production")))) {
		mkdir(hp->data_dir, 0700);
		hp->tax = calloc(1, sizeof(*hp->tax));
		if (!hp->tax)
			return -1;
		/* Its clock is the hub's virtual one. */
		if (snprintf(hp->tax->clock, sizeof(hp->tax->clock), "%.*s/clock.offset",
			     (int)sizeof(hp->tax->clock) - 16, hp->data_dir) >=
		    (int)sizeof(hp->tax->clock))
			return -1;
		if (taxproc_start(hp->tax) ||
		    taxproc_ini(hp->tax, NULL, 0, hp->tax_ini, sizeof(hp->tax_ini)))
			return -1;
	}
	if (write_config(hp, o))
		return -1;
	if (launch(hp))
		return -1;
	return staff_setup(hp);
}

int hubproc_restart(struct hubproc *hp)
{
	if (hp->pid)
		hubproc_stop(hp);
	/* A new token: the store may be another one now (a restore). */
	return launch(hp) ? -1 : staff_setup(hp);
}

int hubproc_stop(struct hubproc *hp)
{
	int st = 0, i;

	if (!hp->pid)
		return -1;
	/* 30 s: an ASan build on a loaded machine stops in seconds (the
	 * parked polls answered, the store closed, the leak check at exit);
	 * a hub that hangs is still caught. */
	kill(hp->pid, SIGTERM);
	for (i = 0; i < 600; i++) {
		pid_t r = waitpid(hp->pid, &st, WNOHANG);

		if (r == hp->pid)
			break;
		ca_sleep_ms(50);
	}
	if (i == 600) {
		fprintf(stderr, "hubproc: ca-hub (pid %d) still running 30 s after SIGTERM: killed\n",
			(int)hp->pid);
		hubproc_kill(hp);
		return -1;
	}
	hp->pid = 0;
	if (WIFSIGNALED(st)) {
		char cmd[sizeof(hp->log) + 64];

		fprintf(stderr, "hubproc: ca-hub died of signal %d (%s) after SIGTERM; the end "
			"of its log:\n", WTERMSIG(st), strsignal(WTERMSIG(st)));
		/* The log goes with the test's directory: show its end now. */
		snprintf(cmd, sizeof(cmd), "tail -n 30 '%s' 1>&2", hp->log);
		if (system(cmd) != 0)
			fprintf(stderr, "hubproc: (no log at %s)\n", hp->log);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void hubproc_kill(struct hubproc *hp)
{
	if (!hp->pid)
		return;
	kill(hp->pid, SIGKILL);
	while (waitpid(hp->pid, NULL, 0) < 0 && errno == EINTR)
		;
	hp->pid = 0;
}

void hubproc_cleanup(struct hubproc *hp)
{
	char script[HUBPROC_PATH + 32];

	if (hp->pid)
		hubproc_stop(hp);
	if (hp->paysim_pid) {
		int st;

		kill(hp->paysim_pid, SIGTERM);
		while (waitpid(hp->paysim_pid, &st, 0) < 0 && errno == EINTR)
			;
		hp->paysim_pid = 0;
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			fprintf(stderr, "hubproc: ca-paysim did not stop cleanly (status %d); see "
				"%s\n", st, hp->paysim_log);
	}
	if (hp->tax) {
		taxproc_cleanup(hp->tax);
		free(hp->tax);
		hp->tax = NULL;
	}
	if (hp->dir[0] && !getenv("HUBPROC_KEEP")) {
		snprintf(script, sizeof(script), "rm -rf '%s'", hp->dir);
		(void)sh("/", script);
	}
}

int hubproc_ctl(struct hubproc *hp, char *out, size_t n, ...)
{
	char bin[HUBPROC_PATH + 16];
	const char *argv[40];
	int p[2], argc = 0, st;
	size_t got = 0;
	ssize_t r;
	va_list ap;
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/ca-hubctl", hp->bin_dir);
	argv[argc++] = bin;
	argv[argc++] = "--hub";
	argv[argc++] = hp->url;
	argv[argc++] = "--cacert";
	argv[argc++] = hp->cacert;
	argv[argc++] = "--data-dir";
	argv[argc++] = hp->data_dir;
	va_start(ap, n);
	while (argc < 39 && (argv[argc] = va_arg(ap, const char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		int fd = open(hp->log, O_WRONLY | O_APPEND);

		dup2(p[1], 1);
		if (fd >= 0)
			dup2(fd, 2);
		close(p[0]);
		/* As the staff member, as a person's ca-hubctl would be. */
		if (hp->token[0])
			setenv("CA_HUBCTL_TOKEN", hp->token, 1);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		char scratch[512];

		/* Read all of it (into out while there is room), so the child
		 * never dies of SIGPIPE. */
		if (out && got + 1 < n)
			r = read(p[0], out + got, n - 1 - got);
		else
			r = read(p[0], scratch, sizeof(scratch));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (out && got + 1 < n)
			got += (size_t)r;
	}
	if (out && n)
		out[got] = '\0';
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int hubproc_device_add(struct hubproc *hp, const char *id, char secret[65])
{
	char out[1024];
	json_t *j;
	int rc = -1;

	if (hubproc_ctl(hp, out, sizeof(out), "--json", "device", "add", id, (char *)NULL))
		return -1;
	j = json_loads(out, 0, NULL);
	if (json_is_string(json_object_get(j, "secret"))) {
		snprintf(secret, 65, "%s", json_string_value(json_object_get(j, "secret")));
		rc = 0;
	}
	json_decref(j);
	return rc;
}

/* curl write and header callbacks. */
static size_t on_body(char *d, size_t s, size_t m, void *ud)
{
	return membuf_add(ud, d, s * m) ? 0 : s * m;
}

/* The headers on_header keeps: name with ": ", and where the value goes. */
static const struct {
	const char *name; /* e.g. "Date: " */
	size_t off;       /* offset of its char array in struct hubproc_resp */
	size_t size;      /* the array's size */
} kept[] = {
#define KEEP(name, field) \
	{ name, offsetof(struct hubproc_resp, field), sizeof(((struct hubproc_resp *)0)->field) }
	KEEP("Date: ", date),
	KEEP("Content-Type: ", content_type),
	KEEP("Content-Disposition: ", disposition),
	KEEP("Referrer-Policy: ", referrer_policy),
	KEEP("X-Frame-Options: ", frame_options),
	KEEP("Content-Security-Policy: ", csp),
	KEEP("Strict-Transport-Security: ", hsts),
	KEEP("Set-Cookie: ", set_cookie),
	KEEP("Location: ", location),
#undef KEEP
};

static size_t on_header(char *d, size_t s, size_t m, void *ud)
{
	struct hubproc_resp *r = ud;
	size_t n = s * m, i;

	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		size_t len = strlen(kept[i].name);
		char *to = (char *)r + kept[i].off;

		if (n > len && !strncasecmp(d, kept[i].name, len)) {
			snprintf(to, kept[i].size, "%.*s", (int)(n - len), d + len);
			to[strcspn(to, "\r\n")] = '\0';
		}
	}
	if (n > 13 && !strncasecmp(d, "Retry-After: ", 13))
		r->retry_after = strtol(d + 13, NULL, 10);
	return n;
}

int hubproc_request(struct hubproc *hp, const struct hubproc_req *q, const char *method,
		    const char *target, const char *body, struct hubproc_resp *r)
{
	char url[2200], h[4][200], sig[SIGN_HEX_LEN + 1], resolve[128];
	struct curl_slist *hl = NULL, *rl = NULL;
	struct membuf a = { 0 };
	size_t blen = body ? strlen(body) : 0;
	CURL *cu;

	memset(r, 0, sizeof(*r));
	r->ts = q->ts ? q->ts : (int64_t)time(NULL) + q->ts_offset;
	if (q->nonce)
		snprintf(r->nonce, sizeof(r->nonce), "%s", q->nonce);
	else
		sign_nonce(r->nonce);
	snprintf(url, sizeof(url), "https://%s:%d%s", q->host ? q->host : "127.0.0.1",
		 q->paysim ? hp->paysim_port : q->console ? hp->console_port : hp->port, target);
	cu = curl_easy_init();
	if (!cu)
		return -1;
	if (q->device) {
		sign_request(q->secret, method, target, r->ts, r->nonce, body, blen, sig);
		snprintf(h[0], sizeof(h[0]), "X-CA-Device: %s", q->device);
		snprintf(h[1], sizeof(h[1]), "X-CA-Timestamp: %lld", (long long)r->ts);
		snprintf(h[2], sizeof(h[2]), "X-CA-Nonce: %s", r->nonce);
		snprintf(h[3], sizeof(h[3]), "X-CA-Signature: %s", sig);
		hl = curl_slist_append(hl, h[0]);
		hl = curl_slist_append(hl, h[1]);
		hl = curl_slist_append(hl, h[2]);
		hl = curl_slist_append(hl, h[3]);
	}
	if (q->bearer) {
		char auth[200];

		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", q->bearer);
		hl = curl_slist_append(hl, auth);
	}
	if (q->session) {
		char sess[120];

		snprintf(sess, sizeof(sess), "X-CA-Session: %s", q->session);
		hl = curl_slist_append(hl, sess);
	}
	if (q->cookie) {
		char cookie[200];

		snprintf(cookie, sizeof(cookie), "Cookie: %s", q->cookie);
		hl = curl_slist_append(hl, cookie);
	}
	hl = curl_slist_append(hl, q->form ? "Content-Type: application/x-www-form-urlencoded"
			       : "Content-Type: application/json");
	hl = curl_slist_append(hl, "Expect:");
	if (q->host) {
		snprintf(resolve, sizeof(resolve), "%s:%d:127.0.0.1", q->host, hp->port);
		rl = curl_slist_append(rl, resolve);
		curl_easy_setopt(cu, CURLOPT_RESOLVE, rl);
	}
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, method);
	if (body || !strcmp(method, "POST")) {
		curl_easy_setopt(cu, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE, (long)blen);
	}
	curl_easy_setopt(cu, CURLOPT_CAINFO, q->cacert ? q->cacert : hp->cacert);
	curl_easy_setopt(cu, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(cu, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, q->timeout_ms ? q->timeout_ms : 30000L);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, &a);
	curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(cu, CURLOPT_HEADERDATA, r);
	r->curl_code = (int)curl_easy_perform(cu);
	if (r->curl_code == CURLE_OK)
		curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &r->status);
	r->body = a.p ? a.p : strdup("");
	r->body_len = a.n;
	curl_slist_free_all(hl);
	curl_slist_free_all(rl);
	curl_easy_cleanup(cu);
	return r->status ? 0 : -1;
}

long hubproc_customer_pay(struct hubproc *hp, const char *code_url, struct hubproc_resp *r)
{
	struct hubproc_req q = { .paysim = true };
	struct hubproc_resp own;
	json_t *j = json_pack("{s:s}", "code_url", code_url);
	char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	if (!r)
		r = &own;
	if (!body || hubproc_request(hp, &q, "POST", "/sim/pay", body, r))
		r->status = -1;
	free(body);
	if (r == &own)
		free(own.body);
	return r->status;
}
